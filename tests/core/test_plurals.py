"""Counts read as English: "1 contact", "2 contacts" (Django's pluralize)."""

from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse

from tests.helpers import make_list


def test_the_directories_page_counts_one_contact(owner_client, owner):
    make_list(owner, name="Solo", n=1)
    make_list(owner, name="Pair", n=2)
    html = owner_client.get(reverse("directories:index")).content.decode()
    assert "(1 contact)" in html and "(2 contacts)" in html


def test_an_import_with_one_duplicate_and_one_row():
    the_list = SimpleNamespace(pk=1, name="Solo")
    done = SimpleNamespace(
        pk=1, status="done", added=1, updated=0, duplicates=1, rejected=0
    )
    html = render_to_string(
        "directories/_import_progress.html",
        {"contact_import": done, "contact_list": the_list, "running": False},
    )
    assert "1 skipped as duplicate," in html
    running = SimpleNamespace(pk=1, status="running", rows_done=1, rows_total=1)
    html = render_to_string(
        "directories/_import_progress.html",
        {
            "contact_import": running,
            "contact_list": the_list,
            "running": True,
            "percent": 50,
        },
    )
    assert "Importing: 1 of 1 row read." in html


def test_a_one_minute_sign_in_pause(client, settings, password, db):
    settings.LOGIN_FAILURE_LIMIT = 1
    settings.LOGIN_FAILURE_WINDOW_MINUTES = 1
    user = get_user_model().objects.create_user(
        username="one-minute@example.org", password=password
    )
    url = reverse("accounts:login")
    client.post(url, {"username": user.username, "password": "wrong"})
    response = client.post(url, {"username": user.username, "password": password})
    assert response.status_code == 429
    assert "try again in 1 minute, or" in response.content.decode()
