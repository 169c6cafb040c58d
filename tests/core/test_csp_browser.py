"""A strict Content-Security-Policy on every page, owner and respondent (issue 14
point 7): each main page is opened in Chromium and the test fails on any CSP
violation the browser reports (console "Refused to ..." and the
`securitypolicyviolation` events), and on a page served without the policy."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.directories.conftest import csv_bytes
from tests.distributions.ui_support import (
    deliver,
    email_distribution,
    links_batch,
    published_survey,
    sign_in,
)
from tests.helpers import make_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile}:${event.lineNumber})`
  );
});
"""


class CspWatch:
    """Collects what the browser refused, per page, and checks each page's header."""

    def __init__(self, page):
        self.page = page
        self.refused: list[str] = []
        self.unprotected: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message):
        text = message.text
        if "Refused to" in text or "Content Security Policy" in text:
            self.refused.append(f"{self.page.url}: {text}")

    def _response(self, response):
        if response.request.resource_type != "document":
            return
        policy = response.headers.get("content-security-policy", "")
        script_src = next(
            (d for d in policy.split(";") if d.strip().startswith("script-src")), ""
        )
        if "default-src 'self'" not in policy or "unsafe-inline" in script_src:
            self.unprotected.append(f"{response.url}: {policy!r}")

    def visit(self, path: str, heading: str | None = None):
        self.page.goto(path)
        if heading:
            expect(self.page.get_by_role("heading", name=heading).first).to_be_visible()
        self.settle()

    def settle(self):
        self.page.wait_for_load_state("networkidle")
        found = self.page.evaluate("window.__cspViolations || []")
        self.refused.extend(f"{self.page.url}: {v}" for v in found)
        self.page.evaluate("window.__cspViolations = []")

    def assert_clean(self):
        assert not self.unprotected, "pages without a strict CSP:\n" + "\n".join(
            self.unprotected
        )
        assert not self.refused, "CSP violations:\n" + "\n".join(self.refused)


def test_no_page_breaks_the_content_security_policy(
    page, live_server, client, owner, settings, tmp_path
):
    watch = CspWatch(page)
    survey = published_survey(owner, access="anyone")
    students = make_list(owner, n=2)
    sent = email_distribution(survey, students)
    invitation = sent.invitations.first()
    deliver(sent, invitation)
    batch = links_batch(owner, survey)
    link = batch.invitations.first()

    # Signed out: sign-in, sign-up, password reset; the respondent's pages.
    watch.visit("/accounts/login/", "Sign in to Canvass")
    watch.visit("/accounts/signup/", "Create an account")
    watch.visit("/accounts/password/reset/", "Reset your password")
    watch.visit(f"/s/{link.token}/")
    expect(page.get_by_text("Do you live on campus?")).to_be_visible()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Submit").click()
    watch.settle()
    watch.visit(f"/s/{invitation.token}/opt-out/")
    page.get_by_role("button").first.click()
    watch.settle()
    watch.visit(f"/r/{survey.public_key}/")
    watch.visit("/s/no-such-link/")

    # Signed in: the owner's main pages.
    sign_in(page, live_server, client, owner)
    base = f"/surveys/{survey.pk}"
    watch.visit("/surveys/", "Surveys")
    watch.visit(f"{base}/")
    watch.visit(f"{base}/options/")
    watch.visit(f"{base}/closing/")
    watch.visit(f"{base}/translations/")
    from surveys import services

    question = services.question_add(
        survey=survey, page=services.page_add(survey=survey), kind="single_choice"
    )
    watch.visit(f"{base}/questions/{question.pk}/")
    watch.visit(f"{base}/questions/{question.pk}/logic/")
    watch.visit(f"{base}/pages/{question.page_id}/")
    watch.visit(f"{base}/preview/?as=nobody@example.edu")
    watch.visit(f"{base}/distributions/")
    watch.visit(f"{base}/distributions/emails/compose/")
    page.get_by_label("Load Message").select_option(index=1)
    watch.settle()
    watch.visit(f"{base}/distributions/emails/{sent.pk}/")
    watch.visit(f"{base}/distributions/links/")
    watch.visit(f"{base}/distributions/links/generate/")
    watch.visit(f"{base}/distributions/{batch.pk}/recipients/")
    watch.visit(f"{base}/responses/")
    watch.visit(f"{base}/responses/summary/")
    watch.visit(f"{base}/responses/exports/")
    watch.visit("/messages/")
    watch.visit("/accounts/profile/", "Your profile")
    watch.visit("/directories/")
    watch.visit("/directories/lists/")
    watch.visit(f"/directories/lists/{students.pk}/")
    watch.visit(f"/directories/lists/{students.pk}/manual/")
    watch.visit(f"/directories/lists/{students.pk}/upload/")
    upload = tmp_path / "contacts.csv"
    upload.write_bytes(
        csv_bytes(
            [["FirstName", "LastName", "Email"], ["Inès", "Lo", "ines@example.fr"]]
        )
    )
    page.get_by_label("Select a file").set_input_files(str(upload))
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Confirm import fields")).to_be_visible()
    watch.settle()
    page.get_by_role("button", name="Upload the file").click()
    watch.settle()
    watch.visit("/directories/opt-outs/")
    watch.visit("/teams/", "Your teams")
    page.get_by_role("button", name=re.compile("^Team shown")).click()
    watch.settle()
    watch.visit(f"/teams/{students.team_id}/")
    watch.visit(f"/teams/{students.team_id}/audit/", "Audit trail")

    # The Outbox (DEBUG instances only) and a message in it.
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    mail.send_mail("Hello", "Open http://x.test/s/abc/", None, ["a@example.org"])
    watch.visit("/outbox/")

    watch.assert_clean()
