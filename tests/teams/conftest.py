import pytest
from django.test import Client

from teams import services
from teams.models import Membership, Role
from tests.factories import UserFactory


@pytest.fixture
def team(owner):
    """A team made by `owner` (its Owner)."""
    return services.team_create(user=owner, name="Sleep lab")


def add_member(team, role, user=None):
    user = user or UserFactory()
    Membership.objects.create(team=team, user=user, role=role)
    return user


@pytest.fixture
def members(team, owner):
    """{role: user} of the team, the Owner being `owner`."""
    return {
        Role.OWNER: owner,
        Role.EDITOR: add_member(team, Role.EDITOR),
        Role.ANALYST: add_member(team, Role.ANALYST),
        Role.VIEWER: add_member(team, Role.VIEWER),
    }


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
