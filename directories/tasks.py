from celery import shared_task

from directories.services.imports import contact_import_run


@shared_task(name="directories.import_contacts")
def import_contacts(contact_import_id: int) -> None:
    """Run a queued import; the queued→importing claim makes a redelivery harmless."""
    contact_import_run(contact_import_id=contact_import_id)
