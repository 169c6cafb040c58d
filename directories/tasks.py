from celery import shared_task

from directories.services.imports import contact_import_run, contact_imports_sweep


# acks_late: a message lost with a killed worker comes back. Safe, since the
# queued → importing claim runs an import once, and an import its worker died in
# is failed by the sweep before a redelivery could find it queued.
@shared_task(name="directories.import_contacts", acks_late=True, ignore_result=True)
def import_contacts(contact_import_id: int) -> None:
    """Run a queued import; the queued→importing claim makes a redelivery harmless."""
    contact_import_run(contact_import_id=contact_import_id)


@shared_task(name="directories.sweep_imports", acks_late=True, ignore_result=True)
def sweep_imports() -> dict:
    """Fail imports whose worker died, re-enqueue queued ones whose task was lost."""
    return contact_imports_sweep()
