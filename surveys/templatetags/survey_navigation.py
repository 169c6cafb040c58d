from django import template

from surveys.navigation import survey_tabs

register = template.Library()


@register.simple_tag
def survey_tab_links(survey):
    """Return the survey's tabs for `{% survey_tab_links survey as tabs %}`."""
    return survey_tabs(survey)
