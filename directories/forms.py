from django import forms
from django.utils.translation import gettext_lazy as _

from directories.models import ContactImport
from directories.reader import ENCODING_CHOICES, FIELD_CHOICES


class ContactListForm(forms.Form):
    name = forms.CharField(label=_("List name"), max_length=200)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Select a file"))


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), required=False, max_length=255)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=255)
    email = forms.CharField(label=_("Email"), max_length=254)
    external_reference = forms.CharField(
        label=_("External data reference"), required=False, max_length=255
    )
    language = forms.CharField(label=_("Language"), required=False, max_length=32)

    def __init__(self, *args, embedded_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.embedded_fields = list(embedded_fields)
        for index, name in enumerate(self.embedded_fields):
            self.fields[f"embedded_{index}"] = forms.CharField(
                label=name, required=False
            )

    def contact_values(self) -> dict:
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "external_reference": data["external_reference"],
            "language": data["language"],
            "embedded_data": {
                name: data[f"embedded_{index}"]
                for index, name in enumerate(self.embedded_fields)
            },
        }


class SuppressionForm(forms.Form):
    email = forms.CharField(label=_("Email address"), max_length=254)


class ConfirmImportForm(forms.Form):
    """Confirm import fields: a target per column, encoding, duplicate policy."""

    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODING_CHOICES)
    on_duplicate = forms.ChoiceField(
        label=_("Contacts already in the list"),
        choices=ContactImport.OnDuplicate.choices,
        widget=forms.RadioSelect,
    )
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows and skip the rejected ones"), required=False
    )

    def __init__(self, *args, header=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.header = list(header)
        for index, name in enumerate(self.header):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=f"Column {index + 1}: {name or '(no header)'}",
                choices=FIELD_CHOICES,
            )

    def column_fields(self):
        return [self[f"col_{index}"] for index in range(len(self.header))]

    def clean(self):
        data = super().clean()
        targets = [data.get(f"col_{i}") for i in range(len(self.header))]
        if "email" not in targets:
            raise forms.ValidationError(_("Choose the column that holds the Email."))
        for target in (
            "first_name",
            "last_name",
            "email",
            "external_reference",
            "language",
        ):
            if targets.count(target) > 1:
                label = dict(self.fields["col_0"].choices)[target]
                raise forms.ValidationError(f"Only one column can be {label}.")
        return data

    def mapping(self) -> dict[str, str]:
        return {str(i): self.cleaned_data[f"col_{i}"] for i in range(len(self.header))}
