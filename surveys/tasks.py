from celery import shared_task

from surveys.services.exports import response_export_run


# acks_late: a message lost with a killed worker comes back; the queued → running
# claim builds an export once.
@shared_task(name="surveys.build_response_export", acks_late=True, ignore_result=True)
def build_response_export(export_id: int) -> None:
    """Build a queued Excel or SPSS export of a survey's responses."""
    response_export_run(export_id=export_id)
