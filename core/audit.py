"""The audit trail of irreversible privacy actions (erasures, strips): one write."""

from core.models import AuditEntry


def audit_record(
    *, actor, owner, action: str, subject: str, counts: dict, via: str = ""
) -> AuditEntry:
    """Record that actor (None: the command line) did action to owner's data.

    In the caller's transaction: an erasure that fails leaves no entry.
    """
    name = actor.get_username() if actor is not None else "command line"
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=f"{name} ({via})" if via else name,
        owner=owner,
        action=action,
        subject=subject,
        counts=counts,
    )
