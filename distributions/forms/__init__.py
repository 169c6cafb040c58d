"""What the Distributions tab's forms share: mail-header fields, the owner's time
zone, "Select when the link expires", From / When / Subject / message, and the
one-time token that makes a double click submit once.

Forms validate and convert input (times in the owner's zone, link expiry, piped
text); the services write.
"""

import re
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import sender_problem
from core.tokens import new_token
from distributions.expiry import ExpiryChoice, expiry_choices, link_expiry_compute
from distributions.services.compose import FORM_TOKEN_TAKEN_CODE, message_problems
from distributions.services.email_message import default_from

TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,64}")


class OneTimeTokenMixin:
    """A form whose hidden one-time token turned out to be another account's gets a
    fresh one with the error, so sending it again works."""

    token_field = "request_token"

    def clean(self):
        cleaned = super().clean()
        token = cleaned.get(self.token_field)
        if token and not TOKEN_FORMAT.fullmatch(token):
            # Not a token this site made (the column holds 64 characters): ignored.
            cleaned[self.token_field] = ""
        return cleaned

    def add_error(self, field, error):
        if getattr(error, "code", None) == FORM_TOKEN_TAKEN_CODE:
            self.data = self.data.copy()
            self.data[self.add_prefix(self.token_field)] = new_token()
        super().add_error(field, error)


class SingleLineField(forms.CharField):
    """Text that goes into a mail header: no line breaks, ever."""

    def clean(self, value):
        value = super().clean(value)
        if value and ("\r" in value or "\n" in value):
            raise forms.ValidationError(_("Use a single line."))
        return value


class EmailHeaderField(SingleLineField):
    def clean(self, value):
        value = super().clean(value)
        if value:
            validate_email(value)
            try:
                sanitize_address(value, "utf-8")
            except ValueError as error:
                raise forms.ValidationError(
                    _("Enter a valid email address.")
                ) from error
        return value


class OwnerZoneForm(forms.Form):
    """A form whose dates and times are the owner's: `zone`, and `now` for tests."""

    def __init__(self, *args, zone=None, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone or timezone.get_current_timezone()
        self.now = now

    def full_clean(self):
        # Dates and times are entered in the owner's zone, whatever zone is active.
        with timezone.override(self.zone):
            super().full_clean()


class ExpiryForm(OwnerZoneForm):
    """ "Select when the link expires": a choice showing its date, or a custom date.

    Counted from now, or from the send time where the form has one (`send_at`
    in cleaned_data); distributions.expiry holds the rule.
    """

    expiry = forms.ChoiceField(
        label=_("Select when the link expires"), initial=ExpiryChoice.DEFAULT
    )
    expires_on = forms.DateField(
        label=_("Expiry date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The links work until the end of this day, in your time zone."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expiry"].choices = expiry_choices(zone=self.zone, start=self.now)

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("expiry")
        if choice:
            try:
                cleaned["expires_at"] = link_expiry_compute(
                    choice=choice,
                    zone=self.zone,
                    custom_date=cleaned.get("expires_on"),
                    start=cleaned.get("send_at") or self.now,
                )
            except ValidationError as error:
                field = "expires_on" if choice == ExpiryChoice.CUSTOM else "expiry"
                self.add_error(field, error)
        return cleaned


class MessageFieldsForm(OwnerZoneForm):
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

    from_name = SingleLineField(label=_("From name"), max_length=200)
    from_email = EmailHeaderField(label=_("From address"), max_length=254)
    reply_to = EmailHeaderField(
        label=_("Reply-To"),
        max_length=254,
        required=False,
        help_text=_("Where replies go; leave empty to use the From address."),
    )
    when = forms.ChoiceField(
        label=_("When"),
        choices=WHEN_CHOICES,
        initial=WHEN_NOW,
        widget=forms.RadioSelect,
    )
    send_at_custom = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    subject = SingleLineField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "true"}),
    )

    # Whether the message must contain the survey link (thank-yous need not).
    require_survey_link = True

    def __init__(self, *args, embedded_fields=(), user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.embedded_fields = list(embedded_fields)
        self.user = user
        name, address = default_from()
        self.fields["from_name"].initial = name
        self.fields["from_email"].initial = address
        zone_name = getattr(self.zone, "key", str(self.zone))
        self.fields["send_at_custom"].help_text = f"In your time zone, {zone_name}."

    def message_embedded_fields(self) -> list[str]:
        return self.embedded_fields

    def clean_from_email(self):
        # Only an address the owner may send from (accounts.selectors).
        address = self.cleaned_data["from_email"]
        problem = address and self.user and sender_problem(self.user, address)
        if problem:
            raise ValidationError(problem)
        return address

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
                        "send_at_custom", _("Choose the date and time to send it.")
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
