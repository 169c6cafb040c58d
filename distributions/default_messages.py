"""The messages Canvass ships for each type, loaded by "Load Message" when the owner's
library has none of their own. Every one carries the opt-out link; invites and
reminders carry the personal survey link."""

from distributions.models import MessageType

DEFAULT_MESSAGES = {
    MessageType.INVITE: {
        "name": "Default invitation",
        "subject": "Invitation to take part in a survey",
        "body": (
            "Dear ${m://FirstName},\n"
            "\n"
            "You are invited to take part in a short survey. Your answers help us "
            "and take only a few minutes.\n"
            "\n"
            "${l://SurveyLink?d=Take the survey}\n"
            "\n"
            "Or copy this personal link into your browser:\n"
            "${l://SurveyURL}\n"
            "\n"
            "This link is yours alone: please do not forward it.\n"
            "\n"
            "Thank you!\n"
            "\n"
            "${l://OptOutLink?d=Click here to unsubscribe}"
        ),
    },
    MessageType.REMINDER: {
        "name": "Default reminder",
        "subject": "Reminder: your survey is waiting",
        "body": (
            "Dear ${m://FirstName},\n"
            "\n"
            "A few days ago you were invited to take part in a survey. If you have "
            "not had the chance yet, there is still time; if you have started, the "
            "link takes you back where you left off.\n"
            "\n"
            "${l://SurveyLink?d=Continue to the survey}\n"
            "\n"
            "Or copy this personal link into your browser:\n"
            "${l://SurveyURL}\n"
            "\n"
            "Thank you!\n"
            "\n"
            "${l://OptOutLink?d=Click here to unsubscribe}"
        ),
    },
    MessageType.THANK_YOU: {
        "name": "Default thank-you",
        "subject": "Thank you for taking our survey",
        "body": (
            "Dear ${m://FirstName},\n"
            "\n"
            "Thank you for completing our survey. Your response has been recorded.\n"
            "\n"
            "${l://OptOutLink?d=Click here to unsubscribe}"
        ),
    },
}


def default_message(message_type: str) -> dict:
    """Return the shipped {"name", "subject", "body"} for a message type."""
    return dict(DEFAULT_MESSAGES[MessageType(message_type)])


def default_library_messages() -> list[dict]:
    """Return Canvass' default message for each type, as library entries."""
    return [
        {"message_type": message_type, **default_message(message_type)}
        for message_type in MessageType.values
    ]
