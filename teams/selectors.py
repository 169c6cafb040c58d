"""Reads of teams. Every read takes the acting user."""

from django.db.models import QuerySet

from teams import access
from teams.models import Team
from teams.services import personal_team

SESSION_KEY = "canvass_team_id"


def teams_of(*, user) -> QuerySet[Team]:
    return Team.objects.filter(id__in=list(access.roles_of(user))).order_by(
        "-personal_for_id", "name"
    )


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
