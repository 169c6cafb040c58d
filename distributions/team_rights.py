"""Whether the member who made a distribution may still send it: the dispatcher
and the links task ask `sender_refusal` when they start a distribution, with the
member loaded afresh. (Which of a user's teams allow a right: teams.access.)"""

from django.contrib.auth import get_user_model

from teams import access
from teams.access import Right


def sender_refusal(distribution) -> str:
    """Why the member who made the distribution may no longer send it, or "".

    For background jobs (the dispatcher, the links task): the member is loaded
    afresh, so a removal or a demotion since the page was sent counts.
    """
    member = (
        get_user_model()
        .objects.filter(pk=distribution.owner_id, is_active=True)
        .first()
    )
    if member is not None and access.can(member, distribution.team_id, Right.SEND):
        return ""
    name = member.get_username() if member is not None else "its sender"
    links = distribution.kind == distribution.Kind.LINKS
    return (
        f"Not {'generated' if links else 'sent'}: {name} no longer has the right "
        "to send in this team (removed, or their role changed, before it started)."
    )
