"""When personal links expire: the one rule for email distributions and batches.

"1 week", "1 month", "2 months" (the default) and "6 months" are calendar arithmetic
on the owner's wall clock with python-dateutil, counted from when the links start to
be used (the send time of an email, now for a batch); a custom date is the end of
that day in the owner's zone. The choices show the date they give before the owner
confirms.
"""

import datetime
import zoneinfo

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class ExpiryChoice:
    WEEK = "1w"
    MONTH = "1m"
    TWO_MONTHS = "2m"
    SIX_MONTHS = "6m"
    CUSTOM = "custom"

    LABELS = {
        WEEK: "1 week",
        MONTH: "1 month",
        TWO_MONTHS: "2 months",
        SIX_MONTHS: "6 months",
        CUSTOM: "Custom date...",
    }
    DEFAULT = TWO_MONTHS
    DELTAS = {
        WEEK: relativedelta(weeks=1),
        MONTH: relativedelta(months=1),
        TWO_MONTHS: relativedelta(months=2),
        SIX_MONTHS: relativedelta(months=6),
    }


def link_expiry_compute(
    *,
    choice: str,
    zone: zoneinfo.ZoneInfo,
    custom_date: datetime.date | None = None,
    start: datetime.datetime | None = None,
) -> datetime.datetime:
    """Return when links expire for an expiry choice, counted from `start` (now).

    Months are calendar months on the owner's wall clock (so a link made at 10:00
    expires at 10:00 local time even across a DST change); a custom date means the
    end of that day in the owner's zone and must be after `start`.
    """
    start = start or timezone.now()
    if choice == ExpiryChoice.CUSTOM:
        if custom_date is None:
            raise ValidationError(_("Choose the date the links expire."))
        end_of_day = datetime.datetime.combine(
            custom_date, datetime.time(23, 59, 59), tzinfo=zone
        )
        if end_of_day <= start:
            raise ValidationError(_("The expiry date must be in the future."))
        return end_of_day
    try:
        delta = ExpiryChoice.DELTAS[choice]
    except KeyError:
        raise ValidationError(_("Choose when the links expire.")) from None
    local_start = start.astimezone(zone).replace(tzinfo=None)
    # Wall-clock arithmetic, then attach the zone: relativedelta on an aware
    # datetime keeps the old UTC offset across a DST change.
    return (local_start + delta).replace(tzinfo=zone)


def default_link_expiry(
    *, zone: zoneinfo.ZoneInfo, start: datetime.datetime | None = None
) -> datetime.datetime:
    """Return the default expiry ("2 months") of links that start at `start`."""
    return link_expiry_compute(choice=ExpiryChoice.DEFAULT, zone=zone, start=start)


def expiry_choices(
    *, zone: zoneinfo.ZoneInfo, start: datetime.datetime | None = None
) -> list[tuple[str, str]]:
    """Return the choices with the date each gives, e.g. "2 months (until 2 Feb 2027)"."""
    choices = []
    for value, label in ExpiryChoice.LABELS.items():
        if value != ExpiryChoice.CUSTOM:
            until = link_expiry_compute(choice=value, zone=zone, start=start)
            day = date_format(until.astimezone(zone), "j M Y")
            label = f"{label} (until {day})"
        choices.append((value, label))
    return choices
