"""Stored answers as export cells (surveys.exporting.columns): None is no answer."""

import datetime
import json


def rank_of(value, choice_id):
    """The rank a ranking answer gave one item."""
    if not isinstance(value, list) or choice_id not in value:
        return None
    return value.index(choice_id) + 1


def date_or_none(value):
    """A stored date answer ("2026-03-31") as a date; anything else as no answer."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def text_or_none(value):
    return value if isinstance(value, str) and value else None


def number_or_none(value):
    return value if isinstance(value, int | float) and value is not True else None


def embedded_cell(value):
    """An embedded data value as text (JSON for anything but a string)."""
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)
