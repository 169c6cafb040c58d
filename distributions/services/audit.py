"""Distributions' entries in the team's audit trail (core.audit): who sent,
scheduled or generated a distribution, who downloaded its history or links.
Subjects name the distribution, its list and survey, never an address."""

from core.audit import audit_record
from core.models import AuditEntry
from distributions.models import Distribution


def _subject(distribution: Distribution) -> str:
    what = (
        "Links"
        if distribution.kind == Distribution.Kind.LINKS
        else distribution.get_message_type_display()
    )
    return f"{what} to {distribution.list_name} (survey “{distribution.survey.title}”)"


def distribution_audit(*, user, distribution: Distribution, recipients: int) -> None:
    """Record in the team's audit trail that the user sent, scheduled or generated
    a distribution: its name and list, never an address."""
    audit_record(
        actor=user,
        team_id=distribution.team_id,
        action=(
            AuditEntry.Action.LINKS_GENERATED
            if distribution.kind == Distribution.Kind.LINKS
            else AuditEntry.Action.DISTRIBUTION_SENT
        ),
        subject=_subject(distribution),
        counts={"recipients": recipients},
    )


def download_audit(*, user, distribution: Distribution, action: str) -> None:
    """Record that the user downloaded a distribution's history or links CSV
    (AuditEntry.Action.HISTORY_DOWNLOADED or LINKS_DOWNLOADED)."""
    audit_record(
        actor=user,
        team_id=distribution.team_id,
        action=action,
        subject=_subject(distribution),
        counts={"recipients": distribution.root.recipients_total},
    )
