"""Another owner's lists, contacts, imports and opt-outs answer 404, GET and POST."""

import pytest
from django.urls import reverse

from directories.models import Contact, ContactImport, ContactList, Suppression
from teams.services import personal_team_id
from tests.factories import ContactFactory, ContactListFactory


@pytest.fixture
def theirs(other_owner, tmp_path):
    contact_list = ContactListFactory(owner=other_owner, name="Theirs")
    contact = ContactFactory(contact_list=contact_list, email="their@example.edu")
    path = tmp_path / "f.csv"
    path.write_text("Email\r\nx@example.edu\r\n")
    contact_import = ContactImport.objects.create(
        owner=other_owner,
        team_id=personal_team_id(other_owner.pk),
        contact_list=contact_list,
        original_name="f.csv",
        stored_path=str(path),
        encoding="utf-8",
        delimiter=",",
        mapping={"0": "email"},
        rejections=[{"line": 2, "column": "Email", "reason": "secret"}],
    )
    suppression = Suppression.objects.create(
        owner=other_owner,
        team_id=personal_team_id(other_owner.pk),
        email="gone@example.edu",
    )
    return contact_list, contact, contact_import, suppression


def urls(contact_list, contact, contact_import, suppression):
    pk = contact_list.pk
    return [
        reverse("directories:list_detail", args=[pk]),
        reverse("directories:list_rename", args=[pk]),
        reverse("directories:list_delete", args=[pk]),
        reverse("directories:list_export", args=[pk]),
        reverse("directories:contact_edit", args=[pk, contact.pk]),
        reverse("directories:contact_delete", args=[pk, contact.pk]),
        reverse("directories:manual_input", args=[pk]),
        reverse("directories:upload", args=[pk]),
        reverse("directories:import_confirm", args=[pk, contact_import.pk]),
        reverse("directories:import_detail", args=[pk, contact_import.pk]),
        reverse("directories:import_counts", args=[pk, contact_import.pk]),
        reverse("directories:import_rejections", args=[pk, contact_import.pk]),
        reverse("directories:suppression_remove", args=[suppression.pk]),
    ]


def test_every_url_answers_404_to_another_owner(owner_client, theirs):
    for url in urls(*theirs):
        if "remove" not in url:
            assert owner_client.get(url).status_code == 404, url
        response = owner_client.post(
            url,
            {
                "name": "Mine now",
                "email": "x@example.edu",
                "first_name": "x",
                "action": "upload",
            },
        )
        assert response.status_code == 404, url
    contact_list, contact, contact_import, suppression = theirs
    contact_list.refresh_from_db()
    assert contact_list.name == "Theirs"
    assert Contact.objects.filter(pk=contact.pk, email="their@example.edu").exists()
    assert list(
        Contact.objects.filter(contact_list=contact_list).values_list(
            "email", flat=True
        )
    ) == ["their@example.edu"]
    contact_import.refresh_from_db()
    assert contact_import.status == ContactImport.Status.UPLOADED
    assert Suppression.objects.filter(pk=suppression.pk).exists()


def test_a_contact_cannot_be_reached_through_my_own_list(owner_client, owner, theirs):
    mine = ContactListFactory(owner=owner)
    _, contact, contact_import, _ = theirs
    assert (
        owner_client.get(
            reverse("directories:contact_edit", args=[mine.pk, contact.pk])
        ).status_code
        == 404
    )
    assert (
        owner_client.post(
            reverse("directories:contact_delete", args=[mine.pk, contact.pk])
        ).status_code
        == 404
    )
    assert (
        owner_client.get(
            reverse("directories:import_detail", args=[mine.pk, contact_import.pk])
        ).status_code
        == 404
    )
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_other_owners_lists_and_opt_outs_are_not_shown(owner_client, theirs):
    for name in ("directories:index", "directories:lists", "directories:suppressions"):
        text = owner_client.get(reverse(name)).content.decode()
        assert "Theirs" not in text
        assert "gone@example.edu" not in text
    assert ContactList.objects.count() == 1


def test_pages_need_a_login(client, theirs):
    contact_list = theirs[0]
    for url in [
        reverse("directories:index"),
        reverse("directories:list_detail", args=[contact_list.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
