"""An erased person's opt-out stays as a keyed hash, and every suppression check
matches it (directories.suppression_hash)."""

import hashlib
import hmac

import pytest
from django.db import connection

from directories.models import Suppression
from directories.selectors import contact_list_opted_out_count
from directories.selectors.suppressions import (
    suppressed_email_set,
    suppression_exists,
    suppression_list,
)
from directories.services.privacy import suppression_hash_person
from directories.services.suppressions import suppression_add
from directories.suppression_hash import KEY_SALT, email_hash, email_hash_sql
from teams.services import personal_team_id
from tests.factories import ContactFactory, ContactListFactory


@pytest.mark.parametrize(
    "address", ["ana@example.edu", "Ana.Lopez@Example.EDU", "josé@exämple.org"]
)
@pytest.mark.django_db
def test_the_sql_hash_is_the_python_hmac(settings, address):
    settings.SUPPRESSION_HASH_SECRET = "a-secret-for-this-test"
    key = hashlib.sha256((KEY_SALT + "a-secret-for-this-test").encode()).digest()
    expected = hmac.new(key, address.lower().encode(), hashlib.sha256).hexdigest()

    sql, params = email_hash_sql("%s")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", [*params, address])
        [(in_sql,)] = cursor.fetchall()

    assert email_hash(address) == expected == in_sql


@pytest.mark.django_db
def test_the_hash_depends_on_the_secret(settings):
    settings.SUPPRESSION_HASH_SECRET = "one"
    first = email_hash("ana@example.edu")
    settings.SUPPRESSION_HASH_SECRET = "two"
    assert email_hash("ana@example.edu") != first
    assert email_hash("ANA@example.edu ") == email_hash("ana@example.edu")


@pytest.fixture
def hashed(owner):
    """The owner's opt-out of Ana, kept as a hash (as an erasure leaves it)."""
    suppression_add(owner=owner, email="Ana@Example.edu", reason="opted_out")
    team_id = personal_team_id(owner.pk)
    assert suppression_hash_person(team_id=team_id, email="ana@example.edu")
    suppression = Suppression.objects.get(owner=owner)
    assert suppression.email == ""
    assert suppression.email_hash == email_hash("ana@example.edu")
    return suppression


@pytest.mark.django_db
def test_every_check_matches_the_hash(owner, other_owner, hashed):
    mine, theirs = personal_team_id(owner.pk), personal_team_id(other_owner.pk)
    assert suppression_exists(team_id=mine, email="ANA@example.edu")
    assert not suppression_exists(team_id=theirs, email="ana@example.edu")
    assert not suppression_exists(team_id=mine, email="bo@example.edu")
    assert "ana@example.edu" in suppressed_email_set(team_id=mine)
    assert "bo@example.edu" not in suppressed_email_set(team_id=mine)
    # Adding the address again finds it already suppressed: no second row.
    assert not suppression_add(owner=owner, team_id=mine, email="ana@example.edu")
    assert Suppression.objects.filter(team_id=mine).count() == 1
    # The whole address finds the hashed row on the opt-out list page.
    found = suppression_list(user=owner, team_id=mine, query="ana@example.edu")
    assert list(found) == [hashed]


@pytest.mark.django_db
def test_a_re_imported_contact_counts_as_opted_out(owner, hashed):
    the_list = ContactListFactory(owner=owner)
    ContactFactory(contact_list=the_list, email="ana@EXAMPLE.edu")
    ContactFactory(contact_list=the_list, email="bo@example.edu")

    assert contact_list_opted_out_count(contact_list=the_list) == 1


@pytest.mark.django_db
def test_an_address_not_suppressed_is_not_hashed(owner):
    assert not suppression_hash_person(
        team_id=personal_team_id(owner.pk), email="ana@example.edu"
    )
    assert not Suppression.objects.exists()


@pytest.mark.django_db
def test_the_opt_out_page_shows_a_hashed_row_without_an_address(client, owner, hashed):
    client.force_login(owner)

    page = client.get("/directories/opt-outs/?q=ana@example.edu").content.decode()

    assert "Erased person" in page and "one-way hash" in page
    assert "ana@example.edu" not in page.replace('value="ana@example.edu"', "")
