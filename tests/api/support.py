"""Helpers for the API tests: a client that calls with a key."""

from rest_framework.test import APIClient

from api.services import api_key_create


def key_client(owner, *, access="write", name="test") -> tuple[APIClient, object]:
    """Return an API client sending a new key of `owner`'s, and the key row."""
    key, text = api_key_create(owner=owner, name=name, access=access)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    return client, key
