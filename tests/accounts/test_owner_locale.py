"""The owner's pages follow their locale (Profile.locale): dates, numbers, words."""

from datetime import UTC, datetime

import pytest
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.middleware import OwnerLocaleMiddleware
from accounts.models import Profile
from directories.models import ContactList
from tests.helpers import make_list

pytestmark = pytest.mark.django_db

CREATED = datetime(2026, 1, 31, 14, 5, tzinfo=UTC)


def set_locale(owner, locale):
    Profile.objects.update_or_create(
        user=owner, defaults={"time_zone": "UTC", "locale": locale}
    )
    owner.refresh_from_db()


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("", "2026-01-31"),  # Canvass's own: ISO 8601
        ("en-us", "01/31/2026"),
        ("en-gb", "31/01/2026"),
        ("de", "31.01.2026"),
        # Outside the short list: every language Django knows may be chosen.
        ("ja", "2026/01/31"),
    ],
)
def test_lists_page_dates_follow_the_owner_s_locale(owner_client, owner, locale, shown):
    the_list = make_list(owner, n=1)
    ContactList.objects.filter(pk=the_list.pk).update(created_at=CREATED)
    set_locale(owner, locale)

    page = owner_client.get(reverse("directories:lists")).content.decode()

    assert f"<td>{shown}</td>" in page
    # Only while the request ran: the thread is back to LANGUAGE_CODE.
    assert translation.get_language() == "en"


def _render_number(owner, locale):
    set_locale(owner, locale)
    request = RequestFactory().get("/")
    request.user = owner

    def view(request):
        rendered = Template("{{ value }} {% now 'SHORT_DATE_FORMAT' %}").render(
            Context({"value": 1234.5})
        )
        return HttpResponse(rendered)

    return OwnerLocaleMiddleware(view)(request).content.decode()


def test_numbers_follow_the_owner_s_locale(owner):
    assert _render_number(owner, "de").startswith("1234,5 ")
    assert _render_number(owner, "en-gb").startswith("1234.5 ")
    assert _render_number(owner, "").startswith("1234.5 ")


def test_profile_saves_the_locale(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:profile"), {"time_zone": "Europe/Berlin", "locale": "de"}
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=owner).locale == "de"
    page = owner_client.get(reverse("accounts:profile")).content.decode()
    assert '<option value="de" selected>' in page

    response = owner_client.post(
        reverse("accounts:profile"), {"time_zone": "UTC", "locale": "tlh"}
    )
    assert response.status_code == 200
    assert Profile.objects.get(user=owner).locale == "de"
