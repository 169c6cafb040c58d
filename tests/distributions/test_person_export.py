"""Export this person's data (the contact page and manage.py export_person)."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.distributions.privacy_support import PERSON, person_everywhere


def export_url(contact) -> str:
    return reverse(
        "distributions:person_export",
        kwargs={"list_pk": contact.contact_list_id, "contact_pk": contact.pk},
    )


def check_export(data: dict, world: dict):
    assert data["email"].lower() == PERSON
    # Every contact row with the address, in every list, ignoring case.
    assert sorted((c["list"], c["email"]) for c in data["contacts"]) == [
        ("Alumni", "Student1@EXAMPLE.edu"),
        ("Students", PERSON),
    ]
    [alumnus] = [c for c in data["contacts"] if c["list"] == "Alumni"]
    assert alumnus["external_reference"] == "ALUM-1"
    assert alumnus["embedded_data"] == {"Note": "wrote from student1@example.edu"}
    assert data["opt_out"]["suppressed"] is True
    assert data["opt_out"]["reason"] == "Opted out"
    # Invitations with their statuses and every email sent for them.
    by_list = {i["distribution"]: i for i in data["invitations"]}
    assert set(by_list) == {"Email to Students", "Personal links to Alumni"}
    emailed = by_list["Email to Students"]
    assert emailed["status"] == "Survey Finished"
    assert emailed["survey"] == "Campus life"
    assert emailed["response_id"] == world["response"].public_id
    assert [(d["email_type"], d["status"]) for d in emailed["deliveries"]] == [
        ("Invite", "Email Sent"),
        ("Reminder", "Email Failed"),
    ]
    assert by_list["Personal links to Alumni"]["status"] == "Link Created"
    # Responses with each question's text and the answer as the person gave it.
    [response] = data["responses"]
    assert response["response_id"] == world["response"].public_id
    assert response["finished_at"] is not None
    assert response["answers"] == [
        {"question": "Do you live on campus?", "answer": "Yes"},
        {"question": "Your email (optional)", "answer": "Student1@example.edu"},
    ]
    # No link token in the file: it would let its reader answer as the person.
    assert world["person_invitation"].token not in json.dumps(data)


@pytest.mark.django_db
def test_the_contact_page_downloads_one_json_file(client, owner):
    world = person_everywhere(owner)
    contact = world["alumni"].contacts.get()
    client.force_login(owner)

    response = client.get(export_url(contact))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="person-')
    assert "@" not in disposition
    check_export(json.loads(response.content), world)


@pytest.mark.django_db
def test_another_owners_contact_is_404(client, owner, other_owner):
    world = person_everywhere(other_owner)
    client.force_login(owner)

    assert client.get(export_url(world["alumni"].contacts.get())).status_code == 404


@pytest.mark.django_db
def test_the_command_writes_the_same_file(owner, tmp_path, capsys):
    world = person_everywhere(owner)
    output = tmp_path / "person.json"

    call_command(
        "export_person",
        "--owner",
        owner.email,
        "--email",
        "STUDENT1@example.edu",
        "--output",
        str(output),
    )

    check_export(json.loads(output.read_text(encoding="utf-8")), world)
    assert "2 contact(s), 2 invitation(s) and 1 response(s)" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_address(owner, tmp_path):
    person_everywhere(owner)
    output = tmp_path / "person.json"

    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command(
            "export_person",
            "--owner",
            owner.email,
            "--email",
            "nobody@example.edu",
            "--output",
            str(output),
        )
    assert not output.exists()
