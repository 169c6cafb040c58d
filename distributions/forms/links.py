"""Generate Links: Select Contacts and when the links expire."""

from django import forms
from django.template.defaultfilters import pluralize
from django.utils.translation import gettext_lazy as _

from core.tokens import new_token
from distributions.forms import (
    ExpiryForm,
    OneTimeTokenMixin,
)


class GenerateLinksForm(OneTimeTokenMixin, ExpiryForm):
    """Generate Links: Select Contacts (a list, whole or sampled) and the expiry."""

    SCOPE_ALL = "all"
    SCOPE_SAMPLE = "sample"

    contact_list = forms.ModelChoiceField(
        label=_("Select Contacts"), queryset=None, empty_label=_("Choose a list")
    )
    scope = forms.ChoiceField(
        label=_("Contacts"),
        choices=[
            (SCOPE_ALL, "Every contact in the list"),
            (SCOPE_SAMPLE, "A random sample of"),
        ],
        initial=SCOPE_ALL,
        widget=forms.RadioSelect,
    )
    sample_size = forms.IntegerField(
        label=_("Sample size"), required=False, min_value=1, max_value=10_000_000
    )
    include_opted_out = forms.BooleanField(
        label=_("Include contacts who opted out"),
        required=False,
        help_text=_(
            "Contacts who opted out (the number beside each list) get no link "
            "unless you check this; a sample is drawn among the others. When they "
            "are included, the links CSV marks them in an Unsubscribed column."
        ),
    )
    request_token = forms.CharField(widget=forms.HiddenInput, required=False)

    field_order = [
        "contact_list",
        "scope",
        "sample_size",
        "include_opted_out",
        "expiry",
        "expires_on",
        "request_token",
    ]

    def __init__(self, *args, lists, opt_out_counts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.opt_out_counts = opt_out_counts or {}
        self.fields["contact_list"].queryset = lists
        self.fields["contact_list"].label_from_instance = self._list_label
        if not self.is_bound:
            self.initial.setdefault("request_token", new_token())

    def _list_label(self, contact_list) -> str:
        size = contact_list.contact_count
        label = f"{contact_list.name} ({size} contact{pluralize(size)}"
        opted_out = self.opt_out_counts.get(contact_list.pk, 0)
        if opted_out:
            label += f", {opted_out} opted out: left out unless included"
        return label + ")"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == self.SCOPE_SAMPLE:
            if not cleaned.get("sample_size"):
                self.add_error("sample_size", _("Enter how many contacts to sample."))
        else:
            cleaned["sample_size"] = None
        return cleaned
