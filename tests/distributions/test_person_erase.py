"""Erase this person everywhere (the contact page and manage.py erase_person)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from directories.models import Contact, Suppression
from directories.selectors.suppressions import suppression_exists
from distributions.models import Delivery, Invitation
from distributions.selectors.invitations import invitations_with_status
from distributions.services.dispatch import _dispatch_one
from distributions.services.privacy import person_erase
from distributions.status import invitation_status
from surveys.models import Answer, Response
from tests.distributions.pipeline_support import email_distribution
from tests.distributions.privacy_support import (
    PERSON,
    columns_containing,
    delivery_rows,
    person_everywhere,
)


def statuses(distribution) -> dict[int, str]:
    return {
        invitation.pk: invitation_status(invitation)
        for invitation in invitations_with_status(distribution=distribution)
    }


@pytest.mark.django_db
def test_after_erasure_the_address_is_in_no_column_of_any_table(owner):
    person_everywhere(owner)
    assert len(columns_containing(PERSON)) > 5  # the search finds what is there

    person_erase(
        actor=owner, owner=owner, email="PERSON1@example.edu", keep_responses=False
    )

    assert columns_containing(PERSON) == []


@pytest.mark.django_db
def test_kept_responses_lose_identity_and_the_address_is_still_nowhere(owner):
    world = person_everywhere(owner)

    counts = person_erase(actor=owner, owner=owner, email=PERSON, keep_responses=True)

    assert columns_containing(PERSON) == []
    assert counts["responses_anonymized"] == 1 and counts["responses_deleted"] == 0
    response = Response.objects.get(pk=world["response"].pk)
    assert (response.first_name, response.last_name, response.email) == ("", "", "")
    assert response.external_reference == "" and response.embedded_data == {}
    assert response.person_key is None and response.resume_key is None
    assert response.finished_at is not None
    # The answers stay, the quoted address replaced.
    values = set(
        Answer.objects.filter(response=response).values_list("value", flat=True)
    )
    assert values == {"c1", "[erased]"}


@pytest.mark.django_db
def test_rows_statuses_and_counts_stay(owner):
    world = person_everywhere(owner)
    invite, batch = world["invite"], world["batch"]
    before = statuses(invite), statuses(batch), delivery_rows(world["survey"])
    invitation_count = Invitation.objects.count()

    counts = person_erase(actor=owner, owner=owner, email=PERSON, keep_responses=True)

    assert (statuses(invite), statuses(batch), delivery_rows(world["survey"])) == before
    assert Invitation.objects.count() == invitation_count
    assert counts["invitations"] == 2 and counts["contacts"] == 2
    erased = Invitation.objects.get(pk=world["person_invitation"].pk)
    assert erased.email == f"erased-{erased.pk}"
    assert (erased.first_name, erased.last_name, erased.external_reference) == (
        "",
        "",
        "",
    )
    assert erased.embedded_data == {} and erased.contact_id is None
    # The person's old link stops working; their row does not change status.
    assert erased.token != world["person_invitation"].token
    assert "person1@example.edu" not in str(
        Delivery.objects.get(distribution=world["reminder"]).error
    )
    # Everybody else is untouched.
    assert set(Contact.objects.values_list("email", flat=True)) == {
        "person0@example.edu",
        "person2@example.edu",
    }
    assert Response.objects.exclude(email="").get().email == "person0@example.edu"


@pytest.mark.django_db
def test_deleting_a_finished_response_keeps_the_invitation_finished(owner):
    world = person_everywhere(owner)
    finished_at = world["response"].finished_at

    counts = person_erase(actor=owner, owner=owner, email=PERSON, keep_responses=False)

    assert counts["responses_deleted"] == 1
    assert not Response.objects.filter(pk=world["response"].pk).exists()
    assert not Answer.objects.filter(response_id=world["response"].pk).exists()
    invitation = Invitation.objects.get(pk=world["person_invitation"].pk)
    assert invitation.response_id is None
    assert invitation.finished_anonymously_at == finished_at


@pytest.mark.django_db
def test_the_opt_out_stays_as_a_hash_and_a_new_send_skips_them(owner):
    world = person_everywhere(owner)

    person_erase(actor=owner, owner=owner, email=PERSON, keep_responses=False)

    suppression = Suppression.objects.get(owner=owner)
    assert suppression.email == "" and suppression.reason == "opted_out"
    assert suppression_exists(team_id=suppression.team_id, email="Person1@example.edu")
    # Imported again later, and sent to: an opted-out delivery, no email.
    Contact.objects.create(contact_list=world["students"], email="person1@Example.edu")
    again = email_distribution(world["survey"], world["students"])
    _dispatch_one()
    delivery = Delivery.objects.get(
        distribution=again, invitation__email="person1@Example.edu"
    )
    assert delivery.status == "opted_out"
    assert delivery.error == "Not sent: suppressed (Opted out)."


@pytest.mark.django_db
def test_a_later_reminder_never_emails_an_erased_row(owner):
    world = person_everywhere(owner)
    Suppression.objects.all().delete()  # not opted out: only the erasure protects
    person_erase(actor=owner, owner=owner, email=PERSON, keep_responses=True)
    Response.objects.filter(pk=world["response"].pk).update(finished_at=None)
    reminder = email_distribution(
        world["survey"],
        None,
        parent=world["invite"],
        message_type="reminder",
        audience="all",
    )

    _dispatch_one()

    emailed = Delivery.objects.filter(distribution=reminder).values_list(
        "invitation_id", flat=True
    )
    assert world["person_invitation"].pk not in set(emailed)
    assert len(emailed) == 2


@pytest.mark.django_db
def test_the_audit_entry_says_who_what_and_when_without_the_address(owner):
    person_everywhere(owner)
    before = timezone.now()

    counts = person_erase(actor=owner, owner=owner, email=PERSON, keep_responses=False)

    entry = AuditEntry.objects.get()
    assert entry.actor == owner and entry.owner == owner
    assert entry.action == "person_erased" and entry.created_at >= before
    assert entry.counts == counts
    assert counts["contacts"] == 2 and counts["suppression_hashed"] == 1
    assert PERSON not in f"{entry.subject} {entry.actor_name} {entry.counts}"


@pytest.mark.django_db
def test_an_unknown_address_changes_nothing(owner, other_owner):
    person_everywhere(other_owner)  # another owner's person is not this owner's

    with pytest.raises(ValidationError, match="No contact, invitation, response"):
        person_erase(actor=owner, owner=owner, email=PERSON, keep_responses=False)

    assert Contact.objects.filter(email__iexact=PERSON).count() == 2
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_another_owners_copy_of_the_address_stays(owner, other_owner):
    person_everywhere(owner)
    theirs = person_everywhere(other_owner)

    person_erase(actor=owner, owner=owner, email=PERSON, keep_responses=False)

    assert Contact.objects.filter(email__iexact=PERSON).count() == 2
    assert Response.objects.get(pk=theirs["response"].pk).email == PERSON
    assert Suppression.objects.get(owner=other_owner).email == PERSON


# --- the contact page -----------------------------------------------------------


def erase_url(contact) -> str:
    return reverse(
        "distributions:person_erase",
        kwargs={"list_pk": contact.contact_list_id, "contact_pk": contact.pk},
    )


@pytest.mark.django_db
def test_the_contact_page_offers_export_and_erase(client, owner):
    world = person_everywhere(owner)
    contact = world["students"].contacts.get(email=PERSON)
    client.force_login(owner)

    page = client.get(
        reverse(
            "directories:contact_edit",
            kwargs={"pk": contact.contact_list_id, "contact_pk": contact.pk},
        )
    ).content.decode()

    assert "Export this person&#x27;s data" in page
    assert erase_url(contact) in page


@pytest.mark.django_db
def test_erasing_from_the_contact_page_asks_for_the_address(client, owner):
    world = person_everywhere(owner)
    contact = world["students"].contacts.get(email=PERSON)
    client.force_login(owner)

    page = client.get(erase_url(contact)).content.decode()
    assert "This cannot be undone" in page and "one-way hash" in page
    wrong = client.post(erase_url(contact), {"confirm": "person2@example.edu"})
    assert "Type the address exactly as shown above." in wrong.content.decode()
    assert Contact.objects.filter(email__iexact=PERSON).count() == 2

    done = client.post(
        erase_url(contact), {"confirm": "Person1@example.edu", "keep_responses": "on"}
    )

    assert done.status_code == 302
    assert done["Location"] == reverse(
        "directories:list_detail", kwargs={"pk": world["students"].pk}
    )
    assert not Contact.objects.filter(email__iexact=PERSON).exists()
    assert Response.objects.filter(pk=world["response"].pk).exists()
    assert AuditEntry.objects.get().actor_name == f"{owner.username} (contact page)"


@pytest.mark.django_db
def test_another_owners_contact_is_404(client, owner, other_owner):
    world = person_everywhere(other_owner)
    contact = world["students"].contacts.get(email=PERSON)
    client.force_login(owner)

    assert client.get(erase_url(contact)).status_code == 404
    assert client.post(erase_url(contact), {"confirm": PERSON}).status_code == 404
    assert Contact.objects.filter(email__iexact=PERSON).count() == 2


# --- manage.py erase_person ----------------------------------------------------------


@pytest.mark.django_db
def test_the_command_erases_with_yes(owner, capsys):
    person_everywhere(owner)

    call_command(
        "erase_person",
        "--owner",
        owner.email,
        "--email",
        PERSON,
        "--yes",
        "--keep-responses",
    )

    assert columns_containing(PERSON) == []
    assert "contacts 2" in capsys.readouterr().out
    assert AuditEntry.objects.get().actor is None


@pytest.mark.django_db
def test_the_command_asks_and_an_unknown_address_is_refused(owner, monkeypatch):
    person_everywhere(owner)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("erase_person", "--owner", owner.email, "--email", PERSON)
    with pytest.raises(CommandError, match="nobody@example.edu. Nothing was changed"):
        call_command(
            "erase_person",
            "--owner",
            owner.email,
            "--email",
            "nobody@example.edu",
            "--yes",
        )

    assert Contact.objects.filter(email__iexact=PERSON).count() == 2
    assert not AuditEntry.objects.exists()
