"""Upload a file → Confirm import fields → Upload the file, for every kind of file."""

import codecs

import pytest
from django.urls import reverse

from directories.models import Contact, ContactImport
from tests.directories.conftest import (
    confirm_post_data,
    csv_bytes,
    page_text,
    upload,
    upload_and_confirm,
)
from tests.factories import ContactFactory

HEADER = [
    "FirstName",
    "LastName",
    "Email",
    "ExternalDataReference",
    "Language",
    "Department",
]
ROWS = [
    ["Inès", "López", "ines.lopez@example.edu", "U1", "ES", "Biología"],
    ["Søren", "O'Brien", "soren@example.edu", "U2", "EN", "Physics"],
    ["Émile", "Müller", "emile@example.edu", "U3", "FR", "Histoire"],
]


def stored(contact_list):
    return list(
        Contact.objects.filter(contact_list=contact_list)
        .order_by("id")
        .values_list(
            "first_name",
            "last_name",
            "email",
            "external_reference",
            "language",
            "embedded_data",
        )
    )


EXPECTED = [
    ("Inès", "López", "ines.lopez@example.edu", "U1", "ES", {"Department": "Biología"}),
    ("Søren", "O'Brien", "soren@example.edu", "U2", "EN", {"Department": "Physics"}),
    ("Émile", "Müller", "emile@example.edu", "U3", "FR", {"Department": "Histoire"}),
]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "detected"),
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ";", "utf-8-sig"),
        ("utf-16", "\t", "utf-16"),
        ("cp1252", ";", "cp1252"),
        ("utf-8", "|", "utf-8"),
        ("utf-8", "\t", "utf-8"),
    ],
)
def test_encodings_and_delimiters_import_values_exactly(
    owner_client, contact_list, encoding, delimiter, detected
):
    data = csv_bytes([HEADER, *ROWS], encoding=encoding, delimiter=delimiter)
    confirm, result, contact_import = upload_and_confirm(
        owner_client, contact_list, data
    )

    assert contact_import.encoding == detected
    assert contact_import.delimiter == delimiter
    assert "3 to be added" in page_text(confirm)
    assert "Inès" in page_text(confirm)  # the preview reads the accents right
    assert (
        "Import finished: 3 added, 0 updated, 0 skipped as duplicates, 0 rejected"
        in page_text(result)
    )
    assert stored(contact_list) == EXPECTED
    contact_list.refresh_from_db()
    assert contact_list.embedded_fields == ["Department"]
    listing = page_text(
        owner_client.get(reverse("directories:list_detail", args=[contact_list.pk]))
    )
    assert "Søren O'Brien soren@example.edu" in listing


def test_encoding_can_be_overridden(owner_client, contact_list):
    # Latin-1 bytes that happen to be valid in cp1252 too: the owner picks Mac Roman
    # to show the choice re-reads the file.
    data = csv_bytes(
        [["Email", "FirstName"], ["a@example.edu", "Zoë"]], encoding="cp1252"
    )
    response = upload(owner_client, contact_list, data)
    confirm_url = response["Location"]
    confirm = owner_client.get(confirm_url)
    assert "Windows-1252 (Western European) (detected)" in page_text(confirm)
    post = confirm_post_data(confirm, encoding="mac_roman", action="check")
    owner_client.post(confirm_url, post)
    confirm = owner_client.get(confirm_url)
    assert "ZoÎ" in page_text(confirm)  # what Mac Roman makes of it
    owner_client.post(confirm_url, confirm_post_data(confirm, encoding="cp1252"))
    confirm = owner_client.get(confirm_url)
    assert "Zoë" in page_text(confirm)
    post = confirm_post_data(confirm)
    post["action"] = "upload"
    owner_client.post(confirm_url, post)
    assert Contact.objects.get(contact_list=contact_list).first_name == "Zoë"


