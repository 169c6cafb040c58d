"""The team whose data a page shows, and what the viewer may do there.

Every owner page's header names the team (base.html); templates hide the buttons
a role cannot use with `{% if "send" in team_rights %}` (the views refuse anyway).
"""

from teams import access
from teams.models import Team
from teams.selectors import current_team, teams_of


def team(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def shown():
        team_id = access.team_shown(user)
        if team_id is None:
            return current_team(request)
        return Team.objects.filter(pk=team_id).first() or current_team(request)

    def rights():
        role = access.role_in(user, shown_team().pk)
        return sorted(access.ROLE_RIGHTS.get(role, ()))

    cache = {}

    def shown_team():
        if "team" not in cache:
            cache["team"] = shown()
        return cache["team"]

    return {
        # Lazy: a page that never prints them costs no query.
        "team_shown": shown_team,
        "team_rights": rights,
        "team_role": lambda: access.role_in(user, shown_team().pk),
        "my_teams": lambda: teams_of(user=user),
    }
