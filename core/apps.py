from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Canvass core"

    def ready(self):
        from core import checks  # noqa: F401  (registers the system checks)
