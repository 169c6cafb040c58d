"""Invitations to join a team: a one-time link mailed to an address, that expires.

The link's token is stored only as its SHA-256 (core.tokens.token_digest), and the
worker that mails the link makes the token (invitation_token), as accounts does for
sender addresses: no token waits in the broker or the database.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.services import owner_sign_up
from core.audit import audit_record
from core.models import AuditEntry
from core.queue import enqueue
from core.tokens import new_token, token_digest
from teams import access
from teams.access import Right
from teams.models import Invitation, Membership, Role, Team
from teams.selectors import invitation_by_token, invitation_problem

# Invitations one team may send an hour: enough for a lab, too few to use Canvass
# to mail strangers in bulk.
INVITATIONS_PER_HOUR = 50


class InvitationClosed(ValidationError):
    """The link was used, revoked or has expired (the message says which)."""


def invitation_create(*, user, team: Team, email: str, role: str) -> Invitation:
    """Invite an address to the team with a role (MANAGE); a worker mails the link.

    Inviting an address again replaces its open invitation: the earlier link
    stops working.
    """
    access.require(user, team.pk, Right.MANAGE)
    email = get_user_model().objects.normalize_email(email).strip()
    role = Role(role)
    now = timezone.now()
    with transaction.atomic():
        # One invitation change of a team at a time (and the hour's count is exact).
        Team.objects.select_for_update().get(pk=team.pk)
        member = Membership.objects.filter(team=team).filter(
            Q(user__username__iexact=email) | Q(user__email__iexact=email)
        )
        if member.exists():
            raise ValidationError(f"{email} is a member of this team already.")
        sent = Invitation.objects.filter(
            team=team, created_at__gte=now - timedelta(hours=1)
        ).count()
        if sent >= INVITATIONS_PER_HOUR:
            raise ValidationError(
                "This team sent too many invitations this hour: try again later."
            )
        Invitation.objects.filter(
            team=team, email__iexact=email, accepted_at=None, revoked_at=None
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            team=team,
            email=email,
            role=role,
            # Never mailed: the worker gives the invitation the token it mails.
            token_digest=token_digest(new_token()),
            invited_by=user,
            expires_at=now + timedelta(days=settings.TEAM_INVITATION_DAYS),
        )
        audit_record(
            actor=user,
            team_id=team.pk,
            action=AuditEntry.Action.MEMBER_INVITED,
            subject=f"{email} as {role.label}",
        )
        enqueue("teams.invitation_send", invitation.pk)
    return invitation


def invitation_token(*, invitation_id: int) -> tuple[Invitation, str] | None:
    """Give an open invitation a new link token and return it (for its email).

    Only the digest is stored; an earlier link of the invitation stops working.
    """
    invitation = (
        Invitation.objects.select_related("team", "invited_by")
        .filter(
            pk=invitation_id,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if invitation is None:
        return None
    token = new_token()
    invitation.token_digest = token_digest(token)
    invitation.save(update_fields=["token_digest"])
    return invitation, token


def invitation_revoke(*, user, team: Team, invitation_id: int) -> Invitation:
    """Revoke an open invitation (MANAGE): its link stops working at once."""
    access.require(user, team.pk, Right.MANAGE)
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(team=team, pk=invitation_id)
            .first()
        )
        if invitation is None:
            raise Invitation.DoesNotExist
        if invitation.accepted_at or invitation.revoked_at:
            raise ValidationError(
                f"The invitation of {invitation.email} was used or revoked already."
            )
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=user,
            team_id=team.pk,
            action=AuditEntry.Action.INVITATION_REVOKED,
            subject=invitation.email,
        )
    return invitation


def invitation_accept(*, user, token: str) -> tuple[Membership, bool]:
    """Join the team of this link with its role; return (membership, joined).

    The link works once: the invitation row is locked, so of two clicks at the
    same moment one joins and the other is told the link was used. A user who is
    a member already keeps their role (joined is False), and the link is used up.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("team")
            .filter(token_digest=token_digest(token))
            .first()
        )
        problem = invitation_problem(invitation)
        if problem:
            raise InvitationClosed(problem)
        member = Membership.objects.filter(team=invitation.team, user=user).first()
        joined = member is None
        if joined:
            member = Membership.objects.create(
                team=invitation.team, user=user, role=invitation.role
            )
            audit_record(
                actor=user,
                team_id=invitation.team_id,
                action=AuditEntry.Action.MEMBER_JOINED,
                subject=f"{user.email or user.get_username()} as "
                f"{Role(invitation.role).label}",
            )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    access.forget(user)
    return member, joined


def invitation_sign_up(*, token: str, password: str, time_zone: str):
    """Create the account of the invited address and accept the invitation with it.

    The link reached that address, so it needs no further confirmation (unlike a
    sign-up, accounts.services.signup_request); an address that has an account
    must sign in instead.
    """
    with transaction.atomic():
        invitation = invitation_by_token(token=token)
        problem = invitation_problem(invitation)
        if problem:
            raise InvitationClosed(problem)
        taken = get_user_model().objects.filter(username__iexact=invitation.email)
        if taken.exists():
            raise ValidationError(
                f"{invitation.email} has a Canvass account already: sign in to "
                "accept the invitation."
            )
        user = owner_sign_up(
            email=invitation.email, password=password, time_zone=time_zone
        )
        invitation_accept(user=user, token=token)
    return user
