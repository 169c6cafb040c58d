"""The scheduled import sweep: lost tasks re-enqueued, dead imports failed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from directories.models import ContactImport
from directories.services import imports
from teams.services import personal_team_id
from tests.factories import ContactListFactory


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(imports, "enqueue_now", lambda *args: calls.append(args))
    monkeypatch.setattr(imports, "queue_is_idle", lambda: True)
    return calls


def make_import(owner, status, started_ago):
    return ContactImport.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        contact_list=ContactListFactory(owner=owner),
        original_name="c.csv",
        stored_path="/nonexistent.csv",
        status=status,
        started_at=timezone.now() - started_ago,
    )


def test_a_queued_import_whose_task_was_lost_is_enqueued_again(owner, sent):
    lost = make_import(owner, "queued", timedelta(minutes=3))
    fresh = make_import(owner, "queued", timedelta(seconds=5))

    result = imports.contact_imports_sweep(requeue_after=timedelta(minutes=2))

    assert result == {"failed": 0, "requeued": 1}
    assert sent == [("directories.import_contacts", lost.pk)]
    # Not again at the next sweep: its clock restarted.
    assert imports.contact_imports_sweep(requeue_after=timedelta(minutes=2)) == {
        "failed": 0,
        "requeued": 0,
    }
    fresh.refresh_from_db()
    assert fresh.status == "queued"


def test_an_importing_import_whose_worker_died_is_failed(owner, sent):
    dead = make_import(owner, "importing", timedelta(minutes=2))
    young = make_import(owner, "importing", timedelta(seconds=5))

    assert imports.contact_imports_sweep()["failed"] == 1

    dead.refresh_from_db()
    young.refresh_from_db()
    assert dead.status == "failed" and dead.error == imports.INTERRUPTED
    assert young.status == "importing"
