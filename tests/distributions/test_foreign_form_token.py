"""Another owner's one-time form token posted back: a form error, never a 500 or a leak.

The one-time token (compose_token, unique across owners) makes a double-clicked Send
or Generate Links create one row. Posting a token another owner's row already holds
was a 500 (issue 14, point 6); it must neither fail nor hand over the other's row,
and sending the form again (it carries a fresh token) must work.
"""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from distributions.models import Distribution
from distributions.services.links import links_generate
from tests.distributions.test_compose import compose_url, form_data
from tests.distributions.test_links_generate import post_generate
from tests.distributions.test_reminders import form_data as reminder_data
from tests.distributions.test_reminders import schedule_url
from tests.distributions.ui_support import published_survey
from tests.factories import build_survey
from tests.helpers import make_list

pytestmark = pytest.mark.django_db

TAKEN = "This form was already sent"


def _hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_compose_with_another_owners_token(client, owner, other_owner):
    theirs = published_survey(other_owner)
    them = Client()
    them.force_login(other_owner)
    them.post(
        compose_url(theirs), form_data(make_list(other_owner, n=3), compose_token="t1")
    )
    their_row = Distribution.objects.get(compose_token="t1")

    client.force_login(owner)
    mine = published_survey(owner)
    my_list = make_list(owner, name="Mine", n=3)
    answered = client.post(compose_url(mine), form_data(my_list, compose_token="t1"))

    assert answered.status_code == 200
    page = answered.content.decode()
    assert TAKEN in page
    assert their_row.list_name not in page
    assert not Distribution.objects.filter(owner=owner).exists()
    fresh = _hidden(page, "compose_token")
    assert fresh and fresh != "t1"

    again = client.post(compose_url(mine), form_data(my_list, compose_token=fresh))
    assert again.status_code == 302
    assert Distribution.objects.filter(owner=owner).count() == 1
    their_row.refresh_from_db()
    assert their_row.owner == other_owner


def test_generate_links_with_another_owners_token(client, owner, other_owner):
    theirs = build_survey(other_owner)
    them = Client()
    them.force_login(other_owner)
    post_generate(them, theirs, make_list(other_owner, n=3), request_token="t2")
    assert Distribution.objects.filter(compose_token="t2").exists()

    client.force_login(owner)
    mine = build_survey(owner)
    my_list = make_list(owner, name="Mine", n=3)
    answered = post_generate(client, mine, my_list, request_token="t2")

    assert answered.status_code in (200, 400)
    page = answered.content.decode()
    assert TAKEN in page
    assert not Distribution.objects.filter(owner=owner).exists()
    fresh = _hidden(page, "request_token")
    assert post_generate(client, mine, my_list, request_token=fresh).status_code == 302
    assert Distribution.objects.filter(owner=owner).count() == 1


def test_reminder_with_another_owners_token(client, owner, other_owner):
    theirs = links_generate_for(other_owner)
    them = Client()
    them.force_login(other_owner)
    them.post(schedule_url(theirs), reminder_data(request_token="t3"))
    assert Distribution.objects.filter(compose_token="t3").exists()

    client.force_login(owner)
    mine = links_generate_for(owner)
    answered = client.post(schedule_url(mine), reminder_data(request_token="t3"))

    assert answered.status_code in (200, 400)
    page = answered.content.decode()
    assert TAKEN in page
    assert not Distribution.objects.filter(owner=owner, parent=mine).exists()
    fresh = _hidden(page, "request_token")
    again = client.post(schedule_url(mine), reminder_data(request_token=fresh))
    assert again.status_code == 302
    assert Distribution.objects.filter(owner=owner, parent=mine).count() == 1


def links_generate_for(user):
    return links_generate(
        user=user,
        survey=build_survey(user),
        contact_list=make_list(user, n=2),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )


@pytest.mark.parametrize("token", ["x" * 65, "a\r\nb {{ 7*7 }}", "' OR 1=1 --"])
def test_a_token_this_site_did_not_make_is_ignored(owner_client, owner, token):
    # The column holds 64 characters: a longer one was a 500 (found by the
    # hostile-input walk, tests/core/test_hostile_input.py).
    batch = links_generate_for(owner)
    answered = owner_client.post(
        schedule_url(batch), reminder_data(request_token=token)
    )

    assert answered.status_code == 302
    assert Distribution.objects.get(parent=batch).compose_token is None
