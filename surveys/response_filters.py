"""Which responses a results page counts: finished or in progress, started between
dates, with an embedded field's value.

One filter serves the summary (a SQL fragment over surveys_response aliased "r"),
the list, the text answers (a QuerySet filter) and the exports (the same SQL
fragment, kept on a worker's ResponseExport as `to_dict`), so they always agree.
Dates are whole days in the owner's time zone, both ends included.
"""

import json
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.db.models import QuerySet

FINISHED = "finished"
IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class ResponseFilter:
    status: str = ""
    since: date | None = None
    until: date | None = None
    # An embedded field (declared by the survey) and the value it must have.
    field: str = ""
    value: str = ""
    zone: tzinfo = UTC

    @property
    def active(self) -> bool:
        return bool(self.status or self.since or self.until or self.field)

    def words(self) -> str:
        """The filter in words ("Finished only, started 2026-01-01 to 2026-01-31,
        Department is Physics"), or "" when it lets every response through."""
        parts = []
        if self.status == FINISHED:
            parts.append("finished only")
        elif self.status == IN_PROGRESS:
            parts.append("in progress only")
        if self.since and self.until:
            parts.append(f"started {self.since:%Y-%m-%d} to {self.until:%Y-%m-%d}")
        elif self.since:
            parts.append(f"started on or after {self.since:%Y-%m-%d}")
        elif self.until:
            parts.append(f"started on or before {self.until:%Y-%m-%d}")
        if self.field:
            parts.append(f"{self.field} is {self.value}")
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]

    def to_dict(self) -> dict:
        """A JSON-able form (for a worker's export), read back by from_dict."""
        if not self.active:
            return {}
        return {
            "status": self.status,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "field": self.field,
            "value": self.value,
            "zone": getattr(self.zone, "key", "UTC"),
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> "ResponseFilter":
        if not data:
            return cls()
        try:
            zone = zoneinfo.ZoneInfo(data.get("zone") or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = UTC
        return cls(
            status=data.get("status") or "",
            since=date.fromisoformat(data["since"]) if data.get("since") else None,
            until=date.fromisoformat(data["until"]) if data.get("until") else None,
            field=data.get("field") or "",
            value=data.get("value") or "",
            zone=zone,
        )

    def _bounds(self) -> tuple[datetime | None, datetime | None]:
        low = datetime.combine(self.since, time(), self.zone) if self.since else None
        high = (
            datetime.combine(self.until + timedelta(days=1), time(), self.zone)
            if self.until
            else None
        )
        return low, high

    def sql(self, alias: str = "r") -> tuple[str, list]:
        """Return " AND ..." conditions on the response table and their parameters."""
        parts, params = [], []
        if self.status == FINISHED:
            parts.append(f"{alias}.finished_at IS NOT NULL")
        elif self.status == IN_PROGRESS:
            parts.append(f"{alias}.finished_at IS NULL")
        low, high = self._bounds()
        if low is not None:
            parts.append(f"{alias}.started_at >= %s")
            params.append(low)
        if high is not None:
            parts.append(f"{alias}.started_at < %s")
            params.append(high)
        if self.field:
            parts.append(f"{alias}.embedded_data @> %s::jsonb")
            params.append(json.dumps({self.field: self.value}))
        return "".join(f" AND {part}" for part in parts), params

    def apply(self, responses: QuerySet, prefix: str = "") -> QuerySet:
        """Filter a QuerySet of responses (or, with prefix "response__", of answers)."""
        if self.status == FINISHED:
            responses = responses.filter(**{f"{prefix}finished_at__isnull": False})
        elif self.status == IN_PROGRESS:
            responses = responses.filter(**{f"{prefix}finished_at__isnull": True})
        low, high = self._bounds()
        if low is not None:
            responses = responses.filter(**{f"{prefix}started_at__gte": low})
        if high is not None:
            responses = responses.filter(**{f"{prefix}started_at__lt": high})
        if self.field:
            responses = responses.filter(
                **{f"{prefix}embedded_data__contains": {self.field: self.value}}
            )
        return responses
