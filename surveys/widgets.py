"""HTML of one question on a respondent page.

Built in Python rather than a template include: a page of choice and matrix
questions has dozens of inputs, and the template engine's per-variable lookups made
up most of a respondent page's time (bench/bench_respondent.py). Every value is
escaped here; the result is marked safe once.
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe

from respondent_ui import texts


def _required_mark() -> str:
    return (
        ' <span class="text-danger" aria-hidden="true">*</span>'
        f'<span class="visually-hidden">{escape(str(texts.REQUIRED_HINT))}</span>'
    )


def _describedby(q: dict) -> str:
    ids = []
    if q["help_text"]:
        ids.append(f"{q['dom_id']}-help")
    if q["error"]:
        ids.append(f"{q['dom_id']}-error")
    return f' aria-describedby="{" ".join(ids)}"' if ids else ""


def _help_and_error(q: dict) -> list[str]:
    parts = []
    if q["help_text"]:
        parts.append(
            f'<p class="form-text mt-0" id="{q["dom_id"]}-help">'
            f"{escape(q['help_text'])}</p>"
        )
    if q["error"]:
        parts.append(
            f'<p class="invalid-feedback d-block fw-semibold" id="{q["dom_id"]}-error">'
            f"{escape(q['error'])}</p>"
        )
    return parts


def _check(kind: str, name: str, option: dict, css: str = "form-check") -> str:
    checked = " checked" if option["checked"] else ""
    return (
        f'<div class="{css}"><input class="form-check-input" type="{kind}" '
        f'name="{escape(name)}" id="{escape(option["dom_id"])}" '
        f'value="{escape(option["value"])}"{checked}>'
        f'<label class="form-check-label" for="{escape(option["dom_id"])}">'
        f"{escape(option['label'])}</label></div>"
    )


def _scale(q: dict) -> list[str]:
    parts = ['<div class="respondent-scale">']
    for o in q["options"]:
        checked = " checked" if o["checked"] else ""
        parts.append(
            f'<input class="btn-check" type="radio" name="{q["name"]}" '
            f'id="{escape(o["dom_id"])}" value="{escape(o["value"])}"{checked}>'
            f'<label class="btn btn-outline-primary" for="{escape(o["dom_id"])}">'
            f"{escape(o['label'])}</label>"
        )
    parts.append("</div>")
    return parts


def _ranking(q: dict) -> list[str]:
    parts = [f'<p class="form-text mt-0">{escape(texts.rank_hint(len(q["rows"])))}</p>']
    rank_prompt = escape(str(texts.RANK_PROMPT))
    for row in q["rows"]:
        options = [f'<option value="">{rank_prompt}</option>']
        options += [
            f'<option value="{r["value"]}"{" selected" if r["selected"] else ""}>'
            f"{r['value']}</option>"
            for r in row["ranks"]
        ]
        parts.append(
            '<div class="d-flex align-items-center gap-2 mb-2">'
            f'<select class="form-select w-auto" name="{escape(row["name"])}" '
            f'id="{escape(row["dom_id"])}">{"".join(options)}</select>'
            f'<label for="{escape(row["dom_id"])}">{escape(row["label"])}</label></div>'
        )
    return parts


def _other(q: dict) -> str:
    other = q.get("other")
    if not other:
        return ""
    return (
        f'<div class="ms-4 mb-2"><label class="visually-hidden" '
        f'for="{escape(other["dom_id"])}">{escape(other["label"])}</label>'
        f'<input class="form-control" type="text" maxlength="1000" '
        f'name="{escape(other["name"])}" id="{escape(other["dom_id"])}" '
        f'value="{escape(other["value"])}" placeholder="{escape(other["label"])}">'
        "</div>"
    )


def render_question(q: dict) -> SafeString:
    """Return the question's block: fieldset + legend for groups, else label + input."""
    required = _required_mark() if q["required"] else ""
    state = " has-error" if q["error"] else ""
    parts = [f'<div class="respondent-question mb-4{state}">']
    if q["kind"] == "descriptive":
        parts.append(f'<div class="fs-5" id="{q["dom_id"]}">{escape(q["text"])}</div>')
        parts.extend(_help_and_error(q))
    elif q["grouped"]:
        parts.append(
            f'<fieldset id="{q["dom_id"]}" tabindex="-1"{_describedby(q)}>'
            f'<legend class="fs-5 fw-semibold">{escape(q["text"])}{required}</legend>'
        )
        parts.extend(_help_and_error(q))
        if q["kind"] == "matrix":
            for row in q["rows"]:
                parts.append(
                    f'<fieldset class="respondent-matrix-row" id="{escape(row["dom_id"])}">'
                    f'<legend class="fs-6">{escape(row["label"])}</legend>'
                    '<div class="respondent-options">'
                )
                parts.extend(
                    _check("radio", row["name"], o, "form-check form-check-inline")
                    for o in row["options"]
                )
                parts.append("</div></fieldset>")
        elif q["kind"] == "rating":
            parts.extend(_scale(q))
        elif q["kind"] == "nps":
            parts.extend(_scale(q))
            parts.append(
                '<div class="d-flex justify-content-between small text-body-secondary">'
                f"<span>0 = {escape(q['low_label'])}</span>"
                f"<span>10 = {escape(q['high_label'])}</span></div>"
            )
        elif q["kind"] == "ranking":
            parts.extend(_ranking(q))
        else:
            kind = "checkbox" if q["kind"] == "multiple_choice" else "radio"
            parts.extend(_check(kind, q["name"], o) for o in q["options"])
            parts.append(_other(q))
        parts.append("</fieldset>")
    else:
        parts.append(
            f'<label class="form-label fs-5 fw-semibold" for="{q["dom_id"]}">'
            f"{escape(q['text'])}{required}</label>"
        )
        parts.extend(_help_and_error(q))
        invalid = " is-invalid" if q["error"] else ""
        aria = _describedby(q)
        if q["required"]:
            aria += ' aria-required="true"'
        if q["error"]:
            aria += ' aria-invalid="true"'
        common = f'name="{q["name"]}" id="{q["dom_id"]}"{aria}'
        if q["kind"] == "dropdown":
            options = [f'<option value="">{escape(str(texts.CHOOSE_PROMPT))}</option>']
            for o in q["options"]:
                selected = " selected" if o["checked"] else ""
                options.append(
                    f'<option value="{escape(o["value"])}"{selected}>'
                    f"{escape(o['label'])}</option>"
                )
            parts.append(
                f'<select class="form-select form-select-lg{invalid}" {common}>'
                + "".join(options)
                + "</select>"
            )
            parts.append(_other(q))
        elif q["kind"] == "long_text":
            parts.append(
                f'<textarea class="form-control{invalid}" rows="5" {common}>'
                f"{escape(q['value'])}</textarea>"
            )
        else:
            kind = {
                "email": 'type="email" autocomplete="email" inputmode="email"',
                "number": 'type="text" inputmode="decimal"',
                "date": 'type="date"',
            }.get(q["kind"], 'type="text"')
            parts.append(
                f'<input class="form-control form-control-lg{invalid}" {kind} '
                f'{common} value="{escape(q["value"])}">'
            )
    parts.append("</div>")
    return mark_safe("".join(parts))
