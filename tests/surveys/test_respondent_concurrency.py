"""Double clicks, refreshes and several tabs finishing at once: one finished response."""

import threading

import pytest
from django.db import connection
from django.test import Client

from surveys.models import Response
from surveys.views.public import RESUME_COOKIE
from tests.factories import build_survey
from tests.surveys.conftest import page1_answers, page2_answers


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_final_submits_finish_one_response(owner):
    survey = build_survey(owner)
    link = f"/r/{survey.public_key}/"
    first = Client()
    first.post(link, page1_answers(survey))
    resume_key = Response.objects.get().resume_key
    final = page2_answers(survey)
    barrier = threading.Barrier(20)
    results = []

    def submit():
        try:
            tab = Client(raise_request_exception=False)
            tab.cookies[RESUME_COOKIE] = resume_key
            barrier.wait()
            http = tab.post(link, final)
            results.append((http.status_code, http.content.decode()))
        finally:
            # Each thread has its own connection; close it so the test DB can be dropped.
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in results] == [200] * 20
    thanked = [text for _, text in results if "Thank you for completing" in text]
    already = [text for _, text in results if "already completed" in text]
    assert len(thanked) == 1
    assert len(already) == 19
    response = Response.objects.get()
    assert response.finished_at is not None
    assert response.answers.count() == 8


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_first_submit_makes_one_response(owner):
    import re

    survey = build_survey(owner)
    link = f"/r/{survey.public_key}/"
    page = Client().get(link).content.decode()
    resume = re.search(r'name="resume" value="([^"]+)"', page).group(1)
    data = {**page1_answers(survey), "resume": resume}
    barrier = threading.Barrier(10)
    results = []

    def submit():
        try:
            # No cookie yet: each click is a request of its own, sent at once.
            browser = Client(raise_request_exception=False)
            barrier.wait()
            http = browser.post(link, data)
            results.append((http.status_code, http.cookies.get(RESUME_COOKIE)))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in results] == [302] * 10
    response = Response.objects.get()
    assert {cookie.value for _, cookie in results} == {response.resume_key}
    assert response.answers.count() == 3
    assert response.current_page == 1
