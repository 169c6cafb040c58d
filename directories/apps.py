from django.apps import AppConfig


class DirectoriesConfig(AppConfig):
    name = "directories"
