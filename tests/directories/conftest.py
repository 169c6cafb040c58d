"""Helpers for directories tests: files as spreadsheets write them, uploads.

Larger sample files come from core.contact_samples.write_contacts (the generator
behind `manage.py make_contacts`)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from directories.models import ContactImport
from tests.factories import ContactListFactory


def csv_bytes(rows, *, encoding="utf-8", delimiter=",", newline="\r\n") -> bytes:
    """Return rows (lists of cells) as a CSV file's bytes, quoting like Excel."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to this test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def contact_list(owner):
    return ContactListFactory(owner=owner, name="Spring cohort")


def upload(client, contact_list, data: bytes, name="contacts.csv"):
    """Upload a file on the Upload a file page; return the response (no redirects)."""
    return client.post(
        reverse("directories:upload", args=[contact_list.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def upload_and_confirm(
    client, contact_list, data: bytes, name="contacts.csv", **choices
):
    """Upload, open Confirm import fields, then press Upload the file with choices.

    Return (confirm page response, result page response, ContactImport).
    """
    response = upload(client, contact_list, data, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    confirm_url = response["Location"]
    confirm = client.get(confirm_url)
    assert confirm.status_code == 200
    contact_import = ContactImport.objects.get(
        pk=int(confirm_url.rstrip("/").split("/")[-2])
    )
    post = confirm_post_data(confirm, **choices)
    post["action"] = "upload"
    response = client.post(confirm_url, post)
    assert response.status_code == 302, response.content.decode()[:3000]
    result = client.get(response["Location"])
    contact_import.refresh_from_db()
    return confirm, result, contact_import


def confirm_post_data(confirm_response, **choices) -> dict:
    """Return the Confirm import fields form's current values, with overrides."""
    form = confirm_response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name == "skip_invalid":
            if value:
                data[name] = "on"
            continue
        data[name] = value
    for key, value in choices.items():
        if key == "skip_invalid":
            if value:
                data["skip_invalid"] = "on"
            else:
                data.pop("skip_invalid", None)
        else:
            data[key] = value
    return data


def page_text(response) -> str:
    """Return the visible text of a page, tags stripped, spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    import html as html_lib

    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()
