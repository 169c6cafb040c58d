"""A team's contact frequency rule (services.frequency applies it)."""

from distributions.models import ContactFrequencyRule
from teams import access
from teams.access import Right


def frequency_rule_get(*, user, team_id: int) -> ContactFrequencyRule | None:
    access.require(user, team_id, Right.VIEW)
    return ContactFrequencyRule.objects.filter(team_id=team_id).first()
