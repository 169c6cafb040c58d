"""schemathesis against the live API: a real gunicorn on the test database, a
read-write key, every operation and method of /api/schema/, real objects' ids in
the paths. No 5xx, no response that breaks the schema, and no status the schema
does not declare for the operation (its problem-details errors included).

Slow by nature (a server and a few thousand requests): `make test` and CI run it,
`make test-fast` does not.
"""

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from api.services import api_key_create
from api.webhooks.endpoints import webhook_endpoint_create
from directories.models import Contact, ContactImport, Suppression
from distributions.models import Invitation
from distributions.services.links import links_generate
from teams.services import personal_team_id
from tests import harness
from tests.distributions.pipeline_support import email_distribution, published_survey
from tests.helpers import make_list

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CHECKS = ",".join(
    [
        "not_a_server_error",
        "response_schema_conformance",
        "content_type_conformance",
        "status_code_conformance",
    ]
)


@pytest.fixture
def api_server(transactional_db, tmp_path):
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115
    process, port = harness.start_gunicorn(log=log, API_RATE_LIMIT="0")
    yield f"http://127.0.0.1:{port}", process
    harness.stop_gunicorn(process)
    log.close()


def _objects(owner, settings) -> dict:
    survey = published_survey(owner)
    contact_list = make_list(owner, n=20, embedded_fields=["dept"])
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=contact_list,
        expires_at=timezone.now() + timedelta(days=30),
    )
    email = email_distribution(
        survey, contact_list, send_at=timezone.now() + timedelta(days=5)
    )
    return {
        "survey": survey.pk,
        "list": contact_list.pk,
        "contact": Contact.objects.filter(contact_list=contact_list).first().pk,
        "import": ContactImport.objects.create(
            owner=owner,
            team_id=personal_team_id(owner.pk),
            contact_list=contact_list,
            original_name="a.csv",
        ).pk,
        "batch": batch.pk,
        "email": email.pk,
        "link": Invitation.objects.filter(distribution=batch).first().pk,
        "suppression": Suppression.objects.create(
            owner=owner, team_id=personal_team_id(owner.pk), email="x@uni.edu"
        ).pk,
        "webhook": _webhook(owner, settings).pk,
    }


def _webhook(owner, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    return webhook_endpoint_create(
        owner=owner, url="http://127.0.0.1:9/hook", events=["response.finished"]
    )


def _config(ids: dict) -> str:
    """Return a schemathesis.toml that puts real ids into the paths."""
    rules = [
        (r"^/api/v1/lists/\{id\}/$", {"id": ids["list"]}),
        (r"/contacts/\{id\}/$", {"id": ids["contact"]}),
        (r"/imports/\{id\}/$", {"id": ids["import"]}),
        (r"^/api/v1/surveys/\{id\}/$", {"id": ids["survey"]}),
        (r"/distributions/\{id\}/", {"id": ids["email"]}),
        (r"/link-batches/\{id\}/", {"id": ids["batch"], "link_pk": ids["link"]}),
        (r"^/api/v1/suppressions/\{id\}/$", {"id": ids["suppression"]}),
        (r"^/api/v1/webhooks/\{id\}/", {"id": ids["webhook"]}),
    ]
    lines = [
        "[parameters]",
        f'"path.list_pk" = {ids["list"]}',
        f'"path.survey_pk" = {ids["survey"]}',
    ]
    for regex, values in rules:
        lines += ["", "[[operations]]", f"include-path-regex = '{regex}'"]
        lines.append(
            "parameters = { "
            + ", ".join(f'"path.{name}" = {value}' for name, value in values.items())
            + " }"
        )
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(900)
def test_schemathesis_finds_no_server_error_and_no_schema_break(
    owner, api_server, tmp_path, settings
):
    base, server = api_server
    _, key = api_key_create(owner=owner, name="schemathesis", access="write")
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(_objects(owner, settings)))
    run = subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "st"),
            "--config-file",
            str(config),
            "run",
            f"{base}/api/schema/",
            "--header",
            f"Authorization: Bearer {key}",
            "--checks",
            CHECKS,
            "--max-examples",
            "25",
            "--seed",
            "19",
            # One worker: hypothesis' lambda-source cache is not thread-safe
            # ("AST constructor recursion depth mismatch" with two).
            "--workers",
            "1",
            "--no-color",
            "--request-timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    selected = re.search(r"Selected: (\d+)/(\d+)", report)
    tested = re.search(r"Tested: (\d+)", report)
    assert selected and tested, report
    # Every operation of the schema was run, none filtered out or skipped.
    assert selected[1] == selected[2] == tested[1], report
