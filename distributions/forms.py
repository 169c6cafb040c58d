"""Forms of the Distributions tab: compose an email, the message library.

Forms validate and convert input (times in the owner's zone, link expiry, piped
text); the services write.
"""

import secrets
import zoneinfo
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django import forms
from django.conf import settings
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.html import format_html

from distributions.models import MessageType
from distributions.services.compose import message_problems


def default_from() -> tuple[str, str]:
    """Return the (name, address) of DEFAULT_FROM_EMAIL."""
    from email.utils import parseaddr

    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name or "Canvass", address or settings.DEFAULT_FROM_EMAIL


class SingleLineField(forms.CharField):
    """Text that goes into a mail header: no line breaks, ever."""

    def clean(self, value):
        value = super().clean(value)
        if value and ("\r" in value or "\n" in value):
            raise forms.ValidationError("Use a single line.")
        return value


class EmailHeaderField(SingleLineField):
    def clean(self, value):
        value = super().clean(value)
        if value:
            validate_email(value)
            try:
                sanitize_address(value, "utf-8")
            except ValueError as error:
                raise forms.ValidationError("Enter a valid email address.") from error
        return value


class MessageFieldsForm(forms.Form):
    """From, When, Subject and message: the part every email form shares.

    Reminders and thank-yous subclass it. `zone` is the owner's time zone: Custom...
    times are read in it. `embedded_fields` names the `${e://Field/...}` fields
    the message may use (the chosen list's).
    """

    WHEN_NOW = "now"
    WHEN_IN_1_HOUR = "in_1_hour"
    WHEN_CUSTOM = "custom"
    WHEN_CHOICES = [
        (WHEN_NOW, "Now"),
        (WHEN_IN_1_HOUR, "In 1 hour"),
        (WHEN_CUSTOM, "Custom..."),
    ]

    from_name = SingleLineField(label="From name", max_length=200)
    from_email = EmailHeaderField(label="From address", max_length=254)
    reply_to = EmailHeaderField(
        label="Reply-To",
        max_length=254,
        required=False,
        help_text="Where replies go; leave empty to use the From address.",
    )
    when = forms.ChoiceField(
        label="When", choices=WHEN_CHOICES, initial=WHEN_NOW, widget=forms.RadioSelect
    )
    send_at_custom = forms.DateTimeField(
        label="Date and time",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    subject = SingleLineField(label="Subject", max_length=255)
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "true"}),
    )

    # Whether the message must contain the survey link (thank-yous need not).
    require_survey_link = True

    def __init__(self, *args, zone=None, embedded_fields=(), now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone or timezone.get_current_timezone()
        self.embedded_fields = list(embedded_fields)
        self.now = now
        name, address = default_from()
        self.fields["from_name"].initial = name
        self.fields["from_email"].initial = address
        zone_name = getattr(self.zone, "key", str(self.zone))
        self.fields["send_at_custom"].help_text = f"In your time zone, {zone_name}."

    def full_clean(self):
        # Custom... is entered in the owner's zone, whatever zone is active.
        with timezone.override(self.zone):
            super().full_clean()

    def message_embedded_fields(self) -> list[str]:
        return self.embedded_fields

    def clean(self):
        cleaned = super().clean()
        now = self.now or timezone.now()
        when = cleaned.get("when")
        if when == self.WHEN_NOW:
            cleaned["send_at"] = now
        elif when == self.WHEN_IN_1_HOUR:
            cleaned["send_at"] = now + timedelta(hours=1)
        elif when == self.WHEN_CUSTOM:
            custom = cleaned.get("send_at_custom")
            if custom is None:
                if "send_at_custom" not in self.errors:
                    self.add_error(
                        "send_at_custom", "Choose the date and time to send it."
                    )
            elif custom < now.replace(second=0, microsecond=0):
                self.add_error(
                    "send_at_custom",
                    "This time is in the past: choose a time from now on.",
                )
            else:
                cleaned["send_at"] = custom
        subject, body = cleaned.get("subject"), cleaned.get("body")
        if subject is not None and body is not None:
            problems = message_problems(
                subject=subject,
                body=body,
                embedded_fields=self.message_embedded_fields(),
                require_survey_link=self.require_survey_link,
            )
            for field, message in problems:
                self.add_error(field, message)
        return cleaned


class LinkExpiryMixin(forms.Form):
    """ "Select when the link expires": relative choices or a custom date."""

    EXPIRY_CHOICES = [
        ("60d", "60 days"),
        ("1w", "1 week"),
        ("1m", "1 month"),
        ("2m", "2 months"),
        ("6m", "6 months"),
        ("custom", "Custom date"),
    ]
    EXPIRY_DELTAS = {
        "60d": relativedelta(days=60),
        "1w": relativedelta(weeks=1),
        "1m": relativedelta(months=1),
        "2m": relativedelta(months=2),
        "6m": relativedelta(months=6),
    }

    link_expiry = forms.ChoiceField(
        label="Link expires", choices=EXPIRY_CHOICES, initial="60d"
    )
    link_expires_on = forms.DateField(
        label="Expiry date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The link works until the end of this day.",
    )

    def link_expires_at(self, start: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
        """Return when the links expire, counted from `start` (the send time)."""
        choice = self.cleaned_data["link_expiry"]
        if choice == "custom":
            day = self.cleaned_data["link_expires_on"]
            return datetime.combine(day, time.max.replace(microsecond=0), tzinfo=zone)
        return start + self.EXPIRY_DELTAS[choice]

    def clean_link_expiry_fields(self, cleaned):
        if cleaned.get("link_expiry") == "custom":
            day = cleaned.get("link_expires_on")
            today = timezone.localdate(self.now or timezone.now(), self.zone)
            if day is None:
                self.add_error("link_expires_on", "Choose the day the link expires.")
            elif day <= today:
                self.add_error(
                    "link_expires_on",
                    "Choose a day after today for the link to expire.",
                )


class ComposeForm(LinkExpiryMixin, MessageFieldsForm):
    """Compose Email: To, From, When, Subject, the message, link expiry."""

    contact_list = forms.ModelChoiceField(
        label="To", queryset=None, empty_label="Choose a list"
    )
    compose_token = forms.CharField(widget=forms.HiddenInput, required=False)

    field_order = [
        "contact_list",
        "from_name",
        "from_email",
        "reply_to",
        "when",
        "send_at_custom",
        "subject",
        "body",
        "link_expiry",
        "link_expires_on",
        "compose_token",
    ]

    def __init__(self, *args, lists=(), list_stats=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lists = list(lists)
        self.list_stats = list_stats or {}
        field = self.fields["contact_list"]
        field.queryset = lists
        field.label_from_instance = self._list_label
        if not self.is_bound:
            self.initial.setdefault("compose_token", secrets.token_urlsafe(24))

    def _list_label(self, contact_list) -> str:
        size, opted_out = self.list_stats.get(contact_list.pk, (0, 0))
        return f"{contact_list.name} ({size} contact{pluralize(size)}, {opted_out} opted out)"

    def message_embedded_fields(self) -> list[str]:
        chosen = self.cleaned_data.get("contact_list")
        return list(chosen.embedded_fields) if chosen else []

    def clean(self):
        cleaned = super().clean()
        self.clean_link_expiry_fields(cleaned)
        chosen = cleaned.get("contact_list")
        if chosen is not None and not self.list_stats.get(chosen.pk, (1, 0))[0]:
            self.add_error(
                "contact_list", "This list has no contacts: add some before you send."
            )
        return cleaned


class SaveMessageForm(forms.Form):
    """ "Save as new message" in the compose window."""

    message_name = SingleLineField(label="Message name", max_length=200)
    message_type = forms.ChoiceField(
        label="Type", choices=MessageType.choices, initial=MessageType.INVITE
    )


class MessageForm(forms.Form):
    """A message in the library: name, type, subject and body."""

    name = SingleLineField(label="Name", max_length=200)
    message_type = forms.ChoiceField(label="Type", choices=MessageType.choices)
    subject = SingleLineField(label="Subject", max_length=255)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 12}))

    def clean(self):
        cleaned = super().clean()
        subject, body = cleaned.get("subject"), cleaned.get("body")
        if subject is not None and body is not None:
            # The list is chosen at send time, so any ${e://Field/...} is allowed.
            problems = message_problems(
                subject=subject,
                body=body,
                embedded_fields=None,
                require_survey_link=cleaned.get("message_type")
                != MessageType.THANK_YOU,
            )
            for field, message in problems:
                self.add_error(field, message)
        return cleaned


def placeholder_help() -> str:
    return format_html(
        "Piped text: <code>{}</code>, <code>{}</code>, <code>{}</code>.",
        "${l://SurveyLink?d=Take the survey}",
        "${m://FirstName}",
        "${e://Field/NAME}",
    )
