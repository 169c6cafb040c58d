"""The Canvass project package (settings, URLs, WSGI, the Celery app).

The Celery app is not imported here: every process that starts Django (a
management command such as import_contacts, a test run) would pay for importing
Celery (≈60 ms and a configured app) whether or not it sends a task. It loads on
first use instead: `celery -A config` finds config.celery's `app` itself, and
core.queue imports it when a task is first sent. `config.celery_app` still names it.
"""


def __getattr__(name):
    if name == "celery_app":
        from config.celery import app

        return app
    raise AttributeError(f"module 'config' has no attribute {name!r}")
