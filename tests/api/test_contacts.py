"""Lists and contacts through the API: CRUD, pages, filters, bulk upsert, imports."""

import time

import pytest
from django.utils import timezone

from directories.models import Contact, ContactImport
from tests.api.support import key_client
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(owner):
    return key_client(owner)[0]


def test_list_crud(api, owner):
    created = api.post("/api/v1/lists/", {"name": "Staff"}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert (
        api.patch(f"/api/v1/lists/{pk}/", {"name": "Faculty"}, format="json").json()[
            "name"
        ]
        == "Faculty"
    )
    assert [row["name"] for row in api.get("/api/v1/lists/").json()["results"]] == [
        "Faculty"
    ]
    assert api.delete(f"/api/v1/lists/{pk}/").status_code == 204
    assert api.get(f"/api/v1/lists/{pk}/").status_code == 404


def test_contacts_paged_by_cursor_and_filtered(api, owner):
    contact_list = make_list(owner, n=25)
    url = f"/api/v1/lists/{contact_list.pk}/contacts/?limit=10"
    seen, pages = [], 0
    while url:
        page = api.get(url).json()
        seen += [row["email"] for row in page["results"]]
        url = page["next"]
        pages += 1
    assert pages == 3 and len(seen) == 25 and len(set(seen)) == 25
    found = api.get(f"/api/v1/lists/{contact_list.pk}/contacts/?q=person7@").json()
    assert [row["email"] for row in found["results"]] == ["person7@example.edu"]
    mark = timezone.now()
    time.sleep(0.01)
    Contact.objects.filter(email="person3@example.edu").update(
        updated_at=timezone.now()
    )
    since = api.get(
        f"/api/v1/lists/{contact_list.pk}/contacts/",
        {"updated_since": mark.isoformat()},
    ).json()
    assert [row["email"] for row in since["results"]] == ["person3@example.edu"]


def test_contact_add_update_delete(api, owner):
    contact_list = make_list(owner, n=0)
    base = f"/api/v1/lists/{contact_list.pk}/contacts/"
    created = api.post(
        base,
        {"email": "ana@uni.edu", "first_name": "Ana", "embedded_data": {"dept": "Bio"}},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    again = api.post(base, {"email": "ANA@uni.edu"}, format="json")
    assert again.status_code == 400
    patched = api.patch(f"{base}{pk}/", {"last_name": "Lee"}, format="json").json()
    assert (patched["first_name"], patched["last_name"]) == ("Ana", "Lee")
    assert patched["embedded_data"] == {"dept": "Bio"}
    assert api.delete(f"{base}{pk}/").status_code == 204
    assert not Contact.objects.filter(pk=pk).exists()


def test_bulk_upsert_adds_and_updates_by_email(api, owner):
    contact_list = make_list(owner, rows=[{"email": "a@uni.edu", "first_name": "A"}])
    url = f"/api/v1/lists/{contact_list.pk}/contacts/bulk/"
    rows = [
        {"email": "A@uni.edu", "last_name": "Adams", "embedded_data": {"year": "2"}},
        *[{"email": f"new{i}@uni.edu", "first_name": f"N{i}"} for i in range(5)],
    ]
    response = api.post(url, {"contacts": rows}, format="json")
    assert response.json() == {"added": 5, "updated": 1}
    a = Contact.objects.get(contact_list=contact_list, email__iexact="a@uni.edu")
    # Fields left out keep their values; embedded data merges.
    assert (a.first_name, a.last_name, a.embedded_data) == ("A", "Adams", {"year": "2"})
    contact_list.refresh_from_db()
    assert "year" in contact_list.embedded_fields


def test_bulk_upsert_is_all_or_nothing(api, owner):
    contact_list = make_list(owner, n=0)
    url = f"/api/v1/lists/{contact_list.pk}/contacts/bulk/"
    rows = [
        {"email": "ok@uni.edu"},
        {"email": "not an address"},
        {"email": "OK@uni.edu"},
    ]
    response = api.post(url, {"contacts": rows}, format="json")
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"contacts[1].email", "contacts[2].email"}
    assert not Contact.objects.filter(contact_list=contact_list).exists()


def test_bulk_upsert_refuses_wrong_types_and_unknown_fields(api, owner):
    contact_list = make_list(owner, n=0)
    rows = [
        {"email": 5},
        {"email": "a@uni.edu", "colour": "red"},
        {"email": "b@uni.edu", "embedded_data": {"year": 2}},
        "c@uni.edu",
    ]
    response = api.post(
        f"/api/v1/lists/{contact_list.pk}/contacts/bulk/",
        {"contacts": rows, "mode": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "mode",
        "contacts[0].email",
        "contacts[1].colour",
        "contacts[2].embedded_data",
        "contacts[3]",
    }


def test_bulk_upsert_refuses_more_than_10000(api, owner):
    contact_list = make_list(owner, n=0)
    rows = [{"email": f"p{i}@uni.edu"} for i in range(10_001)]
    response = api.post(
        f"/api/v1/lists/{contact_list.pk}/contacts/bulk/",
        {"contacts": rows},
        format="json",
    )
    assert response.status_code == 400
    assert not Contact.objects.filter(contact_list=contact_list).exists()


def test_csv_upload_returns_a_pollable_import(api, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    contact_list = make_list(owner, n=0)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "people.csv", b"Email,FirstName\nx@uni.edu,X\ny@uni.edu,Y\n", "text/csv"
    )
    response = api.post(
        f"/api/v1/lists/{contact_list.pk}/imports/",
        {"file": upload},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    pk = response.json()["id"]
    polled = api.get(f"/api/v1/lists/{contact_list.pk}/imports/{pk}/").json()
    assert polled["status"] == ContactImport.Status.DONE
    assert polled["added"] == 2
