"""How the OpenAPI schema names operations, describes the key, and declares each
operation's problem-details errors (so a client, and schemathesis' status-code
check, knows every status an operation may answer)."""

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

PROBLEM_MEDIA = "application/problem+json"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class ProblemFieldSerializer(serializers.Serializer):
    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (api.errors)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemFieldSerializer(many=True, required=False)


class ApiSchema(AutoSchema):
    def get_operation_id(self):
        operation = super().get_operation_id()
        collection = not re.search(r"\{[^}]+\}/$", self.path)
        if self.method == "GET" and collection and operation.endswith("_retrieve"):
            return operation.removesuffix("_retrieve") + "_list"
        return operation

    def problem_codes(self) -> list[int]:
        """Return the error statuses this operation may answer."""
        # No or a revoked key; a role without the right or a key whose owner left
        # its team (any method: responses and history need ANALYSE); past the limit.
        codes = [401, 403, 429]
        has_body = self.method in ("POST", "PUT", "PATCH") and (
            self.get_request_serializer() is not None
        )
        has_query = any(
            getattr(p, "location", None) == "query"
            for p in self.get_override_parameters()
        )
        if self.method in UNSAFE or has_query:
            codes.append(400)
        if "{" in self.path or has_body:
            codes.append(404)  # not the caller's, or an id in the body that is not
        if any(
            getattr(p, "name", None) == "Idempotency-Key"
            for p in self.get_override_parameters()
        ):
            codes.append(409)
        if has_body:
            codes += [413, 415]
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self.problem_codes():
            responses.setdefault(
                str(code),
                self._get_response_for_code(
                    ProblemSerializer, str(code), [PROBLEM_MEDIA], direction
                ),
            )
        return responses


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from Profile → API keys: cvk_...",
        }
