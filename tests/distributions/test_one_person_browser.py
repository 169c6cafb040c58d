"""One person, one response, in real browsers: B starts from the email's link on one
device, continues from the personal-links batch's link on another with the same
answers and finishes once; A, who finished, sees "already completed" on the new link;
a reminder to those who have not finished then reaches neither of them."""

import pytest

from surveys.models import Response
from tests.distributions.person_support import follow_up_recipients, two_routes

pytestmark = pytest.mark.browser


def answer_page_2(tab):
    tab.get_by_text("Page 2 of 2").wait_for()
    for statement in ("Rooms are clean", "Staff are kind"):
        tab.get_by_role("group", name=statement).get_by_label(
            "Agree", exact=True
        ).check()
    tab.get_by_role("button", name="Submit").click()
    tab.get_by_text("Thank you for completing this survey.").wait_for()


def test_a_person_moves_between_links_and_devices(browser, live_server, owner):
    routes = two_routes(owner)
    device = {
        name: browser.new_context(base_url=live_server.url)
        for name in ("A", "B1", "B2")
    }
    tabs = {name: context.new_page() for name, context in device.items()}
    try:
        # A finishes through the email's link; the batch's link says so.
        a = tabs["A"]
        a.goto(routes.link(routes.email, 0))
        a.get_by_label("Yes").check()
        a.get_by_role("button", name="Next").click()
        answer_page_2(a)
        a.goto(routes.link(routes.batch, 0))
        a.get_by_text("You have already completed this survey.").wait_for()

        # B starts from the email's link on one device...
        b1 = tabs["B1"]
        b1.goto(routes.link(routes.email, 1))
        b1.get_by_label("Yes").check()
        b1.get_by_label("Which college?").fill("Trinity")
        b1.get_by_role("button", name="Next").click()
        b1.get_by_text("Page 2 of 2").wait_for()

        # ...and continues from the batch's link on another, answers kept.
        b2 = tabs["B2"]
        b2.goto(routes.link(routes.batch, 1))
        b2.get_by_text("Page 2 of 2").wait_for()
        b2.get_by_role("button", name="Back").click()
        b2.get_by_text("Page 1 of 2").wait_for()
        assert b2.get_by_label("Which college?").input_value() == "Trinity"
        assert b2.get_by_label("Yes").is_checked()
        b2.get_by_role("button", name="Next").click()
        answer_page_2(b2)
        b1.goto(routes.link(routes.email, 1))
        b1.get_by_text("You have already completed this survey.").wait_for()
    finally:
        for context in device.values():
            context.close()

    assert Response.objects.filter(finished_at__isnull=False).count() == 2
    assert Response.objects.count() == 2
    assert follow_up_recipients(owner, routes.email, audience="not_finished") == [
        "person2@example.edu"
    ]
