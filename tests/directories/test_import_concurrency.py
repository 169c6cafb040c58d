"""Two imports of the same file into one list at once: the list ends complete, once."""

import threading

from django.db import connection

from core.contact_samples import write_contacts
from directories.models import ContactImport
from directories.services.imports import contact_import_create, contact_import_run
from tests.factories import ContactListFactory, UserFactory


def test_two_imports_at_once_never_double_a_list(transactional_db, tmp_path):
    owner = UserFactory()
    contact_list = ContactListFactory(owner=owner)
    path = write_contacts(tmp_path / "contacts.csv", 20_000, extra=1)
    imports = [
        contact_import_create(owner=owner, contact_list=contact_list, path=path)
        for _ in range(2)
    ]
    ContactImport.objects.update(status=ContactImport.Status.QUEUED)
    outcomes, errors = [], []
    barrier = threading.Barrier(2)

    def run(contact_import_id):
        try:
            barrier.wait()
            outcomes.append(contact_import_run(contact_import_id=contact_import_id))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=[ci.pk]) for ci in imports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert contact_list.contacts.count() == 20_000
    assert sorted((o.added, o.duplicates) for o in outcomes) == [
        (0, 20_000),
        (20_000, 0),
    ]
    # A task delivered twice runs once: the claim is taken.
    assert contact_import_run(contact_import_id=imports[0].pk) is None
    assert contact_list.contacts.count() == 20_000
