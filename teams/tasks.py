"""Teams' emails, sent by a worker; services enqueue them by these names."""

from celery import shared_task

from teams import emails


@shared_task(name="teams.invitation_send")
def invitation_send(invitation_id: int) -> None:
    emails.invitation_send(invitation_id=invitation_id)
