"""What teams.access allows, asked the way distributions' writes and jobs need it.

- teams_with: cancel, resend and each link's revoke / extend / regenerate are
  single UPDATEs filtered by these team ids, so a stale page, a member removed
  since, or another team's ids change nothing.
- sender_refusal: the dispatcher and the links task ask it when they start a
  distribution, with the member who made it loaded afresh.
"""

from django.contrib.auth import get_user_model

from teams import access
from teams.access import Right


def teams_with(user, right: Right) -> list[int]:
    """Ids of the user's teams where their role has `right` (no query after the
    request's first permission check)."""
    return [
        team_id for team_id in access.roles_of(user) if access.can(user, team_id, right)
    ]


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
