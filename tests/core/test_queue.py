"""core.queue: services enqueue tasks by name; the workers' queue receives them."""

import re
import uuid
from pathlib import Path

from config.celery import app as celery_app
from core.queue import enqueue, enqueue_now
from tests.conftest import TEST_QUEUE

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "accounts", "directories", "distributions", "surveys"]


def take_message(args: list, timeout: float = 10):
    """Return (task name, ETA) of the queued message with these args."""
    with (
        celery_app.connection_for_write() as connection,
        connection.SimpleQueue(TEST_QUEUE) as queue,
    ):
        others = []
        try:
            while True:
                message = queue.get(timeout=timeout)
                if message.payload[0] == args:
                    message.ack()
                    return message.headers["task"], message.headers["eta"]
                others.append(message)
        finally:
            for other in others:
                other.requeue()


def test_enqueue_sends_by_name_to_the_workers_queue_after_commit(
    db, django_capture_on_commit_callbacks
):
    marker = uuid.uuid4().int % 10**9
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue("distributions.send_batch", [marker, 2])
    # Held until the commit (a worker could not see the rows before it).
    assert len(callbacks) == 1
    callbacks[0]()

    assert take_message([[marker, 2]]) == ("distributions.send_batch", None)


def test_enqueue_now_sends_at_once_with_a_countdown(db):
    marker = uuid.uuid4().int % 10**9
    enqueue_now("distributions.dispatch_due", marker, countdown=30)

    name, eta = take_message([marker])
    assert name == "distributions.dispatch_due" and eta is not None


def test_every_enqueued_name_is_a_registered_task():
    called = re.compile(r"enqueue(?:_now)?\(\s*\"([^\"]+)\"")
    names = {
        name
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        for name in called.findall(path.read_text())
    }
    celery_app.loader.import_default_modules()

    assert names >= {
        "directories.import_contacts",
        "distributions.dispatch_due",
        "distributions.generate_links",
        "distributions.send_batch",
    }
    assert names <= set(celery_app.tasks)
