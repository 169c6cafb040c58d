from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.navigation import NavEntry
from directories.navigation import register_contact_action
from surveys.navigation import (
    register_survey_action,
    register_survey_tab,
)


def distributions_tab_url(survey) -> str:
    """Return the Distributions tab of a survey: its Emails page."""
    return reverse("distributions:emails", kwargs={"survey_id": survey.pk})


def _contact_url(name: str):
    def url(contact) -> str:
        return reverse(
            f"distributions:{name}",
            kwargs={"list_pk": contact.contact_list_id, "contact_pk": contact.pk},
        )

    return url


def _survey_strip_url(survey) -> str:
    return reverse("distributions:survey_strip", kwargs={"survey_id": survey.pk})


class DistributionsConfig(AppConfig):
    name = "distributions"

    def ready(self):
        # Providers' tracking webhooks (bounces, complaints) reach services.bounces.
        from anymail.signals import tracking

        from distributions.bounces.webhooks import tracking_received

        tracking.connect(tracking_received, dispatch_uid="canvass-tracking")
        # Between the Survey and Responses tabs, as in Qualtrics.
        register_survey_tab(
            NavEntry(
                key="distributions",
                label=_("Distributions"),
                url=distributions_tab_url,
                order=50,
            )
        )
        # A person's data spans lists, invitations and responses: distributions
        # is the app that sees them all (services/privacy.py).
        register_contact_action(
            NavEntry(
                key="person_export",
                label=_("Export this person's data"),
                url=_contact_url("person_export"),
                order=10,
            )
        )
        register_contact_action(
            NavEntry(
                key="person_erase",
                label=_("Erase this person everywhere…"),
                url=_contact_url("person_erase"),
                order=20,
                danger=True,
            )
        )
        register_survey_action(
            NavEntry(
                key="survey_strip",
                label=_("Close and strip identifiers"),
                description=(
                    "At the end of data collection: close the survey and remove "
                    "names, emails, external references and embedded data from all "
                    "its invitations, emails and responses. Statuses, counts and "
                    "answers stay."
                ),
                url=_survey_strip_url,
            )
        )
        # An anonymous survey's finished responses lose their invitations' ties.
        # Imported in ready(): they import models, which must be loaded first.
        from distributions.services.public import invitations_finish_anonymously
        from surveys.respondent import register_anonymize_hook

        register_anonymize_hook(invitations_finish_anonymously)