def test_quoted_commas_quotes_and_line_breaks_keep_line_numbers(
    owner_client, contact_list
):
    text = (
        "Email,FirstName,LastName\r\n"
        'a@example.edu,"Smith, Jr.","He said ""hi"""\r\n'
        'b@example.edu,"Two\r\nlines",X\r\n'
        "not-an-email,C,D\r\n"
    )
    confirm, result, contact_import = upload_and_confirm(
        owner_client, contact_list, text.encode(), skip_invalid=True
    )
    # The bad row starts on physical line 5: the quoted line break took line 4.
    assert contact_import.rejections == [
        {
            "line": 5,
            "column": "Email",
            "reason": "'not-an-email' is not a valid email address.",
        }
    ]
    assert "Import finished: 2 added" in page_text(result)
    assert "5 Email 'not-an-email' is not a valid email address." in page_text(result)
    values = list(
        Contact.objects.filter(contact_list=contact_list)
        .order_by("id")
        .values_list("first_name", "last_name")
    )
    # A name is one line: its line break became a space (issue 14, point 8).
    assert values == [("Smith, Jr.", 'He said "hi"'), ("Two lines", "X")]


def test_blank_lines_and_trailing_empty_columns_are_ignored(owner_client, contact_list):
    text = (
        "\r\nFirst Name;Last Name;E-mail Address;;\r\n"
        "\r\n"
        "Ana;Abara;ana@example.edu;;\r\n"
        ";;;;\r\n"
        "Bo;Berg;bo@example.edu;;\r\n\r\n"
    )
    confirm, result, contact_import = upload_and_confirm(
        owner_client, contact_list, text.encode()
    )
    assert contact_import.mapping == {"0": "first_name", "1": "last_name", "2": "email"}
    assert (
        "Import finished: 2 added, 0 updated, 0 skipped as duplicates, 0 rejected"
        in page_text(result)
    )
    assert list(
        Contact.objects.filter(contact_list=contact_list).values_list(
            "first_name", "email", "embedded_data"
        )
    ) == [
        ("Ana", "ana@example.edu", {}),
        ("Bo", "bo@example.edu", {}),
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            [
                "first_name",
                "SURNAME",
                "Email Address",
                "External ID",
                "language",
                "Team",
            ],
            [
                "first_name",
                "last_name",
                "email",
                "external_reference",
                "language",
                "embedded",
            ],
        ),
        (
            ["Given Name", "Family Name", "E-mail 1 - Value", "Notes"],
            ["first_name", "last_name", "email", "embedded"],
        ),
        (
            ["First Name", "Last Name", "E-mail Address", "External Data Reference"],
            ["first_name", "last_name", "email", "external_reference"],
        ),
    ],
)
def test_common_headers_map_themselves(owner_client, contact_list, header, expected):
    row = ["x"] * len(header)
    row[expected.index("email")] = "x@example.edu"
    response = upload(owner_client, contact_list, csv_bytes([header, row]))
    confirm = owner_client.get(response["Location"])
    form = confirm.context["form"]
    assert [form[f"col_{i}"].value() for i in range(len(header))] == expected


def test_a_column_can_be_ignored_or_remapped(owner_client, contact_list):
    data = csv_bytes(
        [["Email", "Secret", "Nick"], ["a@example.edu", "s3cret", "Annie"]]
    )
    confirm, result, _ = upload_and_confirm(
        owner_client, contact_list, data, col_1="ignore", col_2="first_name"
    )
    contact = Contact.objects.get(contact_list=contact_list)
    assert (contact.first_name, contact.embedded_data) == ("Annie", {})


def test_missing_email_column_is_refused_with_one_message(owner_client, contact_list):
    response = upload(
        owner_client, contact_list, csv_bytes([["Name", "Phone"], ["Ana", "1"]])
    )
    assert response.status_code == 400
    assert "The file has no Email column." in page_text(response)
    assert not ContactImport.objects.exists()
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This file is not a text file."),
        (
            b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50,
            "This file is an Excel workbook",
        ),
        (b"", "The file is empty"),
    ],
)
def test_binary_and_empty_files_are_refused(owner_client, contact_list, data, message):
    response = upload(owner_client, contact_list, data, name="contacts.csv")
    # An empty upload is refused by the form itself.
    assert response.status_code == 400
    text = page_text(response)
    assert message in text or (not data and "The submitted file is empty." in text)
    assert not ContactImport.objects.exists()


def test_a_file_over_the_size_cap_is_refused_while_streaming(
    owner_client, contact_list, settings
):
    settings.CONTACT_IMPORT_MAX_BYTES = 2048
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # a temporary file, as for big uploads
    rows = [["Email"]] + [[f"person{i}@example.edu"] for i in range(200)]
    response = upload(owner_client, contact_list, csv_bytes(rows))
    assert response.status_code == 400
    assert "The file is larger than the" in page_text(response)
    assert not ContactImport.objects.exists()


