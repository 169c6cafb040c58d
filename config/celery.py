import os

from celery import Celery

from config.env import read_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("canvass")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Fired just before Celery first reads the Django settings (worker, beat, or a
# process sending a task), so a bad environment variable ends the start in one line.
app.on_configure.connect(lambda sender, **kwargs: read_settings_or_exit(), weak=False)


@app.on_after_finalize.connect
def schedule_periodic_tasks(sender, **kwargs):
    """Register the beat schedule: short polls of PostgreSQL, never long ETAs."""
    # Imported here: this module is imported before Django's settings are set up.
    from django.conf import settings

    for name, seconds in getattr(settings, "CELERY_PERIODIC_TASKS", {}).items():
        sender.add_periodic_task(seconds, sender.signature(name), name=name)
