"""Response IDs: opaque R_ IDs on the owner's pages, in exports and in the admin."""

import csv
import importlib
import io
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from surveys.models import Response, new_response_id
from tests.distributions.ui_support import (
    QUESTION_ID,
    email_distribution,
    published_survey,
)
from tests.factories import UserFactory, build_survey
from tests.helpers import make_list
from tests.surveys.conftest import page1_answers, page2_answers

pytestmark = pytest.mark.django_db

SHAPE = re.compile(r"^R_[A-Za-z0-9]{15}$")


def _answered(survey, count=1) -> list[Response]:
    """Return `count` responses made through the anonymous link, oldest first."""
    for _ in range(count):
        respondent = Client()
        respondent.post(f"/r/{survey.public_key}/", page1_answers(survey))
        respondent.post(f"/r/{survey.public_key}/", page2_answers(survey))
    return list(survey.responses.order_by("id"))


def _csv(http) -> list[list[str]]:
    assert http.status_code == 200
    raw = b"".join(http.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(raw)))


def test_a_response_made_by_a_respondent_gets_a_qualtrics_shaped_id(owner):
    (response,) = _answered(build_survey(owner))

    assert SHAPE.match(response.public_id)


def test_ids_use_the_whole_alphabet_and_only_it():
    ids = [new_response_id() for _ in range(2000)]

    assert all(SHAPE.match(public_id) for public_id in ids)
    assert len(set(ids)) == len(ids)
    used = set("".join(public_id[2:] for public_id in ids))
    assert len(used) == 62


def test_ids_are_not_sequential(owner):
    survey = build_survey(owner)
    version = survey.versions.get()
    made = [
        Response.objects.create(survey=survey, version=version, channel="anonymous")
        for _ in range(20)
    ]
    ids = [response.public_id for response in made]

    # A counter in disguise (base-62 pk, timestamp) keeps its order and its prefix;
    # 20 random IDs do either with a probability below 1e-18.
    assert ids != sorted(ids)
    assert len({public_id[2] for public_id in ids}) > 1


def test_the_database_refuses_a_duplicate_id(owner):
    survey = build_survey(owner)
    version = survey.versions.get()
    first = Response.objects.create(survey=survey, version=version, channel="anonymous")

    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.bulk_create(
            [
                Response(
                    survey=survey,
                    version=version,
                    channel="anonymous",
                    public_id=first.public_id,
                )
            ]
        )


def test_the_responses_csv_shows_the_id(owner_client, owner):
    survey = build_survey(owner)
    first, second = _answered(survey, 2)

    rows = _csv(owner_client.get(f"/surveys/{survey.pk}/responses/export/"))

    assert rows[0][0] == "Response ID"
    assert sorted(row[0] for row in rows[1:]) == sorted(
        [first.public_id, second.public_id]
    )


def test_the_response_pages_show_the_id_and_use_it_in_the_url(owner_client, owner):
    survey = build_survey(owner)
    (response,) = _answered(survey)
    detail_url = f"/surveys/{survey.pk}/responses/{response.public_id}/"

    listing = owner_client.get(f"/surveys/{survey.pk}/responses/").content.decode()
    assert f'href="{detail_url}"' in listing
    assert f">{response.public_id}</a>" in listing

    detail = owner_client.get(detail_url)
    assert detail.status_code == 200
    assert f"Response {response.public_id}" in detail.content.decode()
    # The sequential key is no longer an address.
    gone = owner_client.get(f"/surveys/{survey.pk}/responses/{response.pk}/")
    assert gone.status_code == 404


def test_a_response_id_under_another_survey_is_not_found(owner_client, owner):
    (response,) = _answered(build_survey(owner))
    other = build_survey(owner, title="Other")

    http = owner_client.get(f"/surveys/{other.pk}/responses/{response.public_id}/")

    assert http.status_code == 404


def test_the_admin_lists_and_finds_responses_by_id(client, owner):
    first, second = _answered(build_survey(owner), 2)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:surveys_response_changelist")

    listing = client.get(changelist).content.decode()
    assert first.public_id in listing
    assert second.public_id in listing

    found = client.get(changelist, {"q": first.public_id}).content.decode()
    assert first.public_id in found
    assert second.public_id not in found
    page = client.get(reverse("admin:surveys_response_change", args=[first.pk]))
    assert first.public_id in page.content.decode()


# --- the migration ------------------------------------------------------------------

BEFORE = [("surveys", "0001_initial")]
AFTER = [("surveys", "0002_response_public_id")]


def test_the_migration_gives_every_existing_response_its_own_id(monkeypatch):
    """Migrate back, make responses with the old schema, migrate forward."""
    migration = importlib.import_module("surveys.migrations.0002_response_public_id")
    # Seven rows in batches of three: the keyset loop must walk past a batch's end.
    monkeypatch.setattr(migration, "BATCH_SIZE", 3)
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        user = old.get_model("auth", "User").objects.create(username="before")
        survey = old.get_model("surveys", "Survey").objects.create(
            owner=user, title="Old"
        )
        version = old.get_model("surveys", "SurveyVersion").objects.create(
            survey=survey, number=1, definition={"pages": []}
        )
        OldResponse = old.get_model("surveys", "Response")
        made = [
            OldResponse.objects.create(
                survey=survey, version=version, channel="anonymous"
            ).pk
            for _ in range(7)
        ]
        with connection.cursor() as cursor:
            # Run the deferred foreign-key checks now, as a commit would: rows that
            # exist before a deploy carry none, and ALTER TABLE refuses pending ones.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        ids = dict(
            new.get_model("surveys", "Response")
            .objects.filter(pk__in=made)
            .values_list("pk", "public_id")
        )
    finally:
        # Leave the schema as every other test expects it.
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)

    assert sorted(ids) == sorted(made)
    assert all(SHAPE.match(public_id) for public_id in ids.values())
    assert len(set(ids.values())) == 7


# --- the history CSV (distributions.selectors.history) ------------------------------


def test_the_history_csv_shows_the_response_id(owner_client, owner):
    """FAILS until the lead's one-line change is merged.

    distributions/selectors.py, _history_sql: select `r.public_id` instead of `r.id`.
    """
    survey = published_survey(owner)
    distribution = email_distribution(survey, make_list(owner, n=2))
    answered, unanswered = distribution.invitations.order_by("id")
    Client().post(f"/s/{answered.token}/", {"page": "1", f"q{QUESTION_ID}": "c1"})
    answered.refresh_from_db()
    assert answered.response is not None

    rows = _csv(
        owner_client.get(
            reverse(
                "distributions:email_history",
                kwargs={"survey_id": survey.pk, "pk": distribution.pk},
            )
        )
    )

    assert rows[0][0] == "Response ID"
    by_email = {row[3]: row for row in rows[1:]}
    assert by_email[answered.email][0] == answered.response.public_id
    assert SHAPE.match(by_email[answered.email][0])
    assert by_email[unanswered.email][0] == ""
