"""Builder forms for rules (surveys.logic) and closing rules (surveys.closing)."""

from datetime import datetime

from django import forms

from surveys.logic import CONTACT_SOURCES, END, OPS, VALUELESS_OPS

CONDITION_ROWS = 3
# Quotas the Closing rules form offers at once (a saved survey may keep more rows
# than this only if set elsewhere; the form shows them all, plus one empty row).
QUOTA_ROWS = 3
FIELD_NAME_MAX = 64


def rule_sources(*, questions, embedded_fields) -> list[tuple[str, str]]:
    """The condition sources a rule may name: (value, label)."""
    sources = [("", "—")]
    sources += [(f"q:{q.pk}", f"{label}: {q.text[:60]}") for label, q in questions]
    sources += [(f"e:{name}", f"Embedded field: {name}") for name in embedded_fields]
    sources += [
        (f"m:{key}", f"Contact: {label}") for key, label in CONTACT_SOURCES.items()
    ]
    return sources


class RuleForm(forms.Form):
    """Up to three conditions joined by AND or OR; for skip logic, where and why."""

    join = forms.ChoiceField(
        label="Combine the conditions with",
        choices=[("and", "AND: all must hold"), ("or", "OR: any may hold")],
        initial="and",
    )

    def __init__(
        self, *args, sources, targets=None, rule=None, refused_reason="", **kwargs
    ):
        rule = rule or {}
        initial = {"join": rule.get("join", "and")}
        known = {value for value, _ in sources}
        sources = list(sources)
        for i, condition in enumerate((rule.get("conditions") or [])[:CONDITION_ROWS]):
            source = condition.get("source", "")
            if source and source not in known:
                sources.append((source, "A deleted question"))
                known.add(source)
            initial |= {
                f"source_{i}": source,
                f"op_{i}": condition.get("op", "is"),
                f"value_{i}": condition.get("value", ""),
            }
        if targets is not None:
            initial["to"] = str(rule.get("to", ""))
            initial["message"] = rule.get("message", "")
        super().__init__(*args, initial=initial, **kwargs)
        for i in range(CONDITION_ROWS):
            n = i + 1
            self.fields[f"source_{i}"] = forms.ChoiceField(
                label=f"Condition {n}: when", choices=sources, required=False
            )
            if refused_reason:
                # A question left out of the list (e.g. of this very page) named in
                # a crafted or stale form: say why, not just "not a valid choice".
                self.fields[f"source_{i}"].error_messages["invalid_choice"] = (
                    f"That question cannot be tested here. {refused_reason}"
                )
            self.fields[f"op_{i}"] = forms.ChoiceField(
                label=f"Condition {n}: test", choices=list(OPS.items()), required=False
            )
            self.fields[f"value_{i}"] = forms.CharField(
                label=f"Condition {n}: value",
                required=False,
                max_length=255,
                help_text="For a choice question, the choice's text.",
            )
        if targets is not None:
            self.fields["to"] = forms.ChoiceField(
                label="Skip to", choices=[("", "—"), *targets], required=False
            )
            self.fields["message"] = forms.CharField(
                label="Screen-out message (optional, only when skipping to the end)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Shown instead of the thank-you; the response is marked "
                "screened out and counts toward no cap or quota.",
            )
        self.skip = targets is not None

    def clean(self):
        data = super().clean()
        conditions = []
        for i in range(CONDITION_ROWS):
            source = data.get(f"source_{i}")
            op = data.get(f"op_{i}") or "is"
            value = (data.get(f"value_{i}") or "").strip()
            if not source:
                if value:
                    self.add_error(f"source_{i}", "Choose what the condition tests.")
                continue
            if op not in VALUELESS_OPS and not value:
                self.add_error(f"value_{i}", "Enter the value to compare with.")
            condition = {"source": source, "op": op}
            if op not in VALUELESS_OPS:
                condition["value"] = value
            conditions.append(condition)
        data["conditions"] = conditions
        if self.skip and conditions and not data.get("to"):
            self.add_error("to", "Choose where to skip to.")
        if self.skip and data.get("message") and data.get("to") != END:
            self.add_error("message", "A screen-out message needs a skip to the end.")
        return data

    def rule(self) -> dict:
        data = self.cleaned_data
        if not data["conditions"]:
            return {}
        rule = {"join": data["join"], "conditions": data["conditions"]}
        if self.skip:
            to = data["to"]
            rule["to"] = END if to == END else int(to)
            if data.get("message", "").strip():
                rule["message"] = data["message"].strip()
        return rule


