"""Embedded data: recorded on each response, exported as columns, filterable."""

from surveys.models import Response, Survey
from tests.surveys.logic_support import choice_id, logic_survey, personal_links


def start(client, link, q, answer="Yes"):
    client.post(link, {"page": "1", f"q{q['q1'].pk}": choice_id(q["q1"], answer)})


def test_declared_fields_are_recorded_exported_and_filterable(
    client, owner, owner_client
):
    survey, q = logic_survey(owner)
    Survey.objects.filter(pk=survey.pk).update(embedded_fields=["Department", "Campus"])
    links = personal_links(owner, survey)
    start(client, links["ana@example.edu"], q)
    start(client, links["ben@example.edu"], q)
    anonymous = f"/r/{survey.public_key}/"
    client.get(anonymous + "?Campus=North")
    client.post(
        anonymous,
        {
            "page": "1",
            f"q{q['q1'].pk}": choice_id(q["q1"], "Yes"),
            "ed:Campus": "North",
        },
    )

    assert sorted(
        Response.objects.values_list("embedded_data", flat=True), key=str
    ) == [{"Campus": "North"}, {"Department": "Chemistry"}, {"Department": "Physics"}]

    export = owner_client.get(f"/surveys/{survey.pk}/responses/export/")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    header = text.splitlines()[0]
    assert "Department,Campus" in header
    assert ",Physics," in text and ",,North," in text

    physics = owner_client.get(
        f"/surveys/{survey.pk}/responses/?field=Department&value=Physics"
    ).content.decode()
    assert "Ana" in physics and "Ben" not in physics
    assert "where Department is “Physics”" in physics
