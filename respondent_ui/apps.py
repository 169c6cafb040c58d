from django.apps import AppConfig


class RespondentUiConfig(AppConfig):
    name = "respondent_ui"
    verbose_name = "Respondent pages' own texts"
