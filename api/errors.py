"""Every API error as an RFC 9457 problem details document, never a 500 page.

One exception handler turns DRF's and Django's errors into
`application/problem+json` with `type`, `title`, `status`, `detail` and, for
invalid input, `errors`: a list of {"field", "message"}.
"""

import json
import logging
import re

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.views import defaults
from rest_framework import exceptions, parsers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.middleware import FORBIDDEN_TEXT
from directories.services import DirectoryError

logger = logging.getLogger(__name__)
PROBLEM_TYPE = "https://canvass.invalid/problems/"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Server error",
}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _flatten(detail, prefix="") -> list[dict]:
    """Return [{"field", "message"}] from DRF's nested error detail."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            found += _flatten(
                value, f"{prefix}.{name}" if prefix and name else prefix or name
            )
        return found
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"field": prefix, "message": str(item)} for item in detail]
        found = []
        for index, item in enumerate(detail):
            if item:
                found += _flatten(item, f"{prefix}[{index}]")
        return found
    return [{"field": prefix, "message": str(detail)}]


def problem_body(status_code: int, detail: str, errors=None) -> dict:
    body = {
        "type": PROBLEM_TYPE + str(status_code),
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return body


def problem(status_code: int, detail: str, *, errors=None, headers=None) -> Response:
    body = problem_body(status_code, detail, errors)
    response = Response(body, status=status_code, headers=headers)
    response.content_type = "application/problem+json"
    return response


def problem_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            {"": exc.messages} if not hasattr(exc, "error_dict") else exc.message_dict
        )
    elif isinstance(exc, DirectoryError):
        exc = exceptions.ValidationError({"": [str(exc)]})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        # teams.access says which role lacks the right; that is the caller's own.
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("API error", exc_info=exc)
        return problem(500, "Something went wrong on our side.")
    errors = None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = "The request has invalid fields."
        if len(errors) == 1:
            detail = (
                f"{errors[0]['field']}: {errors[0]['message']}"
                if errors[0]["field"]
                else errors[0]["message"]
            )
    else:
        detail = str(getattr(exc, "detail", "") or TITLES.get(response.status_code))
    headers = {
        name: value
        for name, value in response.headers.items()
        if name in ("Retry-After", "WWW-Authenticate", "Allow")
    }
    return problem(response.status_code, detail, errors=errors, headers=headers)


def bad_request(request, exception=None):
    """The project's handler400: core.middleware.RequestTextGuard refuses a NUL or
    text that is not UTF-8 before any view runs; under /api/ that is a problem too."""
    if not request.path_info.startswith("/api/"):
        return defaults.bad_request(request, exception)
    body = problem_body(
        400, "The request holds a NUL character or text that is not UTF-8."
    )
    return HttpResponse(
        json.dumps(body), status=400, content_type="application/problem+json"
    )


MAYBE_FORBIDDEN = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _has_forbidden_text(value) -> bool:
    if isinstance(value, str):
        return bool(FORBIDDEN_TEXT.search(value))
    if isinstance(value, dict):
        return any(
            _has_forbidden_text(k) or _has_forbidden_text(v) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_has_forbidden_text(item) for item in value)
    return False


class StrictJSONParser(parsers.JSONParser):
    """JSON that PostgreSQL can store: a NUL or lone surrogate is a 400, and so are
    NaN and Infinity (not JSON); a body past API_MAX_BODY_BYTES is a 413."""

    def parse(self, stream, media_type=None, parser_context=None):
        from django.conf import settings

        request = (parser_context or {}).get("request")
        length = 0
        if request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
        if length > settings.API_MAX_BODY_BYTES:
            raise PayloadTooLarge(
                f"The request body is too large: {length} bytes, at most "
                f"{settings.API_MAX_BODY_BYTES}."
            )
        try:
            # Read one byte past the limit: a chunked body has no length to check.
            limit = settings.API_MAX_BODY_BYTES
            raw = stream.read(limit + 1) if stream is not None else b""
            if len(raw) > limit:
                raise PayloadTooLarge()
            data = json.loads(raw.decode("utf-8"), parse_constant=self._refuse_constant)
        except RequestDataTooBig:
            raise PayloadTooLarge() from None
        except (ValueError, UnicodeDecodeError) as error:
            raise exceptions.ParseError(
                f"The body is not valid JSON: {error}"
            ) from None
        # A NUL or a surrogate reaches the parsed text only through a \u escape
        # (raw ones are refused by the decoder): walk the data only when one is there.
        if MAYBE_FORBIDDEN.search(raw) and _has_forbidden_text(data):
            raise exceptions.ParseError("Text may not contain NUL characters.")
        return data

    @staticmethod
    def _refuse_constant(name):
        raise ValueError(f"{name} is not a JSON number")
