from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import Question, Survey
from surveys.response_filters import ResponseFilter


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class SurveyTitleForm(forms.Form):
    title = forms.CharField(label=_("Survey name"), max_length=200)


class SurveyHeaderForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    introduction = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the first page's questions."),
    )


class SurveyOptionsForm(forms.Form):
    access = forms.ChoiceField(
        label=_("Survey access"),
        choices=Survey.Access.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Invitation only turns off the anonymous link: only personal links open "
            "the survey. The change applies at once."
        ),
    )
    thank_you_message = forms.CharField(
        label=_("Thank-you message"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown when a respondent submits the last page."),
    )
    closed_message = forms.CharField(
        label=_("Closed message"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to everyone who opens a link while the survey is closed."),
    )
    already_completed_message = forms.CharField(
        label=_("Already completed message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Shown when someone who finished opens any of their personal links "
            "again. Left empty: the standard text."
        ),
    )
    allow_multiple_responses = forms.BooleanField(
        label=_("Allow more than one response per contact"),
        required=False,
        help_text=_(
            "Off: a contact (the same email, in any list) has one response, whichever "
            "of their personal links they open; an unfinished one resumes, a finished "
            "one shows the Already completed message. On: each personal link has its "
            "own response."
        ),
    )
    anonymous_responses = forms.BooleanField(
        label=_("Anonymize responses"),
        required=False,
        help_text=_(
            "When a response is finished, its tie to the contact and the link is "
            "removed, and its times keep only the date. Responses, results and "
            "exports show no name, email, external reference or embedded data. "
            "Distributions still show who finished."
        ),
    )

    def clean_already_completed_message(self):
        text = self.cleaned_data["already_completed_message"].strip()
        return text or Survey._meta.get_field("already_completed_message").default

    MESSAGE_FIELDS = (
        "thank_you_message",
        "closed_message",
        "already_completed_message",
    )


class QuestionAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("Question type"), choices=Question.Kind.choices)


BOUND_LIMIT = 1_000_000_000


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Question text"), widget=forms.Textarea(attrs={"rows": 2})
    )
    help_text = forms.CharField(
        label=_("Help text"),
        required=False,
        help_text=_("Optional, shown under the text."),
    )
    required = forms.BooleanField(label=_("Require an answer"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One per line, in the order respondents see them. Reorder the lines to reorder the choices."
        ),
    )
    statements = forms.CharField(
        label=_("Statements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: each is a row answered on the scale."),
    )
    other_label = forms.CharField(
        label=_("“Other” choice with a text box"),
        required=False,
        max_length=200,
        help_text=_(
            "Optional: a last choice, like “Other (please specify)”, where "
            "respondents type their own answer. Leave empty for none."
        ),
    )
    # Bounds live in a 32-bit integer column: a larger one must be a form error,
    # not PostgreSQL's "integer out of range".
    min_value = forms.IntegerField(
        label=_("Minimum"),
        required=False,
        min_value=-BOUND_LIMIT,
        max_value=BOUND_LIMIT,
    )
    max_value = forms.IntegerField(
        label=_("Maximum"),
        required=False,
        min_value=-BOUND_LIMIT,
        max_value=BOUND_LIMIT,
    )

    def __init__(self, *args, question: Question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        kind = question.kind
        if kind not in ("single_choice", "multiple_choice", "dropdown"):
            del self.fields["other_label"]
        if kind == "descriptive":
            self.fields["text"].label = "Text shown to respondents"
            del self.fields["required"]
        if kind not in (
            "single_choice",
            "multiple_choice",
            "dropdown",
            "matrix",
            "ranking",
        ):
            del self.fields["choices"]
        elif kind == "ranking":
            self.fields["choices"].label = "Items to rank"
            self.fields[
                "choices"
            ].help_text = (
                "One per line: respondents put them in order, 1 for the first."
            )
        elif kind == "matrix":
            self.fields["choices"].label = "Scale"
            self.fields[
                "choices"
            ].help_text = "One point per line, shared by every statement."
        if kind != "matrix":
            del self.fields["statements"]
        if kind not in ("number", "rating"):
            del self.fields["min_value"]
            del self.fields["max_value"]
        elif kind == "rating":
            self.fields["min_value"].label = "Scale starts at"
            self.fields["max_value"].label = "Scale ends at"
            self.fields["min_value"].required = True
            self.fields["max_value"].required = True

    @staticmethod
    def initial_for(question: Question) -> dict:
        return {
            "text": question.text,
            "help_text": question.help_text,
            "required": question.required,
            "choices": "\n".join(
                c["label"] for c in question.choices if not c.get("other")
            ),
            "other_label": next(
                (c["label"] for c in question.choices if c.get("other")), ""
            ),
            "statements": "\n".join(s["label"] for s in question.statements),
            "min_value": question.min_value,
            "max_value": question.max_value,
        }

    def clean_choices(self):
        labels = _lines(self.cleaned_data["choices"])
        if not labels:
            raise forms.ValidationError(_("Add at least one choice."))
        if len(set(labels)) != len(labels):
            raise forms.ValidationError(_("Each choice must be different."))
        return labels

    def clean_statements(self):
        labels = _lines(self.cleaned_data["statements"])
        if not labels:
            raise forms.ValidationError(_("Add at least one statement."))
        if len(set(labels)) != len(labels):
            raise forms.ValidationError(_("Each statement must be different."))
        return labels

    def clean(self):
        data = super().clean()
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", _("The maximum must not be below the minimum."))
        other = (data.get("other_label") or "").strip()
        if other and other in (data.get("choices") or []):
            self.add_error(
                "other_label",
                _("The “Other” choice must differ from the other choices."),
            )
        rating = self.question.kind == "rating"
        if rating and low is not None and high is not None and high - low > 20:
            self.add_error("max_value", _("A scale has at most 21 points."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"].strip(),
            "help_text": data.get("help_text", "").strip(),
            "required": data.get("required", False),
            "choice_labels": data.get("choices"),
            "statement_labels": data.get("statements"),
            "min_value": data.get("min_value"),
            "max_value": data.get("max_value"),
            "other_label": (
                data.get("other_label", "").strip()
                if "other_label" in self.fields
                else None
            ),
        }


class ResponseExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("File type"),
        choices=[
            ("csv", "CSV (.csv)"),
            ("xlsx", "Excel (.xlsx)"),
            ("sav", "SPSS (.sav)"),
        ],
        initial="csv",
        widget=forms.RadioSelect,
    )
    values = forms.ChoiceField(
        label=_("Answers as"),
        choices=[
            ("text", "Choice text (Yes, No)"),
            ("coded", "Coded values (1, 2) with their labels"),
        ],
        initial="text",
        widget=forms.RadioSelect,
        help_text=_(
            "Coded values number each choice in its order; SPSS files carry the "
            "choice text as value labels, Excel files on a second sheet."
        ),
    )


class ResponseFilterForm(forms.Form):
    """The filters above the Responses list and Summary (GET)."""

    status = forms.ChoiceField(
        label=_("Responses"),
        required=False,
        choices=[
            ("", "All"),
            ("finished", "Finished"),
            ("in_progress", "In progress"),
        ],
    )
    since = forms.DateField(
        label=_("Started from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=_("to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    # An embedded field the survey declares, and the value it must have.
    field = forms.CharField(label=_("Embedded field"), required=False)
    value = forms.CharField(label=_("is"), required=False, max_length=200)

    def __init__(self, *args, embedded_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.embedded_fields = list(embedded_fields)

    def clean(self):
        data = super().clean()
        if data.get("field") not in self.embedded_fields or not data.get("value"):
            data["field"], data["value"] = "", ""
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error(
                "until", _("The end date must not be before the start date.")
            )
        return data

    def response_filter(self, zone):
        """Return the ResponseFilter the valid fields ask for (none when invalid)."""
        if not self.is_valid():
            return ResponseFilter(zone=zone)
        data = self.cleaned_data
        return ResponseFilter(
            status=data.get("status") or "",
            since=data.get("since"),
            until=data.get("until"),
            field=data["field"],
            value=data["value"].strip(),
            zone=zone,
        )
