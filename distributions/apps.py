from django.apps import AppConfig
from django.urls import reverse

from surveys.navigation import SurveyTab, register_survey_tab


def distributions_tab_url(survey) -> str:
    """Return the Distributions tab of a survey: its Emails page."""
    return reverse("distributions:emails", kwargs={"survey_id": survey.pk})


class DistributionsConfig(AppConfig):
    name = "distributions"

    def ready(self):
        # Between the Survey and Responses tabs, as in Qualtrics.
        register_survey_tab(
            SurveyTab(
                key="distributions",
                label="Distributions",
                url=distributions_tab_url,
                order=50,
            )
        )
        # An anonymous survey's finished responses lose their invitations' ties.
        from distributions.services.public import invitations_finish_anonymously
        from surveys.respondent import register_anonymize_hook

        register_anonymize_hook(invitations_finish_anonymously)
