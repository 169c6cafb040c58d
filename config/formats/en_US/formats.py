# Django's "en" formats are the United States'.
from django.conf.locale.en.formats import *  # noqa: F403  Django's, not config/formats/en
