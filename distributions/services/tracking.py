"""Open tracking: the first load of an email's invisible image (issue 17 d).

Only for distributions the owner sent with open tracking on (the compose form's
"Track opens", off by default). The image's URL names its delivery by a signed
reference (distributions.bounces.verp.delivery_reference), not by the personal
link's token: loading it proves nothing about who opened it, and it must never
open or start the survey. It records the first load only (Delivery.opened_at);
the status Email Opened and the Emails Opened count read that.
"""

from django.conf import settings
from django.utils import timezone

from distributions.bounces.verp import delivery_id_from_reference, delivery_reference
from distributions.models import Delivery


def open_pixel_url(delivery_id: int) -> str:
    """Return the URL of a delivery's open-tracking image."""
    return f"{settings.SITE_URL}/e/{delivery_reference(delivery_id)}/open.gif"


def open_pixel_html(delivery_id: int) -> str:
    return (
        f'<img src="{open_pixel_url(delivery_id)}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px">'
    )


def delivery_open_record(*, reference: str) -> bool:
    """Record the first open of the referenced delivery; return whether this was it.

    A forged reference, a delivery whose distribution does not track opens, and
    every load after the first change nothing.
    """
    delivery_id = delivery_id_from_reference(reference)
    if delivery_id is None:
        return False
    return bool(
        Delivery.objects.filter(
            pk=delivery_id,
            opened_at__isnull=True,
            distribution__track_opens=True,
            status=Delivery.Status.SENT,
        ).update(opened_at=timezone.now())
    )
