"""The migration into teams: every owner's rows land in their personal team, with
them as its Owner, and nothing is lost. Run on a copy with data: migrate back to
before teams, make rows with the old models, migrate forward."""

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db

# Each app just before its `*_team` migration, and no teams app at all.
BEFORE = [
    ("surveys", "0007_response_export_filters"),
    ("directories", "0004_suppression_email_hash"),
    ("distributions", "0016_contact_frequency_rule"),
    ("api", "0003_idempotent_requests"),
    ("core", "0002_worker_lease"),
    ("teams", None),
]
# (app, model) of every row that gets a team.
OWNED = [
    ("surveys", "Survey"),
    ("directories", "ContactList"),
    ("directories", "Suppression"),
    ("distributions", "Message"),
    ("distributions", "Distribution"),
    ("distributions", "ContactFrequencyRule"),
    ("api", "ApiKey"),
    ("api", "WebhookEndpoint"),
    ("core", "AuditEntry"),
]


def _old_rows(old, user, n: int) -> None:
    """Give one owner `n` of most things, with the models before teams."""
    model = old.get_model
    lists = []
    for i in range(n):
        survey = model("surveys", "Survey").objects.create(
            owner=user, title=f"{user.username} survey {i}"
        )
        contact_list = model("directories", "ContactList").objects.create(
            owner=user, name=f"List {i}"
        )
        lists.append(contact_list)
        for j in range(3):
            model("directories", "Contact").objects.create(
                contact_list=contact_list, email=f"p{i}{j}@example.edu"
            )
        model("directories", "Suppression").objects.create(
            owner=user, email=f"gone{i}@example.edu"
        )
        model("distributions", "Message").objects.create(
            owner=user, name=f"Message {i}", subject="Hello", body="Hi"
        )
        model("distributions", "Distribution").objects.create(
            owner=user,
            survey=survey,
            contact_list=contact_list,
            kind="links",
            status="ready",
            list_name=contact_list.name,
        )
        model("api", "ApiKey").objects.create(
            owner=user, name=f"Key {i}", prefix=f"{user.pk}k{i}", secret_hash="x" * 64
        )
        model("core", "AuditEntry").objects.create(
            actor=user,
            actor_name=user.username,
            owner=user,
            action="links_downloaded",
            subject=f"Distribution {i}",
        )
    model("distributions", "ContactFrequencyRule").objects.create(
        owner=user, max_emails=2, days=30
    )
    model("api", "WebhookEndpoint").objects.create(
        owner=user, url="https://hooks.example.org/canvass", secret="s"
    )


def _owners_of(app, name, user_ids) -> dict:
    """{pk: owner id} of the model's rows of these users, with the given apps."""
    return dict(
        current_apps.get_model(app, name)
        .objects.filter(owner_id__in=user_ids)
        .values_list("pk", "owner_id")
    )


def test_every_owners_rows_move_into_their_personal_team():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(
            [node for node in BEFORE if node[1] is not None]
        ).apps
        User = old.get_model("auth", "User")
        ada = User.objects.create(username="ada@example.org")
        bob = User.objects.create(username="bob@example.org")
        _old_rows(old, ada, 3)
        _old_rows(old, bob, 2)
        before = {
            (app, name): dict(
                old.get_model(app, name)
                .objects.filter(owner__in=[ada, bob])
                .values_list("pk", "owner_id")
            )
            for app, name in OWNED
        }
        contacts = old.get_model("directories", "Contact").objects.count()
        with connection.cursor() as cursor:
            # Run the deferred foreign-key checks now, as a commit would: rows that
            # exist before a deploy carry none, and ALTER TABLE refuses pending ones.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

        executor = MigrationExecutor(connection)
        executor.migrate(leaves)

        Team = current_apps.get_model("teams", "Team")
        Membership = current_apps.get_model("teams", "Membership")
        personal = dict(
            Team.objects.filter(personal_for__in=[ada.pk, bob.pk]).values_list(
                "personal_for_id", "pk"
            )
        )
        after = {}
        for app, name in OWNED:
            rows = current_apps.get_model(app, name).objects.filter(
                owner_id__in=[ada.pk, bob.pk]
            )
            after[(app, name)] = {
                pk: (owner_id, team_id)
                for pk, owner_id, team_id in rows.values_list(
                    "pk", "owner_id", "team_id"
                )
            }
        memberships = sorted(
            Membership.objects.filter(user_id__in=[ada.pk, bob.pk]).values_list(
                "team_id", "user_id", "role"
            )
        )
        contacts_after = current_apps.get_model(
            "directories", "Contact"
        ).objects.count()
    finally:
        # Leave the schema as every other test expects it.
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)

    assert sorted(personal) == sorted([ada.pk, bob.pk])
    assert personal[ada.pk] != personal[bob.pk]
    assert memberships == sorted(
        [(personal[ada.pk], ada.pk, "owner"), (personal[bob.pk], bob.pk, "owner")]
    )
    for key, rows in before.items():
        moved = after[key]
        assert sorted(moved) == sorted(rows), f"{key}: rows lost or added"
        for pk, owner_id in rows.items():
            assert moved[pk] == (owner_id, personal[owner_id]), key
    assert len(before[("surveys", "Survey")]) == 5
    assert contacts_after == contacts == 15
