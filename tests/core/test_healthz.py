"""GET /healthz tells a load balancer whether the database and the broker answer."""

import pytest
from django.urls import reverse

from tests.harness import free_port


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get(reverse("core:public_healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    # Nothing listens on this port: the broker check must fail, the database one not.
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "unreachable",
    }


def test_healthz_needs_no_login_and_refuses_post(client, db):
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
