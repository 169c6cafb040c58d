"""The Emails page updates itself while a distribution sends (htmx polling)."""

import pytest
from django.utils import timezone

from distributions.models import Delivery, Distribution
from tests.distributions.ui_support import (
    deliver,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

pytestmark = pytest.mark.browser


def test_rows_update_without_a_reload(logged_in_page, owner, transactional_db):
    survey = published_survey(owner)
    distribution = email_distribution(survey, make_list(owner, n=4), status="sending")
    for invitation in distribution.invitations.all():
        deliver(distribution, invitation, "queued")
    page = logged_in_page
    page.goto(f"/surveys/{survey.pk}/distributions/")
    row = page.locator(f'tr[data-distribution="{distribution.pk}"]')
    sent = row.locator('[data-count="emails-sent"]')
    assert sent.inner_text() == "0"
    assert row.get_by_role("progressbar").get_attribute("aria-valuenow") == "0"
    page.evaluate("window.__same_document = true")

    Delivery.objects.filter(distribution=distribution).update(
        status="sent", sent_at=timezone.now()
    )
    Distribution.objects.filter(pk=distribution.pk).update(status="sent")

    # htmx polls every 3 s; the row changes in place.
    page.wait_for_function(
        f"""() => document.querySelector(
            'tr[data-distribution="{distribution.pk}"] [data-count="emails-sent"]'
        ).textContent === "4" """,
        timeout=15_000,
    )
    assert page.evaluate("window.__same_document") is True  # no reload happened
    assert "Sent" in row.locator(".status-cell").inner_text()
    # Sent: the rows keep polling, slower, for Surveys Started / Finished.
    trigger = page.locator("#email-rows").get_attribute("hx-trigger")
    assert trigger.startswith("every 5s ")
