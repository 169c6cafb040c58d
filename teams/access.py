"""The one place that decides who may do what with a team's data.

Every owner view, form, download, API call and background job asks `require`
(or `team_require` for a team itself) before it touches a team's data:

- an outsider (no membership) gets Http404, as if the thing did not exist;
- a member whose role lacks the right gets PermissionDenied (403).

A user's memberships are read in one indexed query and kept on that user object
for the rest of the request (`_memberships`); a member removed between two requests
is refused on the next one, and a background job loads its user afresh, so it is
refused too. The respondent pages never come here.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404

from teams.models import Membership, Role


class Right(StrEnum):
    VIEW = "view"  # see surveys, lists, messages, distributions and their counts
    ANALYSE = "analyse"  # results, responses, history, every download and export
    EDIT = "edit"  # build surveys, manage lists, contacts and messages
    SEND = "send"  # send distributions, generate links
    MANAGE = "manage"  # members, roles, invitations, the audit trail, delete, erase


ROLE_RIGHTS: dict[str, frozenset[Right]] = {
    Role.OWNER: frozenset(Right),
    Role.EDITOR: frozenset({Right.VIEW, Right.ANALYSE, Right.EDIT, Right.SEND}),
    Role.ANALYST: frozenset({Right.VIEW, Right.ANALYSE}),
    Role.VIEWER: frozenset({Right.VIEW}),
}

_CACHE = "_canvass_memberships"
_SHOWN = "_canvass_team_shown"


def roles_of(user) -> dict[int, str]:
    """{team_id: role} of every team the user belongs to: one query a request."""
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = dict(
            Membership.objects.filter(user_id=user.pk).values_list("team_id", "role")
        )
        setattr(user, _CACHE, cached)
    return cached


def forget(user) -> None:
    """Drop the request's copy of the user's memberships (after a change to them)."""
    if user is not None and hasattr(user, _CACHE):
        delattr(user, _CACHE)


def role_in(user, team_id: int) -> str | None:
    return roles_of(user).get(team_id)


def can(user, team_id: int, right: Right) -> bool:
    role = role_in(user, team_id)
    return role is not None and right in ROLE_RIGHTS[role]


def require(user, team_id: int, right: Right = Right.VIEW) -> str:
    """Return the user's role in the team, or refuse: 404 outsider, 403 no right."""
    role = role_in(user, team_id)
    if role is None:
        raise Http404("No such page.")
    # The team whose data this request showed: the page header names it
    # (teams.context_processors), whichever team the switcher is on.
    setattr(user, _SHOWN, team_id)
    if right not in ROLE_RIGHTS[role]:
        raise PermissionDenied(
            f"Your role in this team ({Role(role).label}) does not allow this."
        )
    return role


def team_shown(user) -> int | None:
    """The team of the last data `require` let this request read, if any."""
    return getattr(user, _SHOWN, None)


def teams_with(user, right: Right) -> list[int]:
    """Ids of the user's teams where their role has `right` (no query after the
    request's first check). Bulk writes filter by them: cancel, resend and a
    link's revoke / extend / regenerate are single UPDATEs, so a stale page, a
    member removed since, or another team's ids change nothing."""
    return [team_id for team_id in roles_of(user) if can(user, team_id, right)]