def test_invalid_rows_import_nothing_by_default_and_are_listed(
    owner_client, contact_list
):
    data = csv_bytes(
        [
            ["FirstName", "Email"],
            ["Ana", "ana@example.edu"],
            ["Bo", "bo(at)example.edu"],
            ["Chidi", ""],
            ["Dara", "  dara@example.edu  "],
        ]
    )
    confirm, result, contact_import = upload_and_confirm(
        owner_client, contact_list, data
    )
    confirm_text = page_text(confirm)
    assert "2 rejected" in confirm_text
    assert (
        "2 rows of 4 cannot be imported, so nothing would be imported." in confirm_text
    )
    assert "3 Email 'bo(at)example.edu' is not a valid email address." in confirm_text
    assert "4 Email Email is missing." in confirm_text
    text = page_text(result)
    assert "Nothing was imported. 2 rows of 4 cannot be imported" in text
    assert "3 Email 'bo(at)example.edu' is not a valid email address." in text
    assert contact_import.status == ContactImport.Status.FAILED
    assert not Contact.objects.exists()

    # The rejected rows as a CSV the owner can fix from.
    csv_response = owner_client.get(
        reverse(
            "directories:import_rejections", args=[contact_list.pk, contact_import.pk]
        )
    )
    body = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert body.splitlines() == [
        "Line,Column,Reason",
        "3,Email,'bo(at)example.edu' is not a valid email address.",
        "4,Email,Email is missing.",
    ]

    # Same file, now skipping the rejected rows: the valid ones go in, trimmed email.
    confirm_url = reverse(
        "directories:import_confirm", args=[contact_list.pk, contact_import.pk]
    )
    confirm = owner_client.get(confirm_url)
    post = confirm_post_data(confirm, skip_invalid=True)
    post["action"] = "upload"
    owner_client.post(confirm_url, post)
    contact_import.refresh_from_db()
    assert contact_import.status == ContactImport.Status.DONE
    assert (contact_import.added, contact_import.rejected) == (2, 2)
    assert list(Contact.objects.values_list("email", flat=True).order_by("id")) == [
        "ana@example.edu",
        "dara@example.edu",
    ]


def test_too_long_value_is_rejected_never_truncated(owner_client, contact_list):
    long_name = "N" * 256
    data = csv_bytes(
        [["Email", "FirstName"], ["a@example.edu", long_name], ["b@example.edu", "Bo"]]
    )
    confirm, result, contact_import = upload_and_confirm(
        owner_client, contact_list, data
    )
    assert "3 FirstName Too long: 256 characters, at most 255." not in page_text(result)
    assert "2 FirstName Too long: 256 characters, at most 255." in page_text(result)
    assert not Contact.objects.exists()
    assert not any(len(c.first_name) == 255 for c in Contact.objects.all())


def test_duplicates_in_the_file_are_skipped_case_insensitively(
    owner_client, contact_list
):
    data = csv_bytes(
        [
            ["Email", "FirstName"],
            ["ana@example.edu", "First"],
            ["ANA@Example.edu", "Second"],
            ["bo@example.edu", "Bo"],
        ]
    )
    confirm, result, _ = upload_and_confirm(owner_client, contact_list, data)
    assert "2 to be added" in page_text(confirm)
    assert "1 skipped as duplicate" in page_text(confirm)
    assert (
        "Import finished: 2 added, 0 updated, 1 skipped as duplicate, 0 rejected"
        in page_text(result)
    )
    assert list(Contact.objects.values_list("email", "first_name").order_by("id")) == [
        ("ana@example.edu", "First"),
        ("bo@example.edu", "Bo"),
    ]


def test_duplicates_against_the_list_skip_by_default(owner_client, contact_list):
    ContactFactory(
        contact_list=contact_list,
        email="Ana@Example.edu",
        first_name="Old",
        embedded_data={"Team": "A"},
    )
    data = csv_bytes(
        [["Email", "FirstName"], ["ana@example.edu", "New"], ["bo@example.edu", "Bo"]]
    )
    confirm, result, _ = upload_and_confirm(owner_client, contact_list, data)
    assert (
        "Import finished: 1 added, 0 updated, 1 skipped as duplicate, 0 rejected"
        in page_text(result)
    )
    assert Contact.objects.get(email__iexact="ana@example.edu").first_name == "Old"
    assert Contact.objects.filter(contact_list=contact_list).count() == 2


