"""The directory commands act as a member: `--owner` names them, `--team` the team
(teams.commands: their personal team when left out, checked as a page would)."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from teams.access import Right
from teams.commands import add_team_argument, command_team_id
from teams.selectors import teams_of


def add_acting_arguments(parser) -> None:
    parser.add_argument("--owner", required=True, help="the member's email address")
    add_team_argument(parser)


def acting_member(options, right: Right):
    """Return (user, team) for `--owner` and `--team`, or raise CommandError
    when there is no such user or they lack `right` in the team."""
    user = get_user_model().objects.filter(email__iexact=options["owner"]).first()
    if user is None:
        raise CommandError(f"No user with email {options['owner']}.")
    team_id = command_team_id(user, options.get("team"), right)
    return user, teams_of(user=user).get(pk=team_id)
