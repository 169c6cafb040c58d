"""`Idempotency-Key` on the POSTs that create a distribution, a batch, a reminder
or a thank-you: a retry with the same key and body returns the first result; the
same key with another body (or on another URL) is a 409, never a second send."""

import hashlib
import json

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.models import IdempotentRequest
from distributions.selectors import api_rows

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    description="Retrying with the same key and body returns the first result; "
    "nothing is created twice. The same key with another body is a 409.",
)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "This Idempotency-Key was used with another request: send the same body "
        "to the same URL, or use a new key."
    )
    default_code = "idempotency_key_reused"


def idempotency_token(request) -> str | None:
    """Return the compose token for the request's Idempotency-Key, or None."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise ValidationError(
            {"Idempotency-Key": ["Give 1 to 255 printable ASCII characters."]}
        )
    # Per owner: two owners' keys never meet. Within the column's 64 characters.
    digest = hashlib.sha256(f"{request.user.pk}:{key}".encode()).hexdigest()
    return f"api:{digest[:60]}"


def request_hash(request) -> str:
    """SHA-256 of method, path and the body as canonical JSON (key order and
    spacing do not make a retry "another request")."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"))
    text = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def created_once(request, create, serialize) -> Response:
    """Run `create(token)` once per Idempotency-Key; return 201 with the new row,
    or 200 with `Idempotent-Replayed: true` and the first one on a retry."""
    token = idempotency_token(request)
    if token is None:
        return Response(serialize(create(None)), status=status.HTTP_201_CREATED)
    fingerprint = request_hash(request)
    with transaction.atomic():
        record = IdempotentRequest.objects.filter(token=token).first()
        if record is not None and record.request_hash != fingerprint:
            raise KeyReused()
        # A row made before keys were recorded has no hash to compare: replay it.
        found = api_rows.distribution_for_token(
            team_id=request.api_team_id, compose_token=token
        )
        if found is None:
            created = create(token)
            record, _ = IdempotentRequest.objects.get_or_create(
                token=token,
                defaults={"owner": request.user, "request_hash": fingerprint},
            )
            if record.request_hash != fingerprint:
                # A concurrent first use with another body won: undo ours.
                raise KeyReused()
            return Response(serialize(created), status=status.HTTP_201_CREATED)
    return Response(
        serialize(found),
        status=status.HTTP_200_OK,
        headers={"Idempotent-Replayed": "true"},
    )
