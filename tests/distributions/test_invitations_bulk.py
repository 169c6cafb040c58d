from datetime import timedelta

from django.utils import timezone

from distributions.services.invitations import invitations_create_from_list
from tests.factories import ContactFactory, DistributionFactory


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
