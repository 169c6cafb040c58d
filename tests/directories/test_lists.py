"""Segments & lists, a list's page, contacts, Manual input and opt-outs (no browser)."""

from django.urls import reverse

from directories.models import Contact, ContactList, Suppression
from directories.services.suppressions import suppression_add
from tests.directories.conftest import page_text
from tests.factories import ContactFactory, ContactListFactory
from tests.helpers import make_list


def test_create_a_list_opens_it(owner_client, owner):
    response = owner_client.post(
        reverse("directories:list_create"), {"name": "  Spring 2026 "}
    )
    contact_list = ContactList.objects.get(owner=owner)
    assert contact_list.name == "Spring 2026"
    assert response["Location"] == reverse(
        "directories:list_detail", args=[contact_list.pk]
    )
    text = page_text(owner_client.get(response["Location"]))
    assert "Upload a file" in text and "Manual input" in text


def test_a_list_name_is_unique_per_owner_ignoring_case(
    owner_client, owner, other_owner
):
    ContactListFactory(owner=owner, name="Alumni")
    ContactListFactory(owner=other_owner, name="Staff")
    response = owner_client.post(reverse("directories:list_create"), {"name": "ALUMNI"})
    assert "You already have a list named “ALUMNI”." in page_text(response)
    owner_client.post(reverse("directories:list_create"), {"name": "Staff"})
    assert ContactList.objects.filter(owner=owner).count() == 2


def test_rename_and_delete_a_list(owner_client, owner):
    contact_list = ContactListFactory(owner=owner, name="Old")
    ContactFactory.create_batch(3, contact_list=contact_list)
    owner_client.post(
        reverse("directories:list_rename", args=[contact_list.pk]), {"name": "New"}
    )
    contact_list.refresh_from_db()
    assert contact_list.name == "New"
    confirm = owner_client.get(
        reverse("directories:list_delete", args=[contact_list.pk])
    )
    assert "The list and its 3 contacts will be deleted." in page_text(confirm)
    assert ContactList.objects.filter(pk=contact_list.pk).exists()  # GET asks only
    response = owner_client.post(
        reverse("directories:list_delete", args=[contact_list.pk])
    )
    assert response["Location"] == reverse("directories:lists")
    assert not ContactList.objects.filter(pk=contact_list.pk).exists()
    assert not Contact.objects.exists()


def test_contacts_are_paginated_and_searchable(owner_client, owner):
    numbered = [
        {"first_name": f"Name{i:02d}", "email": f"p{i:02d}@example.edu"}
        for i in range(60)
    ]
    contact_list = make_list(
        owner,
        rows=[
            *numbered,
            {"first_name": "Søren", "last_name": "Kowalski", "email": "sk@uni.example"},
        ],
    )
    url = reverse("directories:list_detail", args=[contact_list.pk])
    first = page_text(owner_client.get(url))
    assert (
        "Page 1 of 2" in first
        and "p49@example.edu" in first
        and "p50@example.edu" not in first
    )
    assert "p50@example.edu" in page_text(owner_client.get(url, {"page": 2}))
    found = page_text(owner_client.get(url, {"q": "kowal"}))
    assert "sk@uni.example" in found and "p01@example.edu" not in found
    assert "sk@uni.example" in page_text(owner_client.get(url, {"q": "UNI.EXAMPLE"}))
    assert "No contact matches “zzz”." in page_text(owner_client.get(url, {"q": "zzz"}))


def test_edit_and_delete_a_contact(owner_client, owner):
    contact_list = ContactListFactory(owner=owner, embedded_fields=["Team"])
    contact = ContactFactory(
        contact_list=contact_list, email="a@example.edu", embedded_data={"Team": "A"}
    )
    ContactFactory(contact_list=contact_list, email="taken@example.edu")
    url = reverse("directories:contact_edit", args=[contact_list.pk, contact.pk])
    data = {
        "first_name": "Zoë",
        "last_name": "D'Arcy",
        "email": "TAKEN@example.edu",
        "embedded_0": "B",
    }
    response = owner_client.post(url, data)
    assert "TAKEN@example.edu is already in this list." in page_text(response)
    data["email"] = " new@example.edu "
    owner_client.post(url, data)
    contact.refresh_from_db()
    assert (
        contact.first_name,
        contact.last_name,
        contact.email,
        contact.embedded_data,
    ) == ("Zoë", "D'Arcy", "new@example.edu", {"Team": "B"})
    owner_client.post(
        reverse("directories:contact_delete", args=[contact_list.pk, contact.pk])
    )
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_export_list_is_spreadsheet_safe(owner_client, owner):
    contact_list = ContactListFactory(
        owner=owner, name="Ex port", embedded_fields=["Dept"]
    )
    ContactFactory(
        contact_list=contact_list,
        first_name="@SUM(A1)",
        last_name="Ruíz",
        email="r@example.edu",
        embedded_data={"Dept": "-5"},
    )
    response = owner_client.get(
        reverse("directories:list_export", args=[contact_list.pk])
    )
    assert response["Content-Disposition"] == 'attachment; filename="Ex-port.csv"'
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig").splitlines() == [
        "FirstName,LastName,Email,ExternalDataReference,Language,Dept",
        "'@SUM(A1),Ruíz,r@example.edu,,,'-5",
    ]


