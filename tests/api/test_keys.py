"""API keys: made on the profile, shown once, stored as a hash, revoked at once."""

import hashlib

import pytest
from django.urls import reverse

from api.models import ApiKey
from tests.api.support import key_client
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


def test_profile_links_to_keys_and_a_key_is_shown_once(owner_client, owner):
    profile = owner_client.get(reverse("accounts:profile")).content.decode()
    assert reverse("api:keys") in profile
    response = owner_client.post(
        reverse("api:keys"), {"name": "SIS sync", "access": "write"}
    )
    assert response.status_code == 200
    text = response.context["new_key"]
    assert text.startswith("cvk_") and text in response.content.decode()
    key = ApiKey.objects.get(owner=owner)
    assert key.name == "SIS sync" and key.writable
    # Only the hash is kept, and the page never shows the key again.
    secret = text.removeprefix("cvk_").partition("_")[2]
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in owner_client.get(reverse("api:keys")).content.decode()


def test_key_authenticates_and_records_last_use(owner):
    client, key = key_client(owner)
    assert key.last_used_at is None
    assert client.get("/api/v1/lists/").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_revoked_key_gets_401_as_problem(owner_client, owner):
    client, key = key_client(owner)
    assert client.get("/api/v1/lists/").status_code == 200
    owner_client.post(reverse("api:key_revoke", args=[key.pk]))
    response = client.get("/api/v1/lists/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "This key was revoked."


def test_wrong_and_missing_keys_get_401(owner):
    client, _ = key_client(owner)
    client.credentials(HTTP_AUTHORIZATION="Bearer cvk_nothere_abc")
    assert client.get("/api/v1/lists/").status_code == 401
    client.credentials()
    assert client.get("/api/v1/lists/").status_code == 401


def test_another_owners_key_cannot_be_revoked(client, owner, other_owner):
    _, key = key_client(owner)
    client.force_login(other_owner)
    assert client.post(reverse("api:key_revoke", args=[key.pk])).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_read_only_key_reads_but_cannot_write(owner):
    contact_list = make_list(owner, n=1)
    client, _ = key_client(owner, access="read")
    assert client.get(f"/api/v1/lists/{contact_list.pk}/").status_code == 200
    response = client.post("/api/v1/lists/", {"name": "New"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "This key is read-only."


def test_session_login_works_for_the_docs(owner_client):
    assert owner_client.get("/api/v1/lists/").status_code == 200
    docs = owner_client.get("/api/docs/")
    assert docs.status_code == 200
    schema = owner_client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/lists/" in schema.content


def test_rate_limit_answers_429_with_retry_after(owner, settings):
    settings.API_RATE_LIMIT = 3
    settings.API_RATE_WINDOW = 60
    client, _ = key_client(owner)
    codes = [client.get("/api/v1/lists/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/lists/")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["status"] == 429
    # Another key of the same owner has its own count.
    other, _ = key_client(owner)
    assert other.get("/api/v1/lists/").status_code == 200
