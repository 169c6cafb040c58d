"""The down-arrow menu of a row on Emails and Personal links, on a laptop and a phone.

The seed article: "Click on the down arrow at the end of this row. In the dropdown
menu that displays, select Download history." Every item of that menu must show in
full, above everything else, and be reachable with the keyboard, whatever the width.
"""

import pytest
from django.utils import timezone

from distributions.models import Distribution
from tests.distributions.ui_support import (
    deliver,
    email_distribution,
    links_batch,
    published_survey,
    sign_in,
)
from tests.helpers import make_list

pytestmark = pytest.mark.browser

EMAIL_MENU = [
    "View",
    "Download history",
    "Recipients and links",
    "Schedule Reminder",
    "Schedule Thank You",
    "Cancel",
]
LINKS_MENU = [
    "Download history",
    "Download links",
    "Recipients and links",
    "Add recipients",
    "Schedule Reminder",
    "Schedule Thank You",
]


@pytest.fixture(params=["laptop", "phone"])
def any_page(request, live_server, client, owner):
    page = request.getfixturevalue(
        "page" if request.param == "laptop" else "phone_page"
    )
    if request.param == "laptop":
        page.set_viewport_size({"width": 1280, "height": 800})
    return sign_in(page, live_server, client, owner)


def item_is_usable(page, item) -> None:
    """Assert the menu item shows whole, inside the viewport, on top, clickable."""
    assert item.is_visible()
    box = item.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= viewport["width"], (box, viewport)
    assert box["y"] + box["height"] <= viewport["height"], (box, viewport)
    on_top = item.evaluate(
        """(node) => {
            const r = node.getBoundingClientRect();
            const hit = document.elementFromPoint(
                r.left + r.width / 2, r.top + r.height / 2);
            return hit !== null && (hit === node || node.contains(hit));
        }"""
    )
    assert on_top, f"{item.inner_text()!r} is covered or clipped"
    # Playwright's actionability checks (visible, stable, receives the click).
    item.click(trial=True, timeout=2_000)


def check_row_menu(page, row, names: list[str]) -> None:
    toggle = row.locator("[data-bs-toggle=dropdown]")
    toggle.scroll_into_view_if_needed()
    toggle.click()
    menu = row.locator(".dropdown-menu.show")
    menu.wait_for()
    items = menu.locator(".dropdown-item")
    assert items.all_inner_texts() == names
    for index in range(len(names)):
        item_is_usable(page, items.nth(index))

    # The keyboard: Escape closes, Enter opens, the arrows walk every item.
    page.keyboard.press("Escape")
    menu.wait_for(state="hidden")
    toggle.focus()
    page.keyboard.press("Enter")
    menu.wait_for()
    for name in names:
        page.keyboard.press("ArrowDown")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == name
        item_is_usable(page, menu.get_by_role("link", name=name))
    page.keyboard.press("Escape")
    menu.wait_for(state="hidden")


def test_emails_row_menu_shows_every_item(any_page, owner, transactional_db):
    survey = published_survey(owner)
    the_list = make_list(owner, n=2)
    # A sent email above a scheduled one: the scheduled row's menu also has Cancel.
    sent = email_distribution(survey, the_list)
    for invitation in sent.invitations.all():
        deliver(sent, invitation)
    scheduled = email_distribution(
        survey,
        the_list,
        status=Distribution.Status.SCHEDULED,
        send_at=timezone.now() + timezone.timedelta(days=3),
        invite=False,
    )
    page = any_page
    page.goto(f"/surveys/{survey.pk}/distributions/")
    row = page.locator(f'tr[data-distribution="{scheduled.pk}"]')
    check_row_menu(page, row, EMAIL_MENU)
    row = page.locator(f'tr[data-distribution="{sent.pk}"]')
    check_row_menu(page, row, EMAIL_MENU[:-1])


def test_personal_links_row_menu_shows_every_item(any_page, owner, transactional_db):
    survey = published_survey(owner)
    batch = links_batch(owner, survey)
    page = any_page
    page.goto(f"/surveys/{survey.pk}/distributions/links/")
    check_row_menu(
        page, page.locator(f'tr[data-distribution="{batch.pk}"]'), LINKS_MENU
    )


def test_the_live_counts_do_not_close_an_open_menu(
    logged_in_page, owner, transactional_db
):
    survey = published_survey(owner)
    sent = email_distribution(survey, make_list(owner, n=2))
    page = logged_in_page
    page.goto(f"/surveys/{survey.pk}/distributions/")
    row = page.locator(f'tr[data-distribution="{sent.pk}"]')
    row.locator("[data-bs-toggle=dropdown]").click()
    menu = row.locator(".dropdown-menu.show")
    menu.wait_for()
    for invitation in sent.invitations.all():
        deliver(sent, invitation)

    # Two slow polls' worth: the menu stays open and the rows wait.
    page.wait_for_timeout(11_000)
    assert menu.is_visible()
    assert row.locator('[data-count="emails-sent"]').inner_text() == "0"
    page.keyboard.press("Escape")
    row.locator('[data-count="emails-sent"]').filter(has_text="2").wait_for()
