import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from distributions.models import Invitation
from distributions.services import invitations as invitations_module
from distributions.services.invitations import (
    invitation_statistics_refresh,
    invitations_copy_rows,
    invitations_create_from_list,
)
from surveys.respondent import response_create
from tests.factories import ContactFactory, DistributionFactory, build_survey


def test_every_contact_gets_one_unique_link_with_its_data(db):
    distribution = DistributionFactory()
    contacts = [
        ContactFactory(
            contact_list=distribution.contact_list, embedded_data={"Cohort": "2026"}
        )
        for _ in range(5)
    ]
    expires_at = timezone.now() + timedelta(days=60)

    created = invitations_create_from_list(
        distribution=distribution,
        contact_list=distribution.contact_list,
        expires_at=expires_at,
    )

    invitations = list(distribution.invitations.order_by("contact_id"))
    assert created == 5
    assert [i.email for i in invitations] == [c.email for c in contacts]
    assert invitations[0].embedded_data == {"Cohort": "2026"}
    assert len({i.token for i in invitations}) == 5
    assert all(len(i.token) >= 43 for i in invitations)
    assert invitations[0].expires_at == expires_at


def test_a_sample_takes_only_that_many_contacts(db):
    distribution = DistributionFactory()
    for _ in range(10):
        ContactFactory(contact_list=distribution.contact_list)

    created = invitations_create_from_list(
        distribution=distribution,
        contact_list=distribution.contact_list,
        expires_at=timezone.now() + timedelta(days=7),
        sample_size=3,
    )

    assert created == 3
    assert distribution.invitations.count() == 3


def test_copied_rows_pair_each_contact_with_its_own_fresh_token(db):
    distribution = DistributionFactory()
    contacts = [
        ContactFactory(contact_list=distribution.contact_list, first_name=f"N{i}")
        for i in range(7)
    ]
    expires_at = timezone.now() + timedelta(days=60)

    made, last = invitations_copy_rows(
        distribution=distribution,
        contact_list=distribution.contact_list,
        expires_at=expires_at,
        after_contact_id=contacts[1].pk,
        limit=3,
    )

    invitations = list(distribution.invitations.order_by("contact_id"))
    assert (made, last) == (3, contacts[4].pk)
    assert [(i.contact_id, i.first_name, i.email) for i in invitations] == [
        (c.pk, c.first_name, c.email) for c in contacts[2:5]
    ]
    # Each token has the shape of secrets.token_urlsafe(32): 43 URL-safe characters.
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", i.token) for i in invitations)
    assert len({i.token for i in invitations}) == 3
    assert all(i.expires_at == expires_at for i in invitations)

    # The rest of the list, in a second step: new tokens, none reused.
    made, last = invitations_copy_rows(
        distribution=distribution,
        contact_list=distribution.contact_list,
        expires_at=expires_at,
        after_contact_id=last,
        limit=10,
    )
    assert (made, last) == (2, contacts[6].pk)
    assert len(set(distribution.invitations.values_list("token", flat=True))) == 5


def test_a_response_belongs_to_one_invitation_at_most(db):
    distribution = DistributionFactory(survey=build_survey())
    for _ in range(2):
        ContactFactory(contact_list=distribution.contact_list)
    invitations_create_from_list(
        distribution=distribution,
        contact_list=distribution.contact_list,
        expires_at=timezone.now() + timedelta(days=7),
    )
    first, second = distribution.invitations.all()
    response = response_create(survey=distribution.survey, channel="invitation")
    first.response = response
    first.save(update_fields=["response"])

    second.response = response
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save(update_fields=["response"])


def invitation_table_rows_planned() -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'distributions_invitation'::regclass"
        )
        return cursor.fetchone()[0]


def test_a_large_batch_refreshes_the_planners_statistics(db, monkeypatch):
    monkeypatch.setattr(invitations_module, "ANALYZE_AFTER", 4)
    distribution = DistributionFactory()
    for _ in range(6):
        ContactFactory(contact_list=distribution.contact_list)
    made = invitations_create_from_list(
        distribution=distribution,
        contact_list=distribution.contact_list,
        expires_at=timezone.now() + timedelta(days=7),
    )

    assert not invitation_statistics_refresh(added=3)
    assert invitation_statistics_refresh(added=made)
    assert invitation_table_rows_planned() == Invitation.objects.count()
