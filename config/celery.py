import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("canvass")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_periodic_tasks(sender, **kwargs):
    """Register the beat schedule: short polls of PostgreSQL, never long ETAs."""
    from django.conf import settings

    for name, seconds in getattr(settings, "CELERY_PERIODIC_TASKS", {}).items():
        sender.add_periodic_task(seconds, sender.signature(name), name=name)
