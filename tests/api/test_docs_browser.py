"""The browsable docs: Swagger UI from the installed package (no CDN), within the
Content-Security-Policy, calling the API with the owner's session."""

import pytest
from playwright.sync_api import expect

from tests.core.test_csp_browser import CspWatch
from tests.helpers import make_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_render_and_try_a_call_with_the_session(
    logged_in_page, live_server, owner
):
    page = logged_in_page
    make_list(owner, n=1, name="Staff")
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(live_server.url)
            else None
        ),
    )
    watch = CspWatch(page)
    watch.visit(f"{live_server.url}/api/docs/")
    operation = page.locator("#operations-lists-lists_list")
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table")).to_contain_text("Staff")
    watch.settle()
    watch.assert_clean()
    assert outside == []