def test_duplicates_against_the_list_can_update_existing(owner_client, contact_list):
    ContactFactory(
        contact_list=contact_list,
        email="Ana@Example.edu",
        first_name="Old",
        last_name="Keep",
        embedded_data={"Team": "A"},
    )
    data = csv_bytes(
        [
            ["Email", "FirstName", "Cohort"],
            ["ana@example.edu", "New", "2026"],
            ["bo@example.edu", "Bo", "2025"],
        ]
    )
    confirm_url = upload(owner_client, contact_list, data)["Location"]
    confirm = owner_client.get(confirm_url)
    owner_client.post(
        confirm_url, confirm_post_data(confirm, on_duplicate="update", action="check")
    )
    confirm = owner_client.get(confirm_url)
    assert "1 to be added" in page_text(confirm)
    assert "1 to be updated" in page_text(confirm)
    post = confirm_post_data(confirm, action="upload")
    result = owner_client.get(owner_client.post(confirm_url, post)["Location"])
    assert (
        "Import finished: 1 added, 1 updated, 0 skipped as duplicates, 0 rejected"
        in page_text(result)
    )
    ana = Contact.objects.get(email__iexact="ana@example.edu")
    # Mapped columns replaced, unmapped kept, extra fields merged; the address as stored.
    assert (ana.email, ana.first_name, ana.last_name) == (
        "Ana@Example.edu",
        "New",
        "Keep",
    )
    assert ana.embedded_data == {"Team": "A", "Cohort": "2026"}
    assert Contact.objects.filter(contact_list=contact_list).count() == 2


def test_second_click_on_upload_the_file_does_not_import_twice(
    owner_client, contact_list
):
    data = csv_bytes([["Email"], ["a@example.edu"], ["b@example.edu"]])
    response = upload(owner_client, contact_list, data)
    confirm_url = response["Location"]
    confirm = owner_client.get(confirm_url)
    post = confirm_post_data(confirm)
    post["action"] = "upload"
    first = owner_client.post(confirm_url, post)
    second = owner_client.post(confirm_url, post)
    assert first.status_code == second.status_code == 302
    assert Contact.objects.filter(contact_list=contact_list).count() == 2
    assert ContactImport.objects.get().added == 2


def test_sample_template_has_the_qualtrics_columns(owner_client):
    response = owner_client.get(reverse("directories:sample_template"))
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    lines = body.decode("utf-8-sig").splitlines()
    assert (
        lines[0] == "FirstName,LastName,Email,ExternalDataReference,Language,Department"
    )
    assert len(lines) >= 3


def test_line_numbers_count_blank_lines_as_a_spreadsheet_does(
    owner_client, contact_list
):
    text = "Email,FirstName\n\nok@example.edu,A\n\n\nbad,B\n"
    confirm, result, contact_import = upload_and_confirm(
        owner_client, contact_list, text.encode()
    )
    assert contact_import.rejections == [
        {"line": 6, "column": "Email", "reason": "'bad' is not a valid email address."}
    ]
    assert not Contact.objects.exists()


def test_uploaded_file_is_removed_after_a_successful_import(
    owner_client, contact_list, media_root
):
    data = csv_bytes([["Email"], ["a@example.edu"]])
    _, _, contact_import = upload_and_confirm(owner_client, contact_list, data)
    assert contact_import.status == ContactImport.Status.DONE
    assert not any((media_root / "contact_imports").iterdir())


def test_big_files_get_their_counts_after_the_page(
    owner_client, contact_list, settings
):
    settings.CONTACT_IMPORT_INLINE_COUNT_BYTES = 10
    data = csv_bytes([["Email"], ["a@example.edu"], ["b@example.edu"], ["nope"]])
    confirm_url = upload(owner_client, contact_list, data)["Location"]
    confirm = owner_client.get(confirm_url)
    assert "Reading the whole file to count" in page_text(confirm)
    counts_url = confirm_url.replace("/confirm/", "/counts/")
    assert f'hx-get="{counts_url}"' in confirm.content.decode()
    counts = page_text(owner_client.get(counts_url, headers={"HX-Request": "true"}))
    assert "2 to be added" in counts
    assert "4 Email 'nope' is not a valid email address." in counts
