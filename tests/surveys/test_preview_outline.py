"""The preview email's link shows the survey outline piped for the person the
preview was sent as (the list's first contact, else the owner): never a raw ${...}."""

import pytest

from directories.models import ContactList
from distributions.services.compose import preview_token
from surveys.models import Response
from tests.helpers import make_list
from tests.surveys.logic_support import logic_survey, personal_links

pytestmark = pytest.mark.django_db


def test_the_outline_is_piped_for_the_lists_first_contact(client, owner, other_owner):
    survey, q = logic_survey(owner)
    personal_links(owner, survey)  # a list: Ana (Physics) first
    contact_list = ContactList.objects.get(owner=owner)

    key = preview_token(survey=survey, contact_list=contact_list)
    page = client.get(f"/s/preview/{key}/").content.decode()

    assert "Hi Ana, as a member of Physics, tell us." in page
    assert "Which lab, Ana?" in page
    assert "Lab Physics" in page
    assert "How big is ?" in page  # an earlier answer: empty, there are none
    assert "${" not in page
    assert not Response.objects.exists()

    # Without a list, or with a list that is not the owner's: the owner's own data.
    owner.first_name = "Olive"
    owner.save()
    stranger = make_list(other_owner, rows=[{"first_name": "Eve", "email": "e@x.org"}])
    for key in (
        preview_token(survey=survey),
        preview_token(survey=survey, contact_list=stranger),
    ):
        page = client.get(f"/s/preview/{key}/").content.decode()
        assert "Hi Olive, as a member of , tell us." in page
        assert "Eve" not in page and "${" not in page
