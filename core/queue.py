"""The one seam between services and Celery: enqueue a task by its stable name.

Services never import a tasks module (tasks import services, so that would be a
circle); they name the task (`@shared_task(name="distributions.send_batch")`) and
this module hands the name and the ids to the broker with `app.send_task`. The
message goes to CELERY_TASK_DEFAULT_QUEUE, the queue the workers consume, like a
`.delay()` would.

It also answers the one question the sweeper asks the broker: is the queue empty?
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args, countdown: float = 0) -> None:
    """Send the task once the current transaction commits (at once outside one).

    on_commit: the task reads the rows this transaction wrote, and a worker cannot
    see them before the commit; a rolled-back transaction sends nothing.

    A broker that cannot take the message (Redis down) is logged and ignored:
    the rows are committed, and the periodic polls and sweeps find the work in
    PostgreSQL once the broker is back (a due distribution, queued deliveries, a
    queued import), so a web request never fails on a broker outage.
    """
    transaction.on_commit(lambda: _send_or_log(task_name, args, countdown))


def _send_or_log(task_name: str, args: tuple, countdown: float) -> None:
    if _app().conf.task_always_eager:
        _send(task_name, args, countdown)
        return
    try:
        _send(task_name, args, countdown)
    except Exception:  # noqa: BLE001  any broker or connection error
        logger.warning(
            "could not enqueue %s (broker unavailable)",
            task_name,
            exc_info=True,
        )


def enqueue_now(task_name: str, *args, countdown: float = 0) -> None:
    """Send the task at once, for code that committed its rows itself.

    The sending pipeline's own tasks fan out and retry batches after their
    transactions ended. Sending at once (rather than on_commit) keeps an eager run
    (task_always_eager, as the in-process pipeline tests use) inline even when
    the caller holds an outer transaction.
    """
    _send(task_name, args, countdown)


def _app():
    # Imported on first use: a process that never sends a task (a management
    # command) does not import Celery (config/__init__.py).
    from config.celery import app

    return app


def _send(task_name: str, args: tuple, countdown: float) -> None:
    app = _app()
    if app.conf.task_always_eager:
        # send_task knows only the name, so it ignores task_always_eager: run
        # the registered task inline as .delay() would. The tasks modules are
        # imported (autodiscovered) on first use, as a worker does at startup.
        if task_name not in app.tasks:
            app.loader.import_default_modules()
        app.tasks[task_name].apply(args)
        return
    app.send_task(task_name, args=args, countdown=countdown or None)


def queue_is_idle() -> bool:
    """Return whether the workers' queue is empty (True when the broker cannot say)."""
    app = _app()
    try:
        with app.connection_for_write() as connection:
            declared = connection.default_channel.queue_declare(
                queue=app.conf.task_default_queue, passive=True
            )
            return declared.message_count == 0
    except Exception:  # noqa: BLE001  no such queue (Redis drops empty lists) or no answer
        return True
