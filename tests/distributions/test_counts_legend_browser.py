"""The Emails and Personal links pages say what each count counts.

"Surveys Started" counts people who started and have not finished (the Qualtrics
"Survey Started" status), which surprises anyone who expects it to include the
finished ones. The meaning is visible text under the table: a phone has no hover,
and a screen reader reads it as a list of terms and their definitions.
"""

import pytest

from tests.conftest import assert_no_axe_violations
from tests.distributions.ui_support import (
    links_batch,
    published_survey,
    sent_email,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "terms"),
    [
        (
            "",
            [
                "Emails Sent",
                "Emails Failed",
                "Emails Bounced",
                "Emails Opened",
                "Emails Skipped",
                "Opted Out",
                "Surveys Started",
                "Surveys Finished",
            ],
        ),
        ("links/", ["Links", "Opted Out", "Surveys Started", "Surveys Finished"]),
    ],
)
def test_each_count_is_explained_on_a_phone(
    phone_page, live_server, client, owner, transactional_db, path, terms
):
    survey = published_survey(owner)
    sent_email(owner, survey)
    links_batch(owner, survey)
    page = sign_in(phone_page, live_server, client, owner)
    page.goto(f"/surveys/{survey.pk}/distributions/{path}")

    legend = page.get_by_role("region", name="What the counts mean")
    assert legend.get_by_role("term").all_inner_texts() == terms
    started = legend.get_by_role("definition").nth(terms.index("Surveys Started"))
    assert "have not finished" in started.inner_text()
    assert "Survey Started" in started.inner_text()
    for definition in legend.get_by_role("definition").all():
        definition.scroll_into_view_if_needed()
        assert definition.is_visible()
        box = definition.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert_no_axe_violations(page)
