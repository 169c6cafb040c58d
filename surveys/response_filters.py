"""Which responses a results page counts: finished or in progress, started between
dates, with an embedded field's value.

One filter serves the summary (a SQL fragment over surveys_response aliased "r"),
the list and the text answers (a QuerySet filter), so they always agree. Dates are
whole days in the owner's time zone, both ends included.
"""

import json
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
