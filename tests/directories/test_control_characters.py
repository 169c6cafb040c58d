"""Contact values keep no CR or other control character (issue 14, point 8).

A bare CR in a name reached the SMTP data inside the body, and strict relays refuse
such messages. Single-line values (names, reference, language, field names) get a
space for each line break and lose other control characters; embedded data keeps
its line breaks as LF and its tabs.
"""

from django.urls import reverse

from core.text import multiline, one_line
from directories.models import Contact
from tests.directories.conftest import csv_bytes, upload_and_confirm
from tests.directories.test_lists import manual_post
from tests.factories import ContactFactory, ContactListFactory

HOSTILE_NAME = "Ana\rMaría\x07\x1b[31m\x00\x7f\x85Ruiz\u2028Jr\tII"
ONE_LINE = "Ana María[31m Ruiz Jr II"
HOSTILE_FIELD = "line one\rline two\r\nline three\x0bfour\tcell\x1b\x9b"
MULTILINE = "line one\nline two\nline three\nfour\tcell"


def test_the_cleaning_rules():
    assert one_line(HOSTILE_NAME.replace("\x00", "")) == ONE_LINE
    assert multiline(HOSTILE_FIELD) == MULTILINE
    kept = "Zoë Ó'Brien \u200fאבג\u200e 😀 {{ 7*7 }}"
    assert one_line(kept) == kept and multiline(kept) == kept
    assert one_line("a\u00a0b") == "a\u00a0b"


def test_an_import_stores_no_control_character(owner_client, owner):
    contact_list = ContactListFactory(owner=owner)
    name = HOSTILE_NAME.replace("\x00", "")  # a NUL makes the file binary: refused
    data = csv_bytes(
        [
            ["Email", "FirstName", "LastName", "ExternalDataReference", "Notes\r"],
            ["ana@example.edu", name, "Lee\r", "R\x071", HOSTILE_FIELD],
        ]
    )

    _, _, contact_import = upload_and_confirm(owner_client, contact_list, data)

    assert contact_import.status == "done", contact_import.error
    contact = Contact.objects.get(contact_list=contact_list)
    assert (contact.first_name, contact.last_name, contact.external_reference) == (
        ONE_LINE,
        "Lee",
        "R1",
    )
    assert contact.embedded_data == {"Notes": MULTILINE}


def test_an_import_into_a_list_with_contacts_stores_none_either(owner_client, owner):
    # A list that has contacts takes the temporary-table path, not the direct COPY.
    contact_list = ContactListFactory(owner=owner)
    ContactFactory(contact_list=contact_list, email="old@example.edu")
    data = csv_bytes([["Email", "FirstName"], ["ana@example.edu", "A\rB\x07"]])

    upload_and_confirm(owner_client, contact_list, data)

    assert Contact.objects.get(email="ana@example.edu").first_name == "A B"


def test_manual_input_and_edit_store_no_control_character(owner_client, owner):
    contact_list = ContactListFactory(owner=owner)
    url = reverse("directories:manual_input", args=[contact_list.pk])
    owner_client.post(
        url,
        manual_post(
            [("Bo\rb", "Sm\x07ith", "bob@example.edu")],
            extra_names=["Te\ram"],
            extras=[[HOSTILE_FIELD]],
        ),
    )
    contact = Contact.objects.get(contact_list=contact_list)
    assert (contact.first_name, contact.last_name) == ("Bo b", "Smith")
    assert contact.embedded_data == {"Te am": MULTILINE}
    contact_list.refresh_from_db()
    assert contact_list.embedded_fields == ["Te am"]

    edit = reverse("directories:contact_edit", args=[contact_list.pk, contact.pk])
    owner_client.post(
        edit,
        {
            "first_name": "Ed\r",
            "last_name": "\x1bX",
            "email": "bob@example.edu",
            "external_reference": "A\r\nB",
            "language": "E\x00N".replace("\x00", "\x01"),
            "embedded_0": "one\rtwo",
        },
    )
    contact.refresh_from_db()
    assert (
        contact.first_name,
        contact.last_name,
        contact.external_reference,
        contact.language,
    ) == ("Ed", "X", "A B", "EN")
    assert contact.embedded_data == {"Te am": "one\ntwo"}
