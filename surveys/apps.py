from django.apps import AppConfig

from surveys.navigation import register_own_tabs


class SurveysConfig(AppConfig):
    name = "surveys"

    def ready(self):
        register_own_tabs()
