"""The seed article's two ways to build a directory, in a real browser."""

import pytest
from playwright.sync_api import expect

from directories.models import Contact, ContactList
from tests.conftest import assert_no_axe_violations
from tests.directories.conftest import csv_bytes

pytestmark = pytest.mark.browser


def create_a_list(page, name):
    page.goto("/surveys/")
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Directories"
    ).click()
    expect(page.get_by_role("heading", name="Directories")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("navigation", name="Directories tabs").get_by_role(
        "link", name="Segments & lists"
    ).click()
    page.get_by_role("link", name="Create a list").click()
    dialog = page.get_by_role("dialog", name="Create a list")
    expect(dialog).to_be_visible()
    assert_no_axe_violations(page)
    dialog.get_by_label("List name").fill(name)
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_upload_a_windows_1252_semicolon_file(logged_in_page, owner, tmp_path):
    page = logged_in_page
    create_a_list(page, "Cohorte été")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Upload a file").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a sample template").click()
    template = download.value.path().read_bytes().decode("utf-8-sig")
    assert template.startswith(
        "FirstName,LastName,Email,ExternalDataReference,Language"
    )
    assert_no_axe_violations(page)

    path = tmp_path / "excel-export.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["FirstName", "LastName", "Email", "Département"],
                ["Inès", "Lefèvre", "ines.lefevre@example.fr", "Économie"],
                ["François", "D'Arcy", "francois@example.fr", "Sociologie; Droit"],
                ["Zoë", "Nuñez", "zoe@example.fr", "Médecine"],
            ],
            encoding="cp1252",
            delimiter=";",
        )
    )
    page.get_by_label("Select a file").set_input_files(str(path))
    expect(page.get_by_text("Selected: excel-export.csv")).to_be_visible()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Confirm import fields")).to_be_visible()
    expect(
        page.get_by_text("semicolon-separated, detected encoding Windows-1252")
    ).to_be_visible()
    expect(page.get_by_text("3 to be added")).to_be_visible()
    expect(page.locator("#mapping")).to_contain_text("Lefèvre")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Upload the file").click()

    expect(page.get_by_text("Import finished: 3 added")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Back to Cohorte été").click()
    contacts = page.locator("#contacts")
    expect(contacts).to_contain_text("Inès")
    expect(contacts).to_contain_text("Lefèvre")
    expect(contacts).to_contain_text("D'Arcy")
    expect(contacts).to_contain_text("Sociologie; Droit")
    expect(contacts).to_contain_text("Zoë")
    assert_no_axe_violations(page)
    contact_list = ContactList.objects.get(owner=owner)
    assert list(
        contact_list.contacts.order_by("id").values_list("first_name", "last_name")
    ) == [
        ("Inès", "Lefèvre"),
        ("François", "D'Arcy"),
        ("Zoë", "Nuñez"),
    ]
    assert contact_list.embedded_fields == ["Département"]


def test_manual_input_with_a_bad_email_fixed_in_place(logged_in_page, owner):
    page = logged_in_page
    create_a_list(page, "Typed by hand")
    page.get_by_role("link", name="Manual input").click()
    expect(page.get_by_role("heading", name="Manual input")).to_be_visible()
    assert_no_axe_violations(page)

    rows = [
        ("Ana", "Abara", "ana@example.edu"),
        ("Bo", "Berg", "bo.example.edu"),
        ("Chloé", "Dubois", "chloe@example.edu"),
    ]
    for number, (first, last, email) in enumerate(rows, start=1):
        page.get_by_label(f"First name, row {number}", exact=True).fill(first)
        page.get_by_label(f"Last name, row {number}", exact=True).fill(last)
        page.get_by_label(f"Email, row {number}", exact=True).fill(email)
    page.get_by_role("button", name="Add column").click()
    page.get_by_placeholder("Column name").fill("Cohort")
    page.get_by_label("New column, row 1").fill("2026")
    page.get_by_role("button", name="Next").click()

    bad = page.get_by_label("Email, row 2", exact=True)
    expect(bad).to_have_class("form-control form-control-sm is-invalid")
    expect(page.locator("#err-email-2")).to_have_text(
        "'bo.example.edu' is not a valid email address."
    )
    assert_no_axe_violations(page)
    assert not Contact.objects.exists()

    bad.fill("bo@example.edu")
    page.get_by_role("button", name="Add row").click()
    expect(page.get_by_label("Email, row 4", exact=True)).to_be_visible()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("3 contacts added to Typed by hand.")).to_be_visible()
    contacts = page.locator("#contacts")
    expect(contacts).to_contain_text("bo@example.edu")
    expect(contacts).to_contain_text("Chloé")
    assert list(
        Contact.objects.order_by("id").values_list(
            "first_name", "email", "embedded_data"
        )
    ) == [
        ("Ana", "ana@example.edu", {"Cohort": "2026"}),
        ("Bo", "bo@example.edu", {"Cohort": ""}),
        ("Chloé", "chloe@example.edu", {"Cohort": ""}),
    ]


def test_opt_outs_page_is_accessible(logged_in_page, owner):
    page = logged_in_page
    page.goto("/directories/opt-outs/")
    page.get_by_label("Email address").fill("gone@example.edu")
    page.get_by_role("button", name="Add to opt-outs").click()
    expect(page.locator("#suppressions")).to_contain_text("gone@example.edu")
    assert_no_axe_violations(page)
