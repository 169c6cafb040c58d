"""The commands act as a member: `--owner` names them, `--team` the team (their
personal team when left out), and teams.access decides as it does for a page."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.http import Http404

from teams.access import Right, require
from teams.selectors import teams_of
from teams.services import personal_team_id


def add_acting_arguments(parser) -> None:
    parser.add_argument("--owner", required=True, help="the member's email address")
    parser.add_argument(
        "--team", type=int, help="the team's id (default: the member's personal team)"
    )


def acting_member(options, right: Right):
    """Return (user, team) for `--owner` and `--team`, or raise CommandError
    when there is no such user or they lack `right` in the team."""
    user = get_user_model().objects.filter(email__iexact=options["owner"]).first()
    if user is None:
        raise CommandError(f"No user with email {options['owner']}.")
    team_id = options.get("team") or personal_team_id(user.pk)
    try:
        require(user, team_id, right)
    except Http404:
        raise CommandError(f"{user.email} is not a member of team {team_id}.") from None
    except PermissionDenied as exc:
        raise CommandError(str(exc)) from None
    return user, teams_of(user=user).get(pk=team_id)