class PageForm(forms.Form):
    introduction = forms.CharField(
        label="Page introduction",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown above this page's questions. Piped text works here.",
    )


def _names(text: str) -> list[str]:
    names = []
    for line in text.replace(",", "\n").splitlines():
        name = line.strip()
        if name and name not in names:
            names.append(name)
    return names


class ClosingForm(forms.Form):
    """Embedded data declarations and closing rules, on their own Options page."""

    embedded_fields = forms.CharField(
        label="Embedded data fields",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One name per line (e.g. Department). Recorded on each response "
        "from the contact, or on the anonymous link from the URL "
        "(…/r/KEY/?Department=Physics); exported as columns.",
    )
    close_at = forms.DateTimeField(
        label="Close at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In your time zone. Empty: no date.",
    )
    close_after_finished = forms.IntegerField(
        label="Close after this many finished responses",
        required=False,
        min_value=1,
        help_text="Screened-out responses do not count. Empty: no cap.",
    )
    screen_out_message = forms.CharField(
        label="Screen-out message",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown to a respondent over a quota.",
    )

    def __init__(self, *args, zone, sources, quotas=(), **kwargs):
        initial = dict(kwargs.pop("initial", None) or {})
        known = {value for value, _ in sources}
        sources = list(sources)
        for i, quota in enumerate(quotas):
            source = quota.get("source", "")
            if source and source not in known:
                # A field no longer declared, a deleted question: kept visible so
                # saving does not drop it silently (Publish names it).
                sources.append((source, f"{source} (no longer in the survey)"))
                known.add(source)
            initial |= {
                f"quota_source_{i}": source,
                f"quota_limit_{i}": quota.get("limit"),
            }
        super().__init__(*args, initial=initial, **kwargs)
        self.zone = zone
        # Each quota is its own pair of fields, placed before the screen-out message.
        self.quota_rows = max(QUOTA_ROWS, len(quotas) + 1)
        message = self.fields.pop("screen_out_message")
        for i in range(self.quota_rows):
            n = i + 1
            self.fields[f"quota_source_{i}"] = forms.ChoiceField(
                label=f"Quota {n} on",
                required=False,
                choices=[("", "No quota"), *sources],
            )
            self.fields[f"quota_limit_{i}"] = forms.IntegerField(
                label=f"Quota {n}: finished responses allowed per value",
                required=False,
                min_value=1,
                help_text="A respondent whose value already has this many gets the "
                "screen-out message."
                if i == 0
                else "",
            )
        self.fields["screen_out_message"] = message

    def clean_embedded_fields(self):
        names = _names(self.cleaned_data["embedded_fields"])
        for name in names:
            if len(name) > FIELD_NAME_MAX or not name.replace("_", "").isalnum():
                raise forms.ValidationError(
                    f"{name!r}: use letters, digits and _ only (at most 64)."
                )
        return names

    def clean_close_at(self):
        value = self.cleaned_data["close_at"]
        if value is None:
            return None
        # The owner's zone, whatever the server's: naive input is wall time there.
        naive = value.replace(tzinfo=None) if isinstance(value, datetime) else value
        return naive.replace(tzinfo=self.zone)

    def clean(self):
        data = super().clean()
        quotas, seen = [], set()
        for i in range(self.quota_rows):
            source = data.get(f"quota_source_{i}")
            limit = data.get(f"quota_limit_{i}")
            if source and not limit:
                self.add_error(f"quota_limit_{i}", "Enter how many per value.")
            elif limit and not source:
                self.add_error(
                    f"quota_source_{i}", "Choose the field or question of the quota."
                )
            elif source and source in seen:
                self.add_error(
                    f"quota_source_{i}",
                    "Another quota is already on this; one quota per field or question.",
                )
            elif source:
                seen.add(source)
                quotas.append({"source": source, "limit": limit})
        data["quotas"] = quotas
        return data

    def quotas(self) -> list[dict]:
        """The quotas in the order given; a respondent over any of them is screened out."""
        return self.cleaned_data["quotas"]
