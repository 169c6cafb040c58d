from django.conf.locale.en_AU.formats import *  # noqa: F403  Django's, not config/formats/en
