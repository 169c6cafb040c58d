"""How the OpenAPI schema names operations and describes the key."""

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class ApiSchema(AutoSchema):
    def get_operation_id(self):
        operation = super().get_operation_id()
        collection = not re.search(r"\{[^}]+\}/$", self.path)
        if self.method == "GET" and collection and operation.endswith("_retrieve"):
            return operation.removesuffix("_retrieve") + "_list"
        return operation


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from Profile → API keys: cvk_...",
        }
