"""The message library ("Load Message"): the owner's saved messages."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from distributions.default_messages import default_message
from distributions.models import Message, MessageType


def message_list(*, user) -> QuerySet:
    """Return the user's saved messages (the message library), by type and name."""
    return Message.objects.filter(owner=user).order_by("message_type", "name")


def message_get(*, user, pk: int):
    """Return one of the user's saved messages, or raise Http404."""
    return get_object_or_404(Message, owner=user, pk=pk)


def message_library(*, user, message_type: str | None = None) -> list[dict]:
    """Return what Load Message offers: the user's saved messages, then Canvass'
    default of each type, as {"name", "message_type", "subject", "body",
    "versions"} (versions: {tag: {"subject", "body"}})."""
    saved = message_list(user=user)
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
