"""The audit trail: one write per action a team's owners may need to account for."""

from core.models import AuditEntry
from teams.personal import personal_team_id


def audit_record(
    *,
    actor,
    action: str,
    subject: str,
    team_id: int | None = None,
    owner=None,
    counts: dict | None = None,
    via: str = "",
) -> AuditEntry:
    """Record that actor (None: the command line) did action to team_id's data.

    `owner` (a user) stands for their personal team when no team is named. In the
    caller's transaction: an erasure that fails leaves no entry.
    """
    if team_id is None and owner is not None:
        team_id = personal_team_id(owner.pk)
    name = actor.get_username() if actor is not None else "command line"
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=f"{name} ({via})" if via else name,
        owner=owner,
        team_id=team_id,
        action=action,
        subject=subject[:300],
        counts=counts or {},
    )


def audit_entries(*, team_id: int, action: str = ""):
    """Return the team's trail, newest first (index core_audit_team_newest).

    The caller has checked that the viewer may read it (teams.selectors).
    """
    entries = AuditEntry.objects.filter(team_id=team_id)
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("-created_at", "-id")


def counts_text(counts: dict) -> str:
    """Return an entry's counts as words: "contacts: 2, invitations: 3"."""
    return ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items())
