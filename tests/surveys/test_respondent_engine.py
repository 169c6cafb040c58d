"""The answering engine, driven through the anonymous link /r/<public_key>/."""

from django.test import Client

from surveys.models import Answer, Response
from surveys.views.public import RESUME_COOKIE
from tests.surveys.conftest import choice, page1_answers, page2_answers, question

RESPONDENT_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}


def assert_respondent_headers(http):
    for name, value in RESPONDENT_HEADERS.items():
        assert http[name] == value, (name, http.get(name))


def test_opening_the_link_shows_page_one_and_records_nothing(client, survey, link):
    page = client.get(link)
    head = client.head(link)

    assert page.status_code == 200
    text = page.content.decode()
    assert "Campus life" in text
    assert "Tell us about your term." in text
    assert "Page 1 of 2" in text
    assert "Do you live on campus?" in text
    assert head.status_code == 200
    assert Response.objects.count() == 0
    assert RESUME_COOKIE not in page.cookies


def test_first_submit_starts_a_response_and_resumes_at_page_two(client, survey, link):
    submitted = client.post(link, page1_answers(survey))

    assert submitted.status_code == 302
    assert submitted["Location"] == f"{link}?page=2"
    response = Response.objects.get()
    assert response.started_at is not None
    assert response.finished_at is None
    assert response.channel == "anonymous"
    assert response.version.number == 1
    assert response.answers.count() == 3
    assert submitted.cookies[RESUME_COOKIE].value == response.resume_key
    assert submitted.cookies[RESUME_COOKIE]["httponly"]
    assert submitted.cookies[RESUME_COOKIE]["samesite"] == "Lax"

    # Another client (another device) holding the same response resumes at page 2.
    other = Client()
    other.cookies[RESUME_COOKIE] = response.resume_key
    resumed = other.get(link)
    assert "Page 2 of 2" in resumed.content.decode()
    assert "Which services do you use?" in resumed.content.decode()

    # Going back to page 1 shows the saved answers filled in.
    back = other.get(f"{link}?page=1").content.decode()
    assert 'value="Trinity"' in back
    assert 'value="4"' in back
    yes = choice(question(survey, "Do you live on campus?"), "Yes")
    assert f'value="{yes}" checked' in back
    assert Response.objects.count() == 1


def test_a_fresh_browser_cannot_jump_ahead(client, survey, link):
    page = client.get(f"{link}?page=2").content.decode()
    assert "Page 1 of 2" in page


def test_validation_messages_keep_typed_answers(client, survey, link):
    data = page1_answers(survey)
    required = question(survey, "Do you live on campus?")
    courses = question(survey, "How many courses?")
    del data[f"q{required['id']}"]
    data[f"q{courses['id']}"] = "42"

    page = client.post(link, data)

    text = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem with 2 answers" in text
    assert "This question requires an answer." in text
    assert "Enter a number from 1 to 10." in text
    assert 'value="42"' in text
    assert 'value="Trinity"' in text
    assert 'aria-invalid="true"' in text
    assert f'href="#question-{required["id"]}"' in text
    response = Response.objects.get()
    # What was valid is already saved; the page stays where it was.
    assert list(response.answers.values_list("value", flat=True)) == ["Trinity"]
    assert response.current_page == 0


def test_back_keeps_answers_and_finishing_shows_thank_you(client, survey, link):
    client.post(link, page1_answers(survey))
    page2 = page2_answers(survey)

    went_back = client.post(link, {**page2, "action": "back"})
    assert went_back["Location"] == f"{link}?page=1"
    again = client.get(f"{link}?page=2").content.decode()
    assert 'value="ana@example.edu"' in again

    finished = client.post(link, page2)
    assert finished.status_code == 200
    assert "Thank you for completing this survey." in finished.content.decode()
    response = Response.objects.get()
    assert response.finished_at is not None
    assert response.answers.count() == 8

    assert (
        "You have already completed this survey." in client.get(link).content.decode()
    )
    repeat = client.post(link, page2)
    assert "You have already completed this survey." in repeat.content.decode()
    assert Response.objects.count() == 1


def test_finishing_requires_earlier_required_answers(client, survey, link):
    data = page1_answers(survey)
    client.post(link, data)
    required = question(survey, "Do you live on campus?")
    Answer.objects.filter(question_id=required["id"]).delete()

    sent = client.post(link, page2_answers(survey))

    assert sent["Location"] == f"{link}?page=1"
    assert Response.objects.get().finished_at is None


def test_a_get_never_changes_a_started_response(client, survey, link):
    client.post(link, page1_answers(survey))
    before = Response.objects.values().get()

    client.get(link)
    client.head(link)
    client.get(f"{link}?page=1")

    assert Response.objects.values().get() == before


