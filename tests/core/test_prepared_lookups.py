"""The respondent pages' lookups are planned once per connection (core.database.prepared)."""

import pytest
from django.db import connection

from core.database.prepared import fetchone_prepared
from distributions.selectors.invitations import invitation_by_token
from tests.distributions.ui_support import email_distribution, published_survey
from tests.helpers import make_list


def prepared_statements() -> dict[str, int]:
    """This connection's prepared statements: text → times PostgreSQL ran them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements"
        )
        return dict(cursor.fetchall())


def personal_link_token(owner) -> str:
    survey = published_survey(owner, access="invitation")
    distribution = email_distribution(survey, make_list(owner, n=1))
    return distribution.invitations.get().token


@pytest.mark.django_db
def test_the_personal_link_lookup_is_one_statement_run_again(owner):
    token = personal_link_token(owner)
    for _ in range(3):
        invitation = invitation_by_token(token=token)
        assert invitation.token == token
    runs = [
        count
        for text, count in prepared_statements().items()
        if "distributions_invitation" in text and "WHERE i.token = $1" in text
    ]
    assert runs == [3]


@pytest.mark.django_db
def test_django_still_sees_the_query(owner, django_assert_num_queries):
    token = personal_link_token(owner)
    with django_assert_num_queries(1) as captured:
        invitation_by_token(token=token)
    assert "WHERE i.token = $1" in captured.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_other_queries_are_never_prepared(owner):
    for _ in range(20):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int + 1", [1])
    assert not [text for text in prepared_statements() if "+ 1" in text]


@pytest.mark.django_db(transaction=True)
def test_a_changed_table_is_planned_anew():
    """A migration in a running process (the migration tests do it) must not leave
    a statement whose cached plan no longer fits the table."""
    sql = "SELECT * FROM core_prepared_probe WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE core_prepared_probe (id int, a text)")
        cursor.execute("INSERT INTO core_prepared_probe VALUES (1, 'x')")
    try:
        assert fetchone_prepared(sql, [1]) == (1, "x")
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_prepared_probe ADD COLUMN b text")
        assert fetchone_prepared(sql, [1]) == (1, "x", None)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE core_prepared_probe")
