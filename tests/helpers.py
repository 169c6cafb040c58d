"""One helper each for what many tests do: wait, answer a survey, build a list, reset
the rate limits. Import them from here; keep no local copies in test files."""

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.test import Client

from directories.models import Contact, ContactList
from teams.services import personal_team_id

T = TypeVar("T")
PAGE_TEMPLATE = "surveys/respond/page.html"


def wait_until(
    condition: Callable[[], T],
    *,
    timeout: float = 60,
    interval: float = 0.05,
    message: str | Callable[[], str] = "",
) -> T:
    """Call `condition` until it returns something truthy; return that value.

    Raise TimeoutError after `timeout` seconds, naming `message` (or the function's
    name); a callable message is called then, to say how far things got.
    Use it instead of sleeping: a test then waits as long as the work takes, no more.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            what = message() if callable(message) else message
            what = what or getattr(condition, "__name__", "condition")
            raise TimeoutError(f"{what}: not reached in {timeout} s")
        time.sleep(interval)


# --- answering a survey -------------------------------------------------------------


def _option(options: list[dict], label) -> str:
    """Return the posted value of the option labelled `label` (or the first one)."""
    if label is None:
        return options[0]["value"]
    for option in options:
        if label in (option["label"], option["value"]):
            return option["value"]
    raise LookupError(f"no option {label!r} among {[o['label'] for o in options]}")


def _page_data(questions: list[dict], page_number: int, given: dict) -> dict:
    """Return the POST data answering one page's questions (the engine's views)."""
    data = {"page": str(page_number)}
    for question in questions:
        kind, name = question["kind"], question["name"]
        wanted = given.get(question["text"])
        if kind == "matrix":
            for row in question["rows"]:
                data[row["name"]] = _option(row["options"], given.get(row["label"]))
        elif kind == "multiple_choice":
            labels = wanted if wanted is not None else [None]
            data[name] = [_option(question["options"], label) for label in labels]
        elif kind in ("single_choice", "dropdown", "rating"):
            data[name] = _option(question["options"], wanted)
        elif wanted is not None:
            data[name] = wanted
        elif kind == "number":
            low = question["min_value"]
            data[name] = str(1 if low is None else low)
        elif kind == "email":
            data[name] = "respondent@example.edu"
        else:
            data[name] = "An answer"
    return data


def answer_survey(link, *, client: Client | None = None, pages=None, answers=None):
    """Answer the survey at `link` through its pages; return the last page.

    `link` is a respondent path (/r/<public key>/, /s/<token>/) or an invitation,
    whose personal link is used.

    As a respondent would with the test client: open each page, answer every question
    on it and press Next, then Submit. Each question gets the first option, the lowest
    number or some text, unless `answers` maps its text (or a matrix statement's) to
    what to give instead: an option's label, a list of labels, or text.
    `pages=None` answers to the end (a finished response); `pages=1` stops after the
    first page (started, not finished). A page that comes back with an error fails
    the call.
    """
    if not isinstance(link, str):
        link = f"/s/{link.token}/"
    client = client or Client()
    given = answers or {}
    shown = client.get(link)
    assert shown.status_code == 200, shown.content.decode()[:2000]
    answered = 0
    while True:
        context = shown.context
        data = _page_data(context["questions"], context["page_number"], given)
        submitted = client.post(link, data)
        answered += 1
        if submitted.status_code != 302:
            # The last page answers with the thank-you page itself; a page shown
            # again means an answer was refused.
            refused = any(t.name == PAGE_TEMPLATE for t in submitted.templates)
            assert submitted.status_code == 200, submitted.content.decode()[:2000]
            assert not refused, submitted.content.decode()[:2000]
            return submitted
        if pages is not None and answered >= pages:
            return submitted
        shown = client.get(submitted["Location"])
        assert shown.status_code == 200, shown.content.decode()[:2000]


def _typed_answer(box) -> str:
    if box.get_attribute("inputmode") == "decimal":
        return "1"
    if box.get_attribute("type") == "email":
        return "respondent@example.edu"
    return "An answer"


def answer_survey_in_browser(browser, base_url: str, link: str, *, pages=None):
    """Answer the survey at `link` in a fresh Chromium context, as answer_survey does.

    Every radio group gets its first option and every empty required box some text;
    the browser keeps nothing afterwards. Return the text of the last page shown.
    """
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        opened = tab.goto(link)
        assert opened.status == 200, tab.content()[:2000]
        answered = 0
        while True:
            form = tab.locator("main form").first
            # The first option of each radio group, by its label (a rating's radios
            # are drawn as buttons: the label is what a person clicks).
            first_ids = form.locator("input[type=radio]").evaluate_all(
                "radios => radios.filter((r, i) => radios.findIndex("
                "o => o.name === r.name) === i).map(r => r.id)"
            )
            for radio_id in first_ids:
                form.locator(f'label[for="{radio_id}"]').click()
            for box in form.locator("[aria-required=true]").all():
                if not box.input_value():
                    box.fill(_typed_answer(box))
            last = form.get_by_role("button", name="Submit").count() > 0
            form.get_by_role("button", name="Submit" if last else "Next").click()
            answered += 1
            if last:
                tab.get_by_text("Thank you").first.wait_for()
                return tab.locator("main").inner_text()
            tab.get_by_text(f"Page {answered + 1} of").wait_for()
            if pages is not None and answered >= pages:
                return tab.locator("main").inner_text()
    finally:
        context.close()


# --- lists of contacts --------------------------------------------------------------


def make_list(
    owner,
    *,
    n: int | None = None,
    rows: Iterable[dict] | None = None,
    name: str | None = None,
    embedded_fields: Iterable[str] = (),
) -> ContactList:
    """Return a new list of `owner`'s with its contacts, made in one INSERT.

    Give `n` for contacts First{i} Last{i} <person{i}@example.edu> (reference REF{i},
    each embedded field "<field>-{i}"), or `rows`: dicts of Contact fields.
    Without a name the list is "Students" ("Students 2"... if that is taken).
    """
    if (n is None) == (rows is None):
        raise TypeError("make_list needs n= or rows=, not both")
    fields = list(embedded_fields)
    if name is None:
        taken = ContactList.objects.filter(owner=owner, name__startswith="Students")
        name = f"Students {taken.count() + 1}" if taken.exists() else "Students"
    the_list = ContactList.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        name=name,
        embedded_fields=fields,
    )
    if rows is None:
        rows = (
            {
                "first_name": f"First{i}",
                "last_name": f"Last{i}",
                "email": f"person{i}@example.edu",
                "external_reference": f"REF{i}",
                "embedded_data": {field: f"{field}-{i}" for field in fields},
            }
            for i in range(n)
        )
    Contact.objects.bulk_create(Contact(contact_list=the_list, **row) for row in rows)
    return the_list


# --- rate limits --------------------------------------------------------------------


def reset_rate_limits() -> None:
    """Forget every invalid-link and failed sign-in count.

    Tests run on their own cache (tests/conftest.py), so clearing it touches nothing
    a `make run` on this machine keeps.
    """
    cache.clear()


def history_statuses(distribution) -> dict[str, str]:
    """Return {email: Status} of a distribution's history, checking that the CSV
    PostgreSQL writes (COPY, distributions.status.status_sql) says what the
    Python rows (status_from) say for every row."""
    import csv
    import io

    from core.csv_export import copy_chunks
    from distributions.selectors.history import (
        history_header,
        history_rows,
        history_source,
    )

    header = history_header(distribution=distribution)
    text = b"".join(
        copy_chunks(header, history_source(distribution=distribution))
    ).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    email, status = header.index("Email"), header.index("Status")
    from_copy = {row[email]: row[status] for row in rows[1:]}
    from_rows = {
        row[email]: row[status] for row in history_rows(distribution=distribution)
    }
    assert from_copy == from_rows
    return from_copy
