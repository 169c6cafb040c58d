"""Cursor pagination by id (keyset): page N costs what page 1 costs.

A page is {"results": [...], "next_cursor": str | null, "next": url | null}. The
cursor is opaque to clients (base64 of the last id seen).
"""

import base64
import binascii
import json

from django.db.models import F, Func, TextField, Value
from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(text: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "id":
            raise ValueError(kind)
        last = int(value)
        if last < 0 or last > 2**62:
            raise ValueError(value)
        return last
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": ["This cursor is not valid."]}) from None


def page_params(request) -> tuple[int, int]:
    """Return (after id, limit) from the query, or raise a 400."""
    cursor = request.query_params.get("cursor")
    after = decode_cursor(cursor) if cursor else 0
    raw = request.query_params.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(raw)
    except ValueError:
        raise ValidationError({"limit": ["Give a whole number."]}) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError({"limit": [f"Give 1 to {MAX_LIMIT}."]})
    return after, limit


def updated_since(request, name="updated_since"):
    """Return the `updated_since` (ISO 8601 with a zone) query value, or None."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationError(
            {name: ["Give an ISO 8601 time with a zone, e.g. 2026-01-31T08:00:00Z."]}
        )
    return moment


def paged_response(request, rows: list, *, limit: int, last_id) -> Response:
    """Return the page; `rows` holds up to limit + 1 items (one more says "more")."""
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(last_id(rows[-1])) if more and rows else None
    next_url = None
    if next_cursor:
        query = request.query_params.copy()
        query["cursor"] = next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return Response({"results": rows, "next_cursor": next_cursor, "next": next_url})


def paged_query(request, queryset, *, serialize, after_field="id") -> Response:
    """Page a queryset by id with the request's cursor and limit."""
    after, limit = page_params(request)
    items = list(
        queryset.filter(**{f"{after_field}__gt": after}).order_by(after_field)[
            : limit + 1
        ]
    )
    more = len(items) > limit
    items = items[:limit]
    rows = [serialize(item) for item in items]
    next_cursor = encode_cursor(getattr(items[-1], after_field)) if more else None
    next_url = None
    if next_cursor:
        query = request.query_params.copy()
        query["cursor"] = next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return Response({"results": rows, "next_cursor": next_cursor, "next": next_url})


_page_classes = {}


def page_of(item_serializer) -> type[serializers.Serializer]:
    """Return the schema of a page of these items (for drf-spectacular)."""
    name = item_serializer.__name__.removesuffix("Serializer") + "PageSerializer"
    if name not in _page_classes:
        _page_classes[name] = type(
            name,
            (serializers.Serializer,),
            {
                "results": item_serializer(many=True),
                "next_cursor": serializers.CharField(allow_null=True),
                "next": serializers.URLField(allow_null=True),
            },
        )
    return _page_classes[name]


class JsonBuildObject(Func):
    """json_build_object(key, value, ...) as text: PostgreSQL writes each row's
    JSON (dates in ISO 8601), so a page of 1,000 rows costs no Python per field."""

    function = "json_build_object"
    output_field = TextField()

    def __init__(self, fields: dict):
        args = []
        for name, expression in fields.items():
            args += [
                Value(name),
                F(expression) if isinstance(expression, str) else expression,
            ]
        super().__init__(*args)

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return f"({sql})::text", params


def paged_json(request, queryset, fields: dict, *, after_field="id") -> HttpResponse:
    """Page a queryset by id, each row's JSON made by PostgreSQL from `fields`
    ({output name: field name or expression})."""
    after, limit = page_params(request)
    rows = list(
        queryset.filter(**{f"{after_field}__gt": after})
        .order_by(after_field)
        .annotate(_api_row=JsonBuildObject(fields))
        .values_list(after_field, "_api_row")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1][0]) if more else None
    next_url = None
    if next_cursor:
        query = request.query_params.copy()
        query["cursor"] = next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    tail = json.dumps({"next_cursor": next_cursor, "next": next_url})
    body = '{"results":[' + ",".join(row for _, row in rows) + "]," + tail[1:]
    return HttpResponse(body.encode(), content_type="application/json")
