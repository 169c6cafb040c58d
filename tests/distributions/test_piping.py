"""Piped text: every placeholder, escaping in HTML, refusals an owner can act on."""

from distributions.default_messages import DEFAULT_MESSAGES
from distributions.services.piping import message_errors, render_message

VALUES = {
    "first_name": "Ana",
    "last_name": "O'Brien <b>",
    "email": "ana@example.edu",
    "external_reference": "S-42",
    "embedded_data": {"Cohort": "2026 & later", "Dept": "<script>x</script>"},
}
SURVEY_URL = "https://canvass.example/s/TOKEN123/"
OPT_OUT_URL = "https://canvass.example/s/TOKEN123/opt-out/"


def render(subject="Hi", body="${l://SurveyURL}", values=VALUES):
    return render_message(
        subject=subject,
        body=body,
        invitation_values=values,
        survey_url=SURVEY_URL,
        opt_out_url=OPT_OUT_URL,
    )


def test_every_placeholder_is_replaced_in_text():
    body = (
        "${m://FirstName} ${m://LastName} ${m://Email} ${m://ExternalDataReference}\n"
        "Cohort ${e://Field/Cohort}\n"
        "URL ${l://SurveyURL}\n"
        "${l://SurveyLink?d=Take the survey}\n"
        "${l://OptOutLink?d=Unsubscribe}"
    )

    message = render(body=body)

    assert message.text == (
        "Ana O'Brien <b> ana@example.edu S-42\n"
        "Cohort 2026 & later\n"
        f"URL {SURVEY_URL}\n"
        f"Take the survey <{SURVEY_URL}>\n"
        f"Unsubscribe <{OPT_OUT_URL}>"
    )


def test_html_escapes_contact_values_and_makes_links():
    body = (
        "Dear ${m://LastName},\n${e://Field/Dept}\n\n"
        "${l://SurveyLink?d=Take%20the%20survey} or ${l://SurveyURL}\n\n"
        "${l://OptOutLink?d=Unsubscribe}"
    )

    html = render(body=body).html

    assert "O&#x27;Brien &lt;b&gt;" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>" not in html and "<b>" not in html
    assert f'<a href="{SURVEY_URL}">Take the survey</a>' in html
    assert f'<a href="{SURVEY_URL}">{SURVEY_URL}</a>' in html
    assert f'<a href="{OPT_OUT_URL}">Unsubscribe</a>' in html
    assert "<p>Dear O&#x27;Brien &lt;b&gt;,<br>" in html


def test_owner_text_is_escaped_in_html_too():
    html = render(body="Use <i>this</i> & ${l://SurveyURL}").html

    assert "Use &lt;i&gt;this&lt;/i&gt; &amp; " in html


def test_link_text_defaults_when_d_is_missing():
    message = render(body="${l://SurveyLink} ${l://OptOutLink}")

    assert f"Take the survey <{SURVEY_URL}>" in message.text
    assert "Click here to unsubscribe" in message.text


def test_subject_is_one_line_whatever_the_values():
    values = {**VALUES, "first_name": "Ana\r\nBcc: victim@example.org"}

    message = render(subject="Hello ${m://FirstName}\nX-Evil: 1", values=values)

    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.subject == "Hello Ana Bcc: victim@example.org X-Evil: 1"


def test_missing_values_render_empty():
    message = render(body="[${e://Field/Cohort}] ${l://SurveyURL}", values={})

    assert message.text.startswith("[] ")


def test_a_valid_message_has_no_errors():
    assert (
        message_errors(
            subject="For ${m://FirstName}",
            body="${e://Field/Cohort} ${l://SurveyLink?d=Go}",
            embedded_fields=["Cohort"],
        )
        == []
    )


def test_unknown_placeholders_are_named():
    errors = message_errors(
        subject="${m://Nickname}",
        body="${l://SurveyURL} ${x://Foo} ${l://SurveyURL?d=x}",
        embedded_fields=[],
    )

    assert any("Subject: Unknown piped text ${m://Nickname}" in e for e in errors)
    assert any("Message: Unknown piped text ${x://Foo}" in e for e in errors)
    assert any("${l://SurveyURL?d=x}" in e for e in errors)


def test_unknown_embedded_field_is_refused_with_the_list_fields():
    errors = message_errors(
        subject="Hi",
        body="${e://Field/cohort} ${l://SurveyURL}",
        embedded_fields=["Cohort", "Dept"],
    )

    assert errors == [
        "Message: the embedded data field 'cohort' is not in this list "
        "(fields: Cohort, Dept)."
    ]


def test_a_body_without_the_survey_link_is_refused():
    errors = message_errors(
        subject="${l://SurveyURL}",
        body="Hello ${l://OptOutLink?d=Unsubscribe}",
        embedded_fields=[],
    )

    assert errors == [
        "Message: there is no survey link. Insert ${l://SurveyURL} or "
        "${l://SurveyLink?d=Take the survey}."
    ]


def test_thank_you_may_go_without_the_survey_link():
    assert (
        message_errors(
            subject="Thanks",
            body="Thank you",
            embedded_fields=[],
            require_survey_link=False,
        )
        == []
    )


def test_unclosed_placeholder_is_refused():
    errors = message_errors(
        subject="Hi", body="${l://SurveyURL} ${m://FirstName", embedded_fields=[]
    )

    assert errors == ["Message: Piped text '${m://FirstName' is not closed with }."]


def test_default_messages_are_valid():
    for message_type, message in DEFAULT_MESSAGES.items():
        assert (
            message_errors(
                subject=message["subject"],
                body=message["body"],
                embedded_fields=[],
                require_survey_link=message_type != "thank_you",
            )
            == []
        ), message_type
        assert "${l://OptOutLink" in message["body"]
