"""Every user's personal team: where data made without naming a team goes.

Its own module so that core.audit can find a personal team without importing the
team services, which record to the audit trail themselves.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from teams import access
from teams.models import Membership, Role, Team


def personal_team(user) -> Team:
    """The user's own team, made on first need (sign-up, a test's user, a superuser
    made by manage.py): data made without naming a team goes here."""
    team = Team.objects.filter(personal_for_id=user.pk).first()
    if team is not None:
        return team
    try:
        with transaction.atomic():
            team = Team.objects.create(
                name=_personal_name(user), personal_for_id=user.pk
            )
            Membership.objects.create(team=team, user_id=user.pk, role=Role.OWNER)
    except IntegrityError:  # made at the same moment by another request
        team = Team.objects.get(personal_for_id=user.pk)
    access.forget(user)
    return team


def personal_team_id(user_id: int) -> int:
    team_id = (
        Team.objects.filter(personal_for_id=user_id)
        .values_list("id", flat=True)
        .first()
    )
    if team_id is None:
        team_id = personal_team(get_user_model().objects.get(pk=user_id)).pk
    return team_id


def _personal_name(user) -> str:
    return (user.get_username() or f"User {user.pk}")[:100]
