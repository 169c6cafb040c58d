"""The REST API's Django REST framework and drf-spectacular settings: constants,
no environment variable (those stay in config/settings.py with the others)."""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiKeyAuthentication",
        # The browsable docs (/api/docs/) call the API with the owner's session.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.KeyAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.KeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["api.errors.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Canvass API",
    "DESCRIPTION": "Lists, contacts, surveys, responses, distributions with their "
    "reminders and thank-yous, personal links, suppressions and webhook endpoints "
    "of the key's team, with its maker's role there. Authorization: Bearer <key>. "
    "Errors are application/problem+json (RFC 9457).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed drf-spectacular-sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}
