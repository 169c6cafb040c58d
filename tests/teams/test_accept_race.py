"""Two clicks on one invitation link at the same moment: one joins, one is told."""

import threading

import pytest
from django.db import connection

from teams import services
from teams.models import Membership, Role
from teams.services import invitations
from teams.services.invitations import InvitationClosed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_link_accepted_twice_at_once_joins_one_user():
    owner = UserFactory()
    team = services.team_create(user=owner, name="Race lab")
    invitation = invitations.invitation_create(
        user=owner, team=team, email="one@example.org", role=Role.EDITOR
    )
    _, token = invitations.invitation_token(invitation_id=invitation.pk)
    first, second = UserFactory(), UserFactory()
    start = threading.Barrier(2)
    outcomes = {}

    def accept(user):
        try:
            start.wait()
            invitations.invitation_accept(user=user, token=token)
            outcomes[user.pk] = "joined"
        except InvitationClosed as error:
            outcomes[user.pk] = error.message
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(u,)) for u in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    joined_one, told = sorted(outcomes.values(), key=lambda text: text != "joined")
    assert joined_one == "joined"
    assert "used already" in told
    joined = Membership.objects.filter(team=team).exclude(user=owner)
    assert joined.count() == 1
