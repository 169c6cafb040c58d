"""WCAG contrast of what a browser drew, for the Playwright tests."""

# Return [border colour, page background] of a form control as [r, g, b] lists.
CONTROL_COLOURS_JS = """(node) => {
    const rgb = (value) => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
    return [
        rgb(getComputedStyle(node).borderTopColor),
        rgb(getComputedStyle(document.body).backgroundColor),
    ];
}"""


def contrast_ratio(one: list[float], two: list[float]) -> float:
    """Return the WCAG 2 contrast ratio of two sRGB colours (0-255 channels)."""

    def luminance(rgb):
        channels = []
        for value in rgb:
            c = value / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        r, g, b = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def control_contrast(locator) -> float:
    """Return the contrast of a control's border against the page's background."""
    border, background = locator.evaluate(CONTROL_COLOURS_JS)
    return contrast_ratio(border, background)
