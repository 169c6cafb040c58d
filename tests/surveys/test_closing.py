"""Closing rules: a date in the owner's zone, a cap, quotas; preview as a contact."""

import datetime
import zoneinfo

from django.utils import timezone

from accounts.models import Profile
from surveys.models import Response, Survey
from tests.surveys.logic_support import choice_id, logic_survey, personal_links


def finish(client, link, q):
    client.post(link, {"page": "1", f"q{q['q1'].pk}": choice_id(q["q1"], "Yes")})
    if "Which lab" in client.get(link).content.decode():
        client.post(link, {"page": "2", f"q{q['q3'].pk}": choice_id(q["q3"], "No lab")})
    else:
        client.post(link, {"page": "2"})
    return client.post(link, {"page": "3"}).content.decode()


def test_a_cap_closes_the_survey_and_stops_those_in_progress(client, owner):
    survey, q = logic_survey(owner)
    Survey.objects.filter(pk=survey.pk).update(close_after_finished=2)
    links = personal_links(owner, survey)
    # Di starts before the cap is reached; Ben is screened out (not counted).
    client.post(
        links["di@example.edu"],
        {"page": "1", f"q{q['q1'].pk}": choice_id(q["q1"], "Yes")},
    )
    client.post(
        links["ben@example.edu"],
        {"page": "1", f"q{q['q1'].pk}": choice_id(q["q1"], "No")},
    )

    assert "Thanks Ana" in finish(client, links["ana@example.edu"], q)
    assert "Thanks Cy" in finish(client, links["cy@example.edu"], q)

    survey.refresh_from_db()
    assert survey.state == Survey.State.CLOSED
    # In progress at closing: the closed message, the response stays unfinished.
    di = client.get(links["di@example.edu"]).content.decode()
    assert survey.closed_message in di
    assert Response.objects.filter(finished_at__isnull=False).count() == 3
    assert Response.objects.filter(finished_at__isnull=True).count() == 1


def test_a_finish_past_the_cap_is_refused_under_the_lock(client, owner):
    survey, q = logic_survey(owner)
    links = personal_links(owner, survey)
    client.post(
        links["di@example.edu"],
        {"page": "1", f"q{q['q1'].pk}": choice_id(q["q1"], "Yes")},
    )
    client.post(links["di@example.edu"], {"page": "2"})
    finish(client, links["ben@example.edu"], q)
    # The cap is set once Ben finished: Di's last page is refused, not counted.
    Survey.objects.filter(pk=survey.pk).update(close_after_finished=1)

    last = client.post(links["di@example.edu"], {"page": "3"}).content.decode()

    assert "no longer accepts responses" in last
    assert Response.objects.filter(finished_at__isnull=False).count() == 1


def test_a_closing_date_is_read_in_the_owners_zone(owner_client, owner, client):
    survey, q = logic_survey(owner)
    Profile.objects.update_or_create(user=owner, defaults={"time_zone": "Asia/Tokyo"})

    owner_client.post(
        f"/surveys/{survey.pk}/closing/",
        {
            "embedded_fields": "Department",
            "close_at": "2030-01-02T09:30",
            "screen_out_message": "Not this time.",
        },
    )

    survey.refresh_from_db()
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    assert survey.close_at == datetime.datetime(2030, 1, 2, 9, 30, tzinfo=tokyo)
    link = f"/r/{survey.public_key}/"
    assert "Do you teach?" in client.get(link).content.decode()
    Survey.objects.filter(pk=survey.pk).update(
        close_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert "no longer accepts responses" in client.get(link).content.decode()


def test_a_quota_per_embedded_value_screens_out_the_next(client, owner):
    survey, q = logic_survey(owner)
    Survey.objects.filter(pk=survey.pk).update(
        quotas=[{"source": "e:Department", "limit": 1}],
        screen_out_message="Physics is full, thank you.",
    )
    links = personal_links(owner, survey)
    assert "Thanks Ana" in finish(client, links["ana@example.edu"], q)

    cy = client.get(links["cy@example.edu"]).content.decode()  # Physics too

    assert "Physics is full, thank you." in cy
    assert "Thanks Ben" in finish(client, links["ben@example.edu"], q)  # Chemistry


def test_preview_as_a_contact_pipes_their_data_and_records_nothing(owner_client, owner):
    survey, q = logic_survey(owner)
    personal_links(owner, survey)  # puts the people in the owner's lists
    preview = f"/surveys/{survey.pk}/preview/"

    page = owner_client.get(preview + "?as=ana@example.edu").content.decode()
    assert "Hi Ana, as a member of Physics" in page
    assert "Previewing as Ana" in page

    page2 = owner_client.post(
        preview,
        {
            "as": "ana@example.edu",
            "answers": "{}",
            "page": "1",
            f"q{q['q1'].pk}": choice_id(q["q1"], "Yes"),
            f"q{q['q2'].pk}": "Optics",
        },
    ).content.decode()
    assert "Which lab, Ana?" in page2
    assert "How big is Optics?" in page2

    screened = owner_client.post(
        preview,
        {
            "as": "ben@example.edu",
            "page": "1",
            f"q{q['q1'].pk}": choice_id(q["q1"], "No"),
        },
    ).content.decode()
    assert "only for people who teach" in screened
    assert Response.objects.count() == 0


def test_the_closing_form_keeps_several_quotas_and_each_applies(
    owner_client, owner, client
):
    survey, q = logic_survey(owner)
    url = f"/surveys/{survey.pk}/closing/"
    two = {
        "embedded_fields": "Department",
        "screen_out_message": "That group is full.",
        "quota_source_0": "e:Department",
        "quota_limit_0": "5",
        "quota_source_1": f"q:{q['q1'].pk}",
        "quota_limit_1": "1",
    }
    assert owner_client.post(url, two).status_code == 302
    survey.refresh_from_db()
    assert survey.quotas == [
        {"source": "e:Department", "limit": 5},
        {"source": f"q:{q['q1'].pk}", "limit": 1},
    ]
    page = owner_client.get(url).content.decode()
    assert 'name="quota_source_2"' in page  # room for one more
    assert 'name="quota_limit_1" value="1"' in page

    # The second quota (one finished "Yes" to Q1) screens out the next "Yes".
    links = personal_links(owner, survey)
    assert "Thanks Ana" in finish(client, links["ana@example.edu"], q)
    ben = client.post(
        links["ben@example.edu"],
        {"page": "1", f"q{q['q1'].pk}": choice_id(q["q1"], "Yes")},
    ).content.decode()
    assert "That group is full." in ben

    twice = dict(two, quota_source_1="e:Department")
    refused = owner_client.post(url, twice).content.decode()
    assert "one quota per field or question" in refused
    half = dict(two, quota_limit_1="")
    assert "Enter how many per value." in owner_client.post(url, half).content.decode()
    survey.refresh_from_db()
    assert len(survey.quotas) == 2
