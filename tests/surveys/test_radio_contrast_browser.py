"""Unselected radios on a respondent page are easy to see (WCAG 1.4.11: 3:1)."""

import pytest

from tests.contrast import control_contrast

pytestmark = pytest.mark.browser


def test_unselected_radios_have_3_to_1_contrast(phone_page, survey, link):
    phone_page.goto(link)
    radios = phone_page.locator("input[type=radio]:not(:checked)")
    assert radios.count() >= 2
    for radio in radios.all():
        assert control_contrast(radio) >= 3, radio.get_attribute("id")
