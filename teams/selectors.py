"""Reads of teams. Every read takes the acting user (an invitation's link excepted:
whoever holds it may see which team it is for)."""

from django.db.models import Case, Count, IntegerField, QuerySet, When
from django.http import Http404
from django.utils import formats, timezone

from core.audit import audit_entries
from core.tokens import token_digest
from teams import access
from teams.access import Right
from teams.models import Invitation, Membership, Role, Team
from teams.personal import personal_team

SESSION_KEY = "canvass_team_id"


def teams_of(*, user) -> QuerySet[Team]:
    """The user's teams: their personal team first, then by name."""
    return Team.objects.filter(id__in=list(access.roles_of(user))).order_by(
        Case(
            When(personal_for_id=user.pk, then=0),
            default=1,
            output_field=IntegerField(),
        ),
        "name",
        "id",
    )


def teams_with_counts(*, user) -> list[Team]:
    """The my-teams page: each team with its member count and the user's role."""
    roles = access.roles_of(user)
    teams = list(teams_of(user=user).annotate(member_count=Count("memberships")))
    for team in teams:
        team.role_label = Role(roles[team.pk]).label
    return teams


def current_team(request) -> Team:
    """The team whose data the owner pages show now: the one chosen in the team
    switcher while the user is still a member, else their personal team."""
    cached = getattr(request, "_canvass_team", None)
    if cached is not None:
        return cached
    team_id = request.session.get(SESSION_KEY)
    team = None
    if team_id is not None and access.role_in(request.user, team_id) is not None:
        team = Team.objects.filter(pk=team_id).first()
    if team is None:
        team = personal_team(request.user)
    request._canvass_team = team
    return team


def team_get(*, user, pk: int, right: Right = Right.VIEW) -> Team:
    """The team, if the user may do `right` there (404 outsider, 403 member)."""
    team = Team.objects.filter(pk=pk).first()
    if team is None:
        raise Http404("No such team.")
    access.require(user, team.pk, right)
    return team


def team_members(*, user, team: Team) -> list[Membership]:
    """The members, owners first, then by address (VIEW)."""
    access.require(user, team.pk, Right.VIEW)
    order = {role: rank for rank, role in enumerate(access.ROLE_RIGHTS)}
    members = list(
        Membership.objects.filter(team=team).select_related("user").order_by("id")
    )
    members.sort(key=lambda m: (order[m.role], m.user.get_username().lower()))
    return members


def team_invitations_open(*, user, team: Team) -> QuerySet[Invitation]:
    """Invitations neither accepted nor revoked, expired ones too (MANAGE)."""
    access.require(user, team.pk, Right.MANAGE)
    return Invitation.objects.filter(
        team=team, accepted_at=None, revoked_at=None
    ).order_by("-created_at", "-id")


def team_audit(*, user, team: Team, action: str = ""):
    """The team's audit trail, newest first (MANAGE)."""
    access.require(user, team.pk, Right.MANAGE)
    return audit_entries(team_id=team.pk, action=action)


def invitation_by_token(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("team", "invited_by")
        .filter(token_digest=token_digest(token))
        .first()
    )


def invitation_problem(invitation: Invitation | None) -> str:
    """Why this link cannot be accepted, in words for its holder ("" when it can)."""
    if invitation is None:
        return (
            "This invitation link is not known: check that the whole link was "
            "copied, or ask the team's Owner for a new one."
        )
    state = invitation.state
    if state == "used":
        return (
            "This invitation was used already: each link works once. Ask the "
            "team's Owner for a new one if that was not you."
        )
    if state == "revoked":
        return "This invitation was revoked. Ask the team's Owner for a new one."
    if state == "expired":
        when = formats.date_format(
            timezone.localtime(invitation.expires_at), "DATETIME_FORMAT"
        )
        return f"This invitation expired on {when}. Ask the team's Owner for a new one."
    return ""
