"""The email of an invitation, sent by a worker (teams.tasks), as accounts' are."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from teams.services.invitations import invitation_token


def invitation_send(*, invitation_id: int) -> None:
    """Mail an open invitation its one-time link (a used or revoked one: nothing)."""
    made = invitation_token(invitation_id=invitation_id)
    if made is None:
        return
    invitation, token = made
    path = reverse("teams:public_join", kwargs={"token": token})
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "inviter": (inviter.email or inviter.get_username()) if inviter else "",
        "join_url": settings.SITE_URL + path,
    }
    body = render_to_string("teams/email_invitation.txt", context)
    subject = f"Join {invitation.team.name} on Canvass"
    send_mail(subject, body, None, [invitation.email])
