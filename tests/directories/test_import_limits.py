"""Contact files Canvass cannot store are refused at upload; finished imports answer.

Issue 14, point 6: a file with 1,700 columns passed PostgreSQL's limit on a table's
columns (one temporary column per CSV column) and ended in a 500; the counts of
Confirm import fields, asked for once the import had finished, were a 500 too.
"""

from pathlib import Path

from django.urls import reverse

from directories.models import Contact, ContactImport
from directories.reader import MAX_COLUMNS
from tests.directories.conftest import csv_bytes, page_text, upload, upload_and_confirm


def _wide_file(columns: int) -> bytes:
    header = ["Email"] + [f"Field{i}" for i in range(1, columns)]
    row = ["ana@example.edu"] + [str(i) for i in range(1, columns)]
    return csv_bytes([header, row])


def test_a_file_wider_than_canvass_can_store_is_refused_at_upload_with_the_limit(
    owner_client, contact_list
):
    answered = upload(owner_client, contact_list, _wide_file(1700))

    assert answered.status_code == 400
    text = page_text(answered)
    assert "1700 columns" in text
    assert f"at most {MAX_COLUMNS}." in text
    assert not ContactImport.objects.exists()


def test_the_widest_file_allowed_imports(owner_client, contact_list):
    _, result, contact_import = upload_and_confirm(
        owner_client, contact_list, _wide_file(MAX_COLUMNS)
    )

    assert contact_import.status == ContactImport.Status.DONE, contact_import.error
    contact = Contact.objects.get(contact_list=contact_list)
    assert len(contact.embedded_data) == MAX_COLUMNS - 1


def test_the_counts_of_a_finished_import_lead_to_its_result(owner_client, contact_list):
    data = csv_bytes([["Email"], ["a@example.edu"], ["b@example.edu"]])
    _, _, contact_import = upload_and_confirm(owner_client, contact_list, data)
    assert contact_import.status == ContactImport.Status.DONE
    counts_url = reverse(
        "directories:import_counts", args=[contact_list.pk, contact_import.pk]
    )
    detail_url = reverse(
        "directories:import_detail", args=[contact_list.pk, contact_import.pk]
    )

    plain = owner_client.get(counts_url)
    htmx = owner_client.get(counts_url, headers={"HX-Request": "true"})

    assert plain.status_code == 302 and plain["Location"] == detail_url
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == detail_url


def test_counts_of_a_file_no_longer_stored_say_so(owner_client, contact_list):
    data = csv_bytes([["Email"], ["a@example.edu"]])
    confirm_url = upload(owner_client, contact_list, data)["Location"]
    contact_import = ContactImport.objects.get()
    Path(contact_import.stored_path).unlink()

    counts = owner_client.get(confirm_url.replace("/confirm/", "/counts/"))
    confirm = owner_client.get(confirm_url)

    assert counts.status_code == 200
    assert "no longer stored" in page_text(counts)
    assert confirm.status_code == 200
