"""A list's page names the Language values Canvass cannot use (issue 20)."""

import pytest
from django.urls import reverse

from core.languages import language_known
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "known"),
    [
        ("EN", True),
        ("es-MX", True),
        ("ZH-S", True),
        ("zh-Hant", True),
        ("PT-BR", True),
        ("ar", True),
        ("Klingon!", False),
        ("english", False),
        ("xx", False),
        ("", False),
    ],
)
def test_language_known(code, known):
    assert language_known(code) is known


def test_list_page_lists_unknown_codes_and_filters_by_them(owner_client, owner):
    the_list = make_list(
        owner,
        rows=[
            {"email": "a@example.edu", "language": "ES"},
            {"email": "b@example.edu", "language": "english"},
            {"email": "c@example.edu", "language": "english"},
            {"email": "d@example.edu", "language": "Klingon!"},
            {"email": "e@example.edu", "language": "es-MX"},
            {"email": "f@example.edu", "language": ""},
        ],
    )
    url = reverse("directories:list_detail", args=[the_list.pk])

    page = owner_client.get(url).content.decode()

    assert 'id="unknown-languages"' in page
    warning = page.split('id="unknown-languages"')[1].split("</div>")[0]
    assert "“english”</a>: 2 contacts" in warning
    assert "“Klingon!”</a>: 1 contact<" in warning
    assert "ES" not in warning.replace("<code>ES</code>", "")
    assert "es-MX</a>" not in warning

    filtered = owner_client.get(url, {"language": "english"}).content.decode()
    assert "b@example.edu" in filtered and "c@example.edu" in filtered
    assert "a@example.edu" not in filtered


def test_list_page_without_unknown_codes_says_nothing(owner_client, owner):
    the_list = make_list(owner, rows=[{"email": "a@example.edu", "language": "FR"}])
    page = owner_client.get(reverse("directories:list_detail", args=[the_list.pk]))
    assert b"unknown-languages" not in page.content
