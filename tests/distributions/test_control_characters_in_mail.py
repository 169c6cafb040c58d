"""No bare CR or other control character from a contact reaches the SMTP data.

Issue 14, point 8: values are cleaned when they come in (tests/directories/
test_control_characters.py); rows stored before that, and invitation snapshots,
are cleaned again when a message is rendered, and the MIME writer turns any bare
CR left in a body into a line break.
"""

import re

import pytest

from distributions.services.email_message import (
    delivery_email,
    email_bytes,
    invitation_message,
)
from tests.distributions.pipeline_support import (
    email_distribution,
    published_survey,
)
from tests.distributions.test_email_message import make_invitation
from tests.helpers import make_list

pytestmark = pytest.mark.django_db

BARE_CR = re.compile(rb"\r(?!\n)")
CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def test_a_contact_with_control_characters_renders_clean_mail():
    survey = published_survey()
    distribution = email_distribution(
        survey,
        make_list(survey.owner, n=0),
        subject="Hi ${m://FirstName}",
        body=(
            "Dear ${m://FirstName} ${m://LastName},\n"
            "Notes: ${e://Field/Notes}\n${l://SurveyLink?d=Go}\n"
        ),
    )
    invitation = make_invitation(
        distribution,
        first_name="Ana\rMaría\x07",
        last_name="Lee\x1b[31m",
        embedded_data={"Notes": "one\rtwo\r\nthree\x0b\x00".replace("\x00", "")},
    )

    rendered = invitation_message(distribution=distribution, invitation=invitation)
    _, _, data = email_bytes(
        delivery_email(distribution=distribution, invitation=invitation)
    )

    assert rendered.subject == "Hi Ana María"
    assert "Dear Ana María Lee[31m," in rendered.text
    assert "Notes: one\ntwo\nthree\n" in rendered.text
    assert "one<br>\ntwo<br>\nthree" in rendered.html
    assert not BARE_CR.search(data)
    assert not CONTROLS.search(data)


def test_a_bare_cr_in_an_owners_message_is_a_line_break_on_the_wire():
    survey = published_survey()
    distribution = email_distribution(
        survey,
        make_list(survey.owner, n=0),
        body="First line\rsecond line\r\n${l://SurveyURL}\n",
    )
    invitation = make_invitation(distribution)

    _, _, data = email_bytes(
        delivery_email(distribution=distribution, invitation=invitation)
    )

    assert not BARE_CR.search(data)
    assert b"First line\r\nsecond line\r\n" in data
