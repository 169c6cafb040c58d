"""Writes for teams: new teams, members and their roles (invitations: .invitations).

Every change to who is in a team, and with what role, takes the team's row lock
first, so two owners demoting each other at the same moment cannot leave a team
without an Owner; each one is on the team's audit trail.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record
from core.models import AuditEntry
from core.text import one_line
from teams import access
from teams.access import Right
from teams.models import Membership, Role, Team
from teams.personal import personal_team, personal_team_id

__all__ = [
    "member_leave",
    "member_remove",
    "member_role_change",
    "personal_team",
    "personal_team_id",
    "team_create",
    "team_of",
]


def team_create(*, user, name: str) -> Team:
    """A new team with the user as its Owner."""
    # One line: the name goes into the subject of invitation emails.
    name = one_line(name).strip()[:100]
    if not name:
        raise ValidationError("Give the team a name.")
    with transaction.atomic():
        team = Team.objects.create(name=name)
        Membership.objects.create(team=team, user=user, role=Role.OWNER)
        audit_record(
            actor=user,
            team_id=team.pk,
            action=AuditEntry.Action.TEAM_CREATED,
            subject=team.name,
        )
    access.forget(user)
    return team


def team_of(*, user, team) -> Team:
    """The team data is made in: the one given, else the user's personal team."""
    return team if team is not None else personal_team(user)


def _locked_member(team: Team, membership_id: int) -> Membership:
    """Lock the team (every member change of a team waits for the one before) and
    return its member; another team's membership id is a 404 like any outsider's."""
    Team.objects.select_for_update().get(pk=team.pk)
    member = (
        Membership.objects.select_related("user")
        .filter(team=team, pk=membership_id)
        .first()
    )
    if member is None:
        raise Membership.DoesNotExist
    return member


def _refuse_losing_an_owner(team: Team, member: Membership, doing: str) -> None:
    """Refuse a change that would take the team's last Owner, or the personal
    team's own user, out of the Owner role."""
    if team.personal_for_id == member.user_id:
        raise ValidationError(
            f"{_name(member.user)} is this personal team's own Owner: "
            f"they cannot {doing}."
        )
    if member.role != Role.OWNER:
        return
    others = (
        Membership.objects.filter(team=team, role=Role.OWNER)
        .exclude(pk=member.pk)
        .exists()
    )
    if not others:
        raise ValidationError(
            f"{_name(member.user)} is the team's last Owner and cannot {doing}: "
            "make another member Owner first."
        )


def member_role_change(
    *, user, team: Team, membership_id: int, role: str
) -> Membership:
    """Give a member another role (MANAGE)."""
    access.require(user, team.pk, Right.MANAGE)
    role = Role(role)
    with transaction.atomic():
        member = _locked_member(team, membership_id)
        if member.role == role:
            return member
        if role != Role.OWNER:
            _refuse_losing_an_owner(team, member, "be demoted")
        before = Role(member.role).label
        member.role = role
        member.save(update_fields=["role"])
        audit_record(
            actor=user,
            team_id=team.pk,
            action=AuditEntry.Action.ROLE_CHANGED,
            subject=f"{_name(member.user)}: {before} to {role.label}",
        )
    access.forget(user)
    return member


def member_remove(*, user, team: Team, membership_id: int) -> None:
    """Take a member out of the team (MANAGE); their next request is refused.

    teams.access reads memberships afresh each request and background jobs load
    their user afresh, so nothing they started runs on after this.
    """
    access.require(user, team.pk, Right.MANAGE)
    with transaction.atomic():
        member = _locked_member(team, membership_id)
        _refuse_losing_an_owner(team, member, "be removed")
        member.delete()
        audit_record(
            actor=user,
            team_id=team.pk,
            action=AuditEntry.Action.MEMBER_REMOVED,
            subject=_name(member.user),
        )
    access.forget(user)


def member_leave(*, user, team: Team) -> None:
    """Leave a team the user is a member of (any role)."""
    access.require(user, team.pk, Right.VIEW)
    with transaction.atomic():
        Team.objects.select_for_update().get(pk=team.pk)
        member = Membership.objects.select_related("user").get(team=team, user=user)
        if team.personal_for_id == user.pk:
            raise ValidationError("Your personal team cannot be left.")
        _refuse_losing_an_owner(team, member, "leave")
        member.delete()
        audit_record(
            actor=user,
            team_id=team.pk,
            action=AuditEntry.Action.MEMBER_REMOVED,
            subject=f"{_name(user)} left the team",
        )
    access.forget(user)


def _name(user) -> str:
    return user.email or user.get_username()
