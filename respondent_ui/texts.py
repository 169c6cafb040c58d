"""What Canvass's Python code says to respondents, through gettext.

Every function returns the text in the active language (surveys.respondent renders
each respondent page inside respondent_ui.language.speaking). A respondent-visible
string in another module would be missed by makemessages run in this app: add it
here (docs/architecture.md, Languages).
"""

from django.utils.translation import gettext, gettext_lazy

REQUIRED = gettext_lazy("This question requires an answer.")
EVERY_STATEMENT = gettext_lazy("Answer every statement.")
CHOOSE_ONE = gettext_lazy("Choose one of the options.")
CHOOSE_AMONG = gettext_lazy("Choose among the options.")
CHOOSE_PER_STATEMENT = gettext_lazy("Choose one of the options for each statement.")
EMAIL_LIKE = gettext_lazy("Enter an email address like name@example.org.")
SCALE_POINT = gettext_lazy("Choose one of the points on the scale.")
NUMBER_LIKE = gettext_lazy("Enter a number, like 42.")
NPS_NUMBER = gettext_lazy("Choose a number from 0 to 10.")
DATE_LIKE = gettext_lazy("Enter a date as year-month-day, like 2026-03-31.")
RANK_EVERY = gettext_lazy("Rank every item, or leave them all blank.")
NPS_LOW = gettext_lazy("Not at all likely")
NPS_HIGH = gettext_lazy("Extremely likely")
REQUIRED_HINT = gettext_lazy("(required)")
CHOOSE_PROMPT = gettext_lazy("Choose…")
RANK_PROMPT = gettext_lazy("Rank…")
INVITATION_ONLY = gettext_lazy(
    "This survey can only be taken by invitation.\n"
    "Open it with the personal link in the email that invited you: each person's "
    "link is their own. Can't find it? Ask whoever sent you the survey."
)


def number_too_large(digits: int) -> str:
    return gettext(
        "Enter a number with at most %(digits)s digits before the decimal point."
    ) % {"digits": digits}


def number_between(low, high) -> str:
    return gettext("Enter a number from %(low)s to %(high)s.") % {
        "low": low,
        "high": high,
    }


def number_at_least(low) -> str:
    return gettext("Enter a number of at least %(low)s.") % {"low": low}


def number_at_most(high) -> str:
    return gettext("Enter a number of at most %(high)s.") % {"high": high}


def answer_under(limit: int) -> str:
    return gettext("Keep the answer under %(limit)s characters.") % {"limit": limit}


def rank_each(size: int) -> str:
    return gettext("Give each item a different rank from 1 to %(size)s.") % {
        "size": size
    }


def rank_hint(size: int) -> str:
    return gettext("Give each item a rank: 1 for the first, %(size)s for the last.") % {
        "size": size
    }


def other_missing(label: str) -> str:
    return gettext(
        "Type your answer next to “%(label)s”, or choose another option."
    ) % {"label": label}


def other_label(label: str) -> str:
    return gettext("%(label)s: your answer") % {"label": label}
