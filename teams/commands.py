"""Every command's --team: the team a command acts in as its user, with the right
the same page needs (teams.access), or the user's personal team."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.http import Http404

from teams import access
from teams.services import personal_team_id


def add_team_argument(parser) -> None:
    parser.add_argument(
        "--team",
        type=int,
        default=None,
        help="the team's id (default: the user's personal team)",
    )


def command_team_id(user, team: int | None, right) -> int:
    """Return the team's id if the user's role there has `right`, else refuse."""
    team_id = team if team is not None else personal_team_id(user.pk)
    try:
        access.require(user, team_id, right)
    except Http404:
        raise CommandError(
            f"{user.get_username()} is not a member of team {team_id}."
        ) from None
    except PermissionDenied as refused:
        raise CommandError(str(refused)) from None
    return team_id
