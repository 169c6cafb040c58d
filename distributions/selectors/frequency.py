"""The owner's contact frequency rule (services.frequency applies it)."""

from distributions.models import ContactFrequencyRule


def frequency_rule_get(*, user) -> ContactFrequencyRule | None:
    return ContactFrequencyRule.objects.filter(owner=user).first()
