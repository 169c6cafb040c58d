"""What the engine accepts and refuses for each kind of question."""

from django.http import QueryDict

from surveys import engine


def _page(**question):
    return {"questions": [{"id": 7, "text": "Q", "required": False, **question}]}


def _parse(page, query: str):
    return engine.parse_page(page, QueryDict(query))


def test_numbers_in_bounds_decimals_and_refusals():
    page = _page(kind="number", min_value=0, max_value=100)
    assert _parse(page, "q7=42").values == {7: 42}
    assert _parse(page, "q7=2,5").values == {7: 2.5}
    assert _parse(page, "q7=101").errors == {7: "Enter a number from 0 to 100."}
    assert _parse(page, "q7=abc").errors == {7: "Enter a number, like 42."}
    assert _parse(page, "q7=NaN").errors == {7: "Enter a number, like 42."}
    assert _parse(page, "q7=").blank == [7]


def test_email_and_required_text():
    page = _page(kind="email", required=True)
    assert _parse(page, "q7=ana%40example.edu").values == {7: "ana@example.edu"}
    assert "Enter an email address" in _parse(page, "q7=ana").errors[7]
    assert _parse(page, "q7=+").errors == {7: engine.REQUIRED_MESSAGE}


def test_choices_only_from_the_list_and_in_their_order():
    choices = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]
    multi = _page(kind="multiple_choice", choices=choices)
    assert _parse(multi, "q7=b&q7=a").values == {7: ["a", "b"]}
    assert _parse(multi, "q7=z").errors == {7: "Choose among the options."}
    single = _page(kind="single_choice", choices=choices)
    assert _parse(single, "q7=z").errors == {7: "Choose one of the options."}


def test_rating_points_and_matrix_rows():
    rating = _page(kind="rating", min_value=0, max_value=10)
    assert _parse(rating, "q7=0").values == {7: 0}
    assert _parse(rating, "q7=11").errors == {
        7: "Choose one of the points on the scale."
    }
    matrix = _page(
        kind="matrix",
        required=True,
        choices=[{"id": "y", "label": "Yes"}, {"id": "n", "label": "No"}],
        statements=[{"id": "s1", "label": "One"}, {"id": "s2", "label": "Two"}],
    )
    assert _parse(matrix, "q7_s1=y&q7_s2=n").values == {7: {"s1": "y", "s2": "n"}}
    partial = _parse(matrix, "q7_s1=y")
    assert partial.errors == {7: "Answer every statement."}
    # The row already answered is kept, so it is not lost when the page comes back.
    assert partial.values == {7: {"s1": "y"}}
