import os

from django.core.wsgi import get_wsgi_application

from config.env import read_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
read_settings_or_exit()
application = get_wsgi_application()

# The web process sends tasks: load the Celery app now rather than in the first
# request that enqueues one (config/__init__.py no longer imports it).
import config.celery  # noqa: E402, F401
