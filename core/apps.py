from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Canvass core"

    def ready(self):
        from core import checks  # noqa: F401  (registers the system checks)
        from core.startup import loaded

        # Every app's models are loaded: they, and what they import, live as long
        # as the process does.
        loaded()
