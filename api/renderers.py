from rest_framework.renderers import BaseRenderer


class CsvRenderer(BaseRenderer):
    """Lets a client ask for text/csv; the view streams the CSV itself, so this
    renders only errors (as JSON text)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        import json

        return json.dumps(data, default=str).encode()
