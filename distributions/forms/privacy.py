"""A person's erasure and a survey's close and strip: the confirmations."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class PersonEraseForm(forms.Form):
    """Erase this person everywhere: what to do with their responses, and a
    confirmation typed by hand (it cannot be undone)."""

    keep_responses = forms.BooleanField(
        required=False,
        label=_("Keep their responses, without identity"),
        help_text=_(
            "Off: their responses and answers are deleted. On: the answers stay in "
            "your results, with name, email, external reference and embedded data "
            "removed."
        ),
    )
    confirm = forms.CharField(
        label=_("Type the address to confirm"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip()
        if typed.lower() != self.email.strip().lower():
            raise ValidationError(_("Type the address exactly as shown above."))
        return typed


class SurveyStripForm(forms.Form):
    """Close and strip identifiers: the owner confirms it cannot be undone."""

    confirm = forms.BooleanField(
        label=_("I understand that the identifiers cannot be restored."),
        error_messages={"required": "Tick the box to confirm."},
    )
