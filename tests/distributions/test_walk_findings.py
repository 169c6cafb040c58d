"""What a new owner met on the Distributions pages: plurals, banners, the way back.

Issue 11, point 6: "(1 contacts", two success banners after Generate Links, a
"Download links" only screen readers could find, a Message library with no way
back to Compose.
"""

import re

import pytest
from django.urls import reverse

from distributions.expiry import ExpiryChoice
from distributions.models import Distribution, Message
from tests.distributions.ui_support import published_survey
from tests.helpers import make_list


@pytest.fixture
def survey(owner):
    return published_survey(owner)


def url(name, survey, **kwargs):
    return reverse(f"distributions:{name}", kwargs={"survey_id": survey.pk, **kwargs})


def test_one_contact_is_singular_in_compose_and_generate_links(
    owner_client, owner, survey
):
    make_list(owner, name="Solo", n=1)
    make_list(owner, name="Pair", n=2)

    compose = owner_client.get(url("email_compose", survey)).content.decode()
    generate = owner_client.get(url("links_generate", survey)).content.decode()

    assert "Solo (1 contact, 0 opted out)" in compose
    assert "Pair (2 contacts, 0 opted out)" in compose
    assert "Solo (1 contact)" in generate
    assert "Pair (2 contacts)" in generate


def test_generate_links_shows_one_banner_with_a_visible_download(
    owner_client, owner, survey
):
    the_list = make_list(owner, name="Solo", n=1)
    response = owner_client.post(
        url("links_generate", survey),
        {
            "contact_list": the_list.pk,
            "scope": "all",
            "expiry": ExpiryChoice.DEFAULT,
            "request_token": "one-banner",
        },
        follow=True,
    )

    batch = Distribution.objects.get(kind="links")
    assert batch.status == "ready"
    html = response.content.decode()
    banners = re.findall(r'class="alert alert-success[^"]*"', html)
    assert len(banners) == 1, banners
    assert "1 link generated for Solo." in html
    download = url("links_download", survey, pk=batch.pk)
    links = re.findall(rf'<a [^>]*href="{download}"[^>]*>', html)
    # The notice's link, and none hidden from sight (the row's menu has its own).
    assert links and not any("visually-hidden" in link for link in links)


def test_the_message_library_leads_back_to_compose(owner_client, owner, survey):
    compose_url = url("email_compose", survey)
    compose = owner_client.get(compose_url).content.decode()
    library_href = re.search(r'href="([^"]*)">Message library</a>', compose).group(1)
    assert library_href.startswith(reverse("distributions:messages") + "?next=")

    library = owner_client.get(library_href.replace("&amp;", "&")).content.decode()
    assert f'<a href="{compose_url}">← Back to Compose Email</a>' in library

    # Saving a new message from there comes back to the library, still with the
    # way back to Compose.
    new_href = re.search(r'href="([^"]*)">New message</a>', library).group(1)
    response = owner_client.post(
        new_href.replace("&amp;", "&"),
        {
            "name": "Spring invite",
            "message_type": "invite",
            "subject": "Your survey",
            "body": "${l://SurveyLink?d=Take the survey}",
        },
    )
    assert Message.objects.filter(name="Spring invite").exists()
    library = owner_client.get(response["Location"]).content.decode()
    assert f'<a href="{compose_url}">← Back to Compose Email</a>' in library


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "x"])
def test_the_library_never_leads_off_site(owner_client, target):
    library = owner_client.get(
        reverse("distributions:messages"), {"next": target}
    ).content.decode()
    assert "← Back" not in library
    assert "evil" not in library