def test_invitation_only_refuses_the_anonymous_link(client, survey, link):
    survey.access = "invitation"
    survey.save()

    for http in (client.get(link), client.post(link, page1_answers(survey))):
        assert http.status_code == 403
        assert "This survey can only be taken by invitation." in http.content.decode()
        assert_respondent_headers(http)
    assert Response.objects.count() == 0


def test_switching_to_invitation_only_stops_a_started_response(client, survey, link):
    client.post(link, page1_answers(survey))
    survey.access = "invitation"
    survey.save()

    http = client.post(link, page2_answers(survey))

    assert http.status_code == 403
    assert Response.objects.get().finished_at is None


def test_a_closed_survey_shows_its_closed_message(client, survey, link):
    from surveys.services.publishing import survey_close

    survey_close(survey=survey)

    http = client.get(link)
    assert (
        "This survey is closed and no longer accepts responses."
        in http.content.decode()
    )
    assert_respondent_headers(http)
    client.post(link, page1_answers(survey))
    assert Response.objects.count() == 0


def test_an_unpublished_survey_is_an_invalid_link(client, owner):
    from tests.factories import build_survey

    draft = build_survey(owner, publish=False)

    http = client.get(f"/r/{draft.public_key}/")

    assert http.status_code == 404
    assert "This link is not available" in http.content.decode()


def test_unknown_links_are_neutral_and_rate_limited(client, settings, survey):
    settings.RESPONDENT_INVALID_LINK_LIMIT = 3
    pages = [client.get(f"/r/unknown{n}/") for n in range(3)]
    assert {p.status_code for p in pages} == {404}
    assert len({p.content for p in pages}) == 1
    assert "This link is not available" in pages[0].content.decode()

    throttled = client.get("/r/unknown4/")
    assert throttled.status_code == 429
    assert throttled["Retry-After"]
    assert_respondent_headers(throttled)
    # The limit is per client: another address is still answered.
    other = client.get("/r/unknown5/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 404
    # A valid link still opens: only failed lookups count.
    assert client.get(f"/r/{survey.public_key}/").status_code == 200


def test_every_respondent_page_carries_the_privacy_headers(client, survey, link):
    pages = [
        client.get(link),
        client.head(link),
        client.post(link, {"page": "1"}),  # errors
        client.post(link, page1_answers(survey)),  # redirect
        client.get(f"{link}?page=2"),
        client.post(link, page2_answers(survey)),  # thank-you
        client.get(link),  # already completed
        client.get("/r/nope/"),  # invalid
    ]
    for http in pages:
        assert_respondent_headers(http)


def test_the_page_has_no_third_party_asset(client, survey, link):
    import re

    text = client.get(link).content.decode()
    sources = re.findall(r'(?:src|href)="([^"#]+)"', text)
    assert sources
    assert all(s.startswith("/") for s in sources), sources


def test_a_submit_needs_no_csrf_cookie_or_session(survey, link):
    # A browser whose cookies expired (or a server restarted) between GET and POST.
    strict = Client(enforce_csrf_checks=True)

    sent = strict.post(link, page1_answers(survey))

    assert sent.status_code == 302
    assert Response.objects.get().answers.count() == 3


def test_expired_and_unknown_links_share_one_neutral_body(rf):
    from surveys.respondent import invalid_link

    request = rf.get("/s/whatever/")
    unknown = invalid_link(request)
    expired = invalid_link(request, gone=True)

    assert unknown.status_code == 404
    assert expired.status_code == 410
    assert unknown.content == expired.content
    assert "This link is not available" in unknown.content.decode()


def test_the_thank_you_follows_the_options(client, survey, link):
    from surveys.services import survey_set_options

    client.post(link, page1_answers(survey))
    survey_set_options(
        survey=survey,
        access="anyone",
        thank_you_message="Merci, see you next term.",
        closed_message="Closed.",
    )

    finished = client.post(link, page2_answers(survey))

    assert "Merci, see you next term." in finished.content.decode()


def test_a_browser_that_lost_its_cookie_still_saves_into_its_response(
    client, survey, link
):
    import re

    client.post(link, page1_answers(survey))
    page2 = client.get(link).content.decode()
    resume = re.search(r'name="resume" value="([^"]+)"', page2).group(1)
    assert resume == Response.objects.get().resume_key

    # The cookie is gone (cleared, expired, another browser profile) before Submit.
    finished = Client().post(link, {**page2_answers(survey), "resume": resume})

    assert "Thank you for completing this survey." in finished.content.decode()
    response = Response.objects.get()
    assert response.finished_at is not None
    assert response.answers.count() == 8
