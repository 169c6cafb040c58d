"""Compose Email, the message library, Schedule Reminder / Thank You."""

from django import forms
from django.template.defaultfilters import pluralize
from django.utils.translation import gettext_lazy as _

from core.tokens import new_token
from distributions.default_messages import default_message
from distributions.forms import (
    ExpiryForm,
    MessageFieldsForm,
    OneTimeTokenMixin,
    SingleLineField,
)
from distributions.forms.versions import LanguageVersionsMixin
from distributions.models import MessageType
from distributions.services.compose import message_problems
from distributions.services.reminders import AUDIENCES


class ComposeForm(
    OneTimeTokenMixin, LanguageVersionsMixin, ExpiryForm, MessageFieldsForm
):
    """Compose Email: To, From, When, Subject, the message, link expiry."""

    token_field = "compose_token"

    contact_list = forms.ModelChoiceField(
        label=_("To"), queryset=None, empty_label=_("Choose a list")
    )
    compose_token = forms.CharField(widget=forms.HiddenInput, required=False)
    track_opens = forms.BooleanField(
        label=_("Track opens"),
        required=False,
        help_text=_(
            "Adds an invisible image to the email: when the recipient's mail "
            "program loads it, Canvass records the time of the first load for that "
            "email (Emails Opened), and nothing else. Programs that block images are "
            "not counted and some that load them in advance are, so it is an "
            "estimate; it never counts as starting the survey."
        ),
    )

    field_order = [
        "contact_list",
        "from_name",
        "from_email",
        "reply_to",
        "when",
        "send_at_custom",
        "subject",
        "body",
        "expiry",
        "expires_on",
        "track_opens",
        "compose_token",
    ]

    def __init__(self, *args, lists=(), list_stats=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lists = list(lists)
        self.list_stats = list_stats or {}
        field = self.fields["contact_list"]
        field.queryset = lists
        field.label_from_instance = self._list_label
        self.fields["expiry"].label = "Link expires"
        self.fields[
            "expiry"
        ].help_text = (
            "Counted from when the email is sent; the dates shown are for sending now."
        )
        if not self.is_bound:
            self.initial.setdefault("compose_token", new_token())

    def _list_label(self, contact_list) -> str:
        size, opted_out = self.list_stats.get(contact_list.pk, (0, 0))
        return f"{contact_list.name} ({size} contact{pluralize(size)}, {opted_out} opted out)"

    def message_embedded_fields(self) -> list[str]:
        chosen = self.cleaned_data.get("contact_list")
        return list(chosen.embedded_fields) if chosen else []

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("contact_list")
        if chosen is not None and not self.list_stats.get(chosen.pk, (1, 0))[0]:
            self.add_error(
                "contact_list",
                _("This list has no contacts: add some before you send."),
            )
        return cleaned


class MessageForm(LanguageVersionsMixin, forms.Form):
    """A message in the library: name, type, subject and body, and its versions in
    other languages."""

    name = SingleLineField(label=_("Name"), max_length=200)
    message_type = forms.ChoiceField(label=_("Type"), choices=MessageType.choices)
    subject = SingleLineField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 12})
    )

    def clean(self):
        cleaned = super().clean()
        subject, body = cleaned.get("subject"), cleaned.get("body")
        if subject is not None and body is not None:
            # The list is chosen at send time, so any ${e://Field/...} is allowed.
            problems = message_problems(
                subject=subject,
                body=body,
                embedded_fields=None,
                require_survey_link=self.version_requires_survey_link(),
            )
            for field, message in problems:
                self.add_error(field, message)
        return cleaned

    def version_embedded_fields(self):
        return None

    def version_requires_survey_link(self) -> bool:
        return self.cleaned_data.get("message_type") != MessageType.THANK_YOU


class ReminderForm(OneTimeTokenMixin, LanguageVersionsMixin, MessageFieldsForm):
    """Schedule Reminder / Schedule Thank You: When, From, Subject, message, who."""

    audience = forms.ChoiceField(label=_("Send to"), widget=forms.RadioSelect)
    request_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, message_type, **kwargs):
        super().__init__(*args, **kwargs)
        self.message_type = message_type
        self.require_survey_link = message_type == MessageType.REMINDER
        choices = AUDIENCES[message_type]
        self.fields["audience"].choices = choices
        self.fields["audience"].initial = choices[0][0]
        if not self.is_bound:
            message = default_message(message_type)
            self.initial.setdefault("subject", message["subject"])
            self.initial.setdefault("body", message["body"])
            self.initial.setdefault("request_token", new_token())
