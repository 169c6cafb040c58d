"""Accounts' emails, sent by a worker; services enqueue them by these names."""

from celery import shared_task

from accounts import emails


@shared_task(name="accounts.password_reset_send")
def password_reset_send(email: str) -> None:
    emails.password_reset_email_send(email=email)


@shared_task(name="accounts.signup_email_send")
def signup_email_send(email: str) -> None:
    emails.signup_email_send(email=email)


@shared_task(name="accounts.sender_confirm_send")
def sender_confirm_send(sender_id: int) -> None:
    emails.sender_confirmation_send(sender_id=sender_id)
