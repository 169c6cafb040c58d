"""Close and strip identifiers: a survey's end of data collection."""

import pytest
from django.urls import reverse

from core.models import AuditEntry
from distributions.models import Delivery, Invitation
from distributions.selectors.counts import distribution_counts
from distributions.services.privacy import survey_close_and_strip
from surveys.models import Response
from tests.distributions.privacy_support import (
    PERSON,
    answer,
    delivery_rows,
    person_everywhere,
    survey_with_email_question,
)
from tests.distributions.test_person_erase import statuses
from tests.distributions.ui_support import email_distribution


def identifiers(survey) -> list:
    """Return every identifier left on the survey's invitations and responses."""
    left = []
    for invitation in Invitation.objects.filter(distribution__survey=survey):
        if "@" in invitation.email:
            left.append(invitation.email)
        left += [
            value
            for value in (
                invitation.first_name,
                invitation.last_name,
                invitation.external_reference,
                invitation.embedded_data,
                invitation.contact_id,
            )
            if value
        ]
    for response in Response.objects.filter(survey=survey):
        left += [
            value
            for value in (
                response.first_name,
                response.last_name,
                response.email,
                response.external_reference,
                response.embedded_data,
                response.person_key,
                response.resume_key,
            )
            if value
        ]
    left += [
        error
        for error in Delivery.objects.filter(distribution__survey=survey).values_list(
            "error", flat=True
        )
        if "@" in error
    ]
    return left


@pytest.mark.django_db
def test_strip_closes_and_removes_identifiers_keeping_statuses_and_counts(owner):
    world = person_everywhere(owner)
    survey, invite, batch = world["survey"], world["invite"], world["batch"]
    before = (
        statuses(invite),
        statuses(batch),
        distribution_counts([invite, world["reminder"], batch]),
        delivery_rows(survey),
        Response.objects.filter(survey=survey).count(),
    )
    assert identifiers(survey)

    counts = survey_close_and_strip(actor=owner, survey=survey)

    survey.refresh_from_db()
    assert survey.state == "closed"
    assert identifiers(survey) == []
    assert (
        statuses(invite),
        statuses(batch),
        distribution_counts([invite, world["reminder"], batch]),
        delivery_rows(survey),
        Response.objects.filter(survey=survey).count(),
    ) == before
    assert counts == {"invitations": 4, "deliveries": 1, "responses": 2}
    entry = AuditEntry.objects.get()
    assert entry.action == "survey_stripped" and entry.counts == counts

    # Idempotent: nothing left to strip, nothing changes.
    again = survey_close_and_strip(actor=owner, survey=survey)
    assert again == {"invitations": 0, "deliveries": 0, "responses": 0}
    assert statuses(invite) == before[0]


@pytest.mark.django_db
def test_another_survey_of_the_owner_is_untouched(owner):
    world = person_everywhere(owner)
    other = survey_with_email_question(owner, title="Other study")
    other_invite = email_distribution(other, world["students"])
    answer(other_invite.invitations.get(email=PERSON))

    survey_close_and_strip(actor=owner, survey=world["survey"])

    assert len(identifiers(other)) > 6
    other.refresh_from_db()
    assert other.state == "published"


def strip_url(survey) -> str:
    return reverse("distributions:survey_strip", kwargs={"survey_id": survey.pk})


@pytest.mark.django_db
def test_the_options_page_links_to_a_confirmation_that_says_what_goes(client, owner):
    world = person_everywhere(owner)
    survey = world["survey"]
    client.force_login(owner)

    options = client.get(reverse("surveys:options", kwargs={"pk": survey.pk}))
    assert strip_url(survey) in options.content.decode()
    page = client.get(strip_url(survey)).content.decode()
    for words in (
        "close the survey",
        "first and last names, email addresses, external data references and "
        "embedded data",
        "all 4 invitations",
        "all 2 responses",
        "cannot be undone",
    ):
        assert words in page

    unconfirmed = client.post(strip_url(survey), {})
    assert "Tick the box to confirm." in unconfirmed.content.decode()
    survey.refresh_from_db()
    assert survey.state == "published"

    done = client.post(strip_url(survey), {"confirm": "on"})
    assert done.status_code == 302
    survey.refresh_from_db()
    assert survey.state == "closed" and identifiers(survey) == []


@pytest.mark.django_db
def test_another_owners_survey_is_404(client, owner, other_owner):
    world = person_everywhere(other_owner)
    client.force_login(owner)

    assert client.get(strip_url(world["survey"])).status_code == 404
    assert client.post(strip_url(world["survey"]), {"confirm": "on"}).status_code == 404
    assert Response.objects.filter(email=PERSON).exists()
