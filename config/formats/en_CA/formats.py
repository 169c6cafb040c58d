from django.conf.locale.en_CA.formats import *  # noqa: F403  Django's, not config/formats/en
