"""Errors are RFC 9457 problem details with field errors, never a 500."""

import pytest

from tests.api.support import key_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(owner):
    return key_client(owner)[0]


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_unknown_field_is_refused(api):
    body = _problem(
        api.post("/api/v1/lists/", {"name": "A", "colour": "red"}, format="json"), 400
    )
    assert body["errors"] == [{"field": "colour", "message": "Unknown field."}]


def test_missing_and_wrong_type_fields(api):
    body = _problem(api.post("/api/v1/lists/", {"name": 3.5}, format="json"), 400)
    assert body["errors"][0]["field"] == "name"
    body = _problem(api.post("/api/v1/lists/", {}, format="json"), 400)
    assert body["errors"] == [{"field": "name", "message": "This field is required."}]
    _problem(api.post("/api/v1/lists/", [1, 2], format="json"), 400)


def test_bad_json_nul_and_nan_are_400(api):
    for raw in (b"{", b'{"name": NaN}', b'{"name": "a\\u0000b"}', b"\xff\xfe"):
        _problem(api.post("/api/v1/lists/", raw, content_type="application/json"), 400)


def test_oversized_body_is_413(api, settings):
    settings.API_MAX_BODY_BYTES = 2048
    raw = b'{"name": "' + b"x" * 4000 + b'"}'
    body = _problem(
        api.post("/api/v1/lists/", raw, content_type="application/json"), 413
    )
    assert "too large" in body["detail"]


def test_wrong_media_type_and_method(api):
    _problem(api.post("/api/v1/lists/", "name=a", content_type="text/plain"), 415)
    _problem(api.put("/api/v1/lists/", {}, format="json"), 405)


def test_not_found_and_service_refusal_are_problems(api):
    _problem(api.get("/api/v1/lists/999999/"), 404)
    _problem(api.get("/api/v1/lists/99999999999999999999/"), 404)
    api.post("/api/v1/lists/", {"name": "Staff"}, format="json")
    body = _problem(api.post("/api/v1/lists/", {"name": "staff"}, format="json"), 400)
    assert "already have a list" in body["detail"]


def test_bad_cursor_and_limit(api):
    _problem(api.get("/api/v1/lists/?cursor=%%%"), 400)
    _problem(api.get("/api/v1/lists/?limit=0"), 400)
    _problem(api.get("/api/v1/lists/?updated_since=yesterday"), 400)


def test_a_nul_in_the_query_or_a_form_field_is_a_problem_not_a_page(api, client):
    response = api.get("/api/v1/lists/?cursor=%00")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 400 and "NUL" in response.json()["detail"]
    # Pages keep Django's 400 page.
    page = client.get("/accounts/login/?next=%00")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
