"""The radios of Compose Email and Generate Links: spaced from their labels, visible.

Django's radio.tag has no Bootstrap class, so the When radios sat flush against
their labels in the browser's faint default style.
"""

import pytest

from tests.contrast import control_contrast
from tests.distributions.ui_support import published_survey
from tests.helpers import make_list

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "name"),
    [("emails/compose/", "when"), ("links/generate/", "scope")],
)
def test_radios_stand_apart_from_their_labels(
    logged_in_page, owner, transactional_db, path, name
):
    survey = published_survey(owner)
    make_list(owner, n=1)
    page = logged_in_page
    page.goto(f"/surveys/{survey.pk}/distributions/{path}")
    radios = page.locator(f"input[type=radio][name={name}]")
    assert radios.count() >= 2
    for radio in radios.all():
        label = page.locator(f"label[for={radio.get_attribute('id')}]")
        gap = label.bounding_box()["x"] - (
            radio.bounding_box()["x"] + radio.bounding_box()["width"]
        )
        assert gap >= 4, (label.inner_text(), gap)
        if not radio.is_checked():
            assert control_contrast(radio) >= 3
