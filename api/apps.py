from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"
    default_auto_field = "django.db.models.BigAutoField"

    # The key's security scheme is registered with drf-spectacular by api/urls.py,
    # not here: ready() runs in every process (import_contacts, workers), and
    # drf-spectacular costs ~90 ms of start-up that only the schema view needs.
