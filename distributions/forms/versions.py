"""Language versions on a message form: one subject and body per language.

Compose Email, Schedule Reminder / Thank You and the message library's form carry
a formset (prefix "versions") next to their subject and message; each version
gets the same checks as the default message (services.compose.message_problems).
A POST without the formset's management form (an older page, a script) has no
versions.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from distributions.forms import SingleLineField
from distributions.services.compose import message_problems
from distributions.services.message_versions import version_label, versions_clean

PREFIX = "versions"
# More than any survey offers; a bound on the formset a POST may claim.
MAX_VERSIONS = 40


class VersionForm(forms.Form):
    language = forms.CharField(
        label=_("Language"),
        max_length=32,
        required=False,
        help_text=_("A Language code of the list: ES, es-MX, ZH-S, ar ..."),
        widget=forms.TextInput(attrs={"list": "language-options", "size": 10}),
    )
    subject = SingleLineField(
        label=_("Translated subject"), max_length=255, required=False
    )
    body = forms.CharField(
        label=_("Translated message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "true"}),
    )


VersionFormSet = forms.formset_factory(
    VersionForm,
    extra=0,
    can_delete=True,
    max_num=MAX_VERSIONS,
    validate_max=True,
    absolute_max=MAX_VERSIONS,
)


def versions_initial(versions: dict) -> list[dict]:
    """The formset's initial rows for stored versions ({tag: {subject, body}})."""
    return [
        {"language": tag, "subject": v.get("subject", ""), "body": v.get("body", "")}
        for tag, v in (versions or {}).items()
    ]


def language_options() -> list[tuple[str, str]]:
    """The languages the Language box suggests (Django's list)."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class LanguageVersionsMixin:
    """A message form with `self.versions` (a formset); its cleaned_data["versions"]
    is {tag: {"subject", "body"}}.

    `default_language` is the language of the form's own subject and message (the
    survey's), which no version may repeat; None (the library) allows any.
    """

    def __init__(self, *args, versions=None, default_language=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_language = default_language
        self.default_language_name = (
            version_label(default_language) if default_language else ""
        )
        bound = self.is_bound and f"{PREFIX}-TOTAL_FORMS" in self.data
        self.versions = VersionFormSet(
            self.data if bound else None,
            prefix=PREFIX,
            initial=None if bound else versions_initial(versions or {}),
        )

    def version_embedded_fields(self):
        return self.message_embedded_fields()

    def version_requires_survey_link(self) -> bool:
        return self.require_survey_link

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        self.cleaned_data["versions"] = {}
        if not self.versions.is_bound:
            return
        if not self.versions.is_valid():
            self.add_error(None, _("Check the other languages' versions below."))
            return
        kept = [
            form
            for form in self.versions.forms
            if form.has_changed() and not form.cleaned_data.get("DELETE")
        ]
        entries = [
            (
                form.cleaned_data.get("language", ""),
                form.cleaned_data.get("subject", ""),
                form.cleaned_data.get("body", ""),
            )
            for form in kept
        ]
        versions, problems = versions_clean(
            entries, default_language=self.default_language
        )
        for index, field, message in problems:
            kept[index].add_error(field, message)
        fields = self.version_embedded_fields()
        for form in kept:
            if not form.is_valid():
                continue
            subject = form.cleaned_data.get("subject", "")
            body = form.cleaned_data.get("body", "")
            if not subject:
                form.add_error("subject", _("Enter the subject in this language."))
            if not body:
                form.add_error("body", _("Enter the message in this language."))
            if subject and body:
                for field, message in message_problems(
                    subject=subject,
                    body=body,
                    embedded_fields=fields,
                    require_survey_link=self.version_requires_survey_link(),
                ):
                    form.add_error(field, message)
        if any(form.errors for form in kept):
            self.add_error(None, _("Check the other languages' versions below."))
            return
        self.cleaned_data["versions"] = versions
