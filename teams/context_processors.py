"""The team whose data a page shows, and what the viewer may do there.

Every owner page's header names the team and offers the switcher (base.html);
templates hide the buttons a role cannot use with `{% if "send" in team_rights %}`
(the views refuse anyway). All lazy: a page that prints none of them (the
respondent pages) costs no query, and one that does reads the user's teams once.
"""

from teams import access
from teams.selectors import SESSION_KEY, current_team, teams_of


def team(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cache = {}

    def my_teams():
        if "teams" not in cache:
            cache["teams"] = list(teams_of(user=user))
        return cache["teams"]

    def shown_team():
        if "shown" not in cache:
            # The team of the data `require` let this request read, else the
            # switcher's; both are among the user's teams, read in one query.
            team_id = access.team_shown(user)
            if team_id is None:
                chosen = getattr(request, "_canvass_team", None)
                team_id = (
                    chosen.pk
                    if chosen is not None
                    else request.session.get(SESSION_KEY)
                )
            found = next((t for t in my_teams() if t.pk == team_id), None)
            if found is None:
                found = next(
                    (t for t in my_teams() if t.personal_for_id == user.pk), None
                )
            cache["shown"] = found or current_team(request)
        return cache["shown"]

    def rights():
        role = access.role_in(user, shown_team().pk)
        return sorted(access.ROLE_RIGHTS.get(role, ()))

    return {
        "team_shown": shown_team,
        "team_rights": rights,
        "team_role": lambda: access.role_in(user, shown_team().pk),
        "my_teams": my_teams,
    }