def manual_post(rows, extra_names=(), extras=()):
    data = {
        "first_name": [r[0] for r in rows],
        "last_name": [r[1] for r in rows],
        "email": [r[2] for r in rows],
        "extra_name": list(extra_names),
    }
    for i, values in enumerate(extras):
        data[f"extra_{i}"] = list(values)
    return data


def test_manual_input_saves_all_or_nothing_with_errors_by_cell(owner_client, owner):
    contact_list = ContactListFactory(owner=owner)
    ContactFactory(contact_list=contact_list, email="old@example.edu")
    url = reverse("directories:manual_input", args=[contact_list.pk])
    rows = [
        ("Ana", "Abara", "ana@example.edu"),
        ("Bo", "Berg", "bo-at-example"),
        ("", "", ""),
        ("Cy", "Cole", "ANA@example.edu"),
        ("Di", "Dee", "OLD@example.edu"),
    ]
    response = owner_client.post(
        url, manual_post(rows, ["Cohort"], [["1", "2", "", "3", "4"]])
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "Nothing was saved: 3 cells need correcting" in text
    assert "'bo-at-example' is not a valid email address." in text
    assert "ANA@example.edu is already in row 1 above." in text
    assert "OLD@example.edu is already in this list." in text
    assert contact_list.contacts.count() == 1
    # The typed values come back in place.
    assert 'value="bo-at-example"' in response.content.decode()

    rows[1] = ("Bo", "Berg", "bo@example.edu")
    rows[3] = ("Cy", "Cole", "cy@example.edu")
    rows[4] = ("Di", "Dee", "di@example.edu")
    response = owner_client.post(
        url, manual_post(rows, ["Cohort"], [["1", "2", "", "3", "4"]]), follow=True
    )
    assert "4 contacts added to" in page_text(response)
    assert list(
        contact_list.contacts.order_by("id").values_list(
            "first_name", "email", "embedded_data"
        )
    )[1:] == [
        ("Ana", "ana@example.edu", {"Cohort": "1"}),
        ("Bo", "bo@example.edu", {"Cohort": "2"}),
        ("Cy", "cy@example.edu", {"Cohort": "3"}),
        ("Di", "di@example.edu", {"Cohort": "4"}),
    ]
    contact_list.refresh_from_db()
    assert contact_list.embedded_fields == ["Cohort"]


def test_opt_outs_add_and_remove(owner_client, owner):
    url = reverse("directories:suppressions")
    response = owner_client.post(url, {"email": "nope"})
    assert "'nope' is not a valid email address." in page_text(response)
    response = owner_client.post(url, {"email": " Gone@Example.edu "}, follow=True)
    assert "Gone@Example.edu will not be emailed again." in page_text(response)
    response = owner_client.post(url, {"email": "gone@example.edu"})
    assert "gone@example.edu is already on your opt-out list." in page_text(response)
    suppression_add(
        owner=owner, email="bounced@example.edu", reason=Suppression.Reason.BOUNCED
    )
    text = page_text(owner_client.get(url))
    assert "bounced@example.edu Hard bounce" in text
    assert "Gone@Example.edu Added by hand" in text
    gone = Suppression.objects.get(email="Gone@Example.edu")
    owner_client.post(reverse("directories:suppression_remove", args=[gone.pk]))
    assert list(Suppression.objects.values_list("email", flat=True)) == [
        "bounced@example.edu"
    ]


def test_directories_summary_counts(owner_client, owner):
    contact_list = ContactListFactory(owner=owner, name="Counted")
    ContactFactory.create_batch(2, contact_list=contact_list)
    text = page_text(owner_client.get("/directories/"))
    assert "1 lists 2 contacts 0 opted-out addresses" in text
    assert "Counted" in text


def test_deleting_a_list_keeps_invitations_made_from_it(owner_client, owner):
    from datetime import timedelta

    from django.utils import timezone

    from distributions.models import Invitation
    from tests.factories import DistributionFactory

    contact_list = ContactListFactory(owner=owner)
    contacts = ContactFactory.create_batch(3, contact_list=contact_list)
    other = ContactFactory(contact_list=ContactListFactory(owner=owner))
    distribution = DistributionFactory(
        owner=owner, survey__owner=owner, contact_list=contact_list
    )
    invitation = Invitation.objects.create(
        distribution=distribution,
        contact=contacts[0],
        email=contacts[0].email,
        expires_at=timezone.now() + timedelta(days=60),
    )
    owner_client.post(reverse("directories:list_delete", args=[contact_list.pk]))
    assert not ContactList.objects.filter(pk=contact_list.pk).exists()
    assert list(Contact.objects.values_list("pk", flat=True)) == [other.pk]
    invitation.refresh_from_db()
    assert invitation.contact_id is None
    assert invitation.email == contacts[0].email
