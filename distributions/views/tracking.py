"""The open-tracking image (services/tracking.py): anyone's mail program loads it."""

import base64

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from distributions.services.tracking import delivery_open_record

# A transparent 1×1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@require_http_methods(["GET", "HEAD"])
def public_open_pixel(request, reference: str):
    """Record a first open; answer the same image whatever the reference."""
    if request.method == "GET":
        delivery_open_record(reference=reference)
    response = HttpResponse(PIXEL, content_type="image/gif")
    # Every load reaches us (the first is the one that counts), none is cached.
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response
