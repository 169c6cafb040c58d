"""The message library ("Load Message"): a team's saved messages."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from distributions.default_messages import default_message
from distributions.models import Message, MessageType
from teams import access
from teams.access import Right


def message_list(*, user, team_id: int) -> QuerySet:
    """Return the team's saved messages (its message library), by type and name."""
    access.require(user, team_id, Right.VIEW)
    return Message.objects.filter(team_id=team_id).order_by("message_type", "name")


def message_get(*, user, pk: int, right: Right = Right.VIEW):
    """Return a saved message of one of the user's teams: Http404 for another
    team's, PermissionDenied if the user's role there lacks `right`."""
    message = get_object_or_404(Message, pk=pk)
    access.require(user, message.team_id, right)
    return message


def message_library(
    *, user, team_id: int, message_type: str | None = None
) -> list[dict]:
    """Return what Load Message offers: the team's saved messages, then Canvass'
    default of each type, as {"name", "message_type", "subject", "body",
    "versions"} (versions: {tag: {"subject", "body"}})."""
    saved = message_list(user=user, team_id=team_id)
    if message_type is not None:
        saved = saved.filter(message_type=message_type)
    entries = [
        {
            "name": m.name,
            "message_type": m.message_type,
            "subject": m.subject,
            "body": m.body,
            "versions": m.versions or {},
        }
        for m in saved
    ]
    for kind in [message_type] if message_type else MessageType.values:
        shipped = default_message(kind)
        # Its name says it is Canvass' own ("Default reminder").
        entries.append({**shipped, "message_type": kind, "versions": {}})
    return entries
