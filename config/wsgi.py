import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from config.env import read_settings_or_exit
from core.startup import loaded, start_loading

# Collection resumes once the apps are loaded (core.startup).
start_loading()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
read_settings_or_exit()
application = get_wsgi_application()

# The web process sends tasks: load the Celery app now rather than in the first
# request that enqueues one (config/__init__.py no longer imports it).
import config.celery  # noqa: E402, F401

# Every view module too (the URLconf imports them), rather than in the first
# requests. Then everything loaded so far (modules, models, views, settings: lives
# as long as the process) leaves the garbage collector's sight. A full collection
# walks every object it sees while holding the GIL, so both of a worker's threads
# wait: 48 ms with 170,000 objects, every ~1,500 respondent pages, which was the
# page's p99 under load (issue 15); 6-8 ms after this.
get_resolver().url_patterns  # noqa: B018
loaded()
