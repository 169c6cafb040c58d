"""DKIM signing of SMTP mail (issue 17 g): a real key, a real SMTP server, and
dkimpy's verifier reading the public key from the "DNS" record we publish."""

import base64
import subprocess

import dkim
import pytest
from django.core.checks import run_checks

from config.celery import app as celery_app
from distributions.services.dispatch import distributions_dispatch_due
from tests.distributions.pipeline_support import email_distribution, published_survey
from tests.helpers import make_list


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dkim")
    private = folder / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-out", str(private), "2048"],
        check=True,
        capture_output=True,
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return private, record


@pytest.fixture
def eager(settings):
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    yield
    celery_app.conf.task_always_eager = False


def test_smtp_mail_is_signed_and_verifies(db, smtp_server, eager, settings, key_pair):
    private, record = key_pair
    settings.DKIM_DOMAIN = "uni.example"
    settings.DKIM_SELECTOR = "canvass2026"
    settings.DKIM_PRIVATE_KEY_FILE = str(private)
    survey = published_survey()
    email_distribution(survey, make_list(survey.owner, n=2))
    distributions_dispatch_due()
    mails = smtp_server.wait_for(2)

    looked_up = []

    def dns(name, timeout=5):
        looked_up.append(name)
        return record if name == b"canvass2026._domainkey.uni.example." else None

    for mail in mails:
        assert mail.raw.startswith(b"DKIM-Signature:")
        assert b"d=uni.example" in mail.raw and b"s=canvass2026" in mail.raw
        assert dkim.verify(mail.raw, dnsfunc=dns)
        # A changed body or subject no longer verifies.
        assert not dkim.verify(
            mail.raw.replace(b"Take the survey", b"Take a survey"), dnsfunc=dns
        )
    assert looked_up


def test_unsigned_without_a_key(db, smtp_server, eager, settings):
    settings.DKIM_DOMAIN = ""
    settings.DKIM_PRIVATE_KEY_FILE = ""
    survey = published_survey()
    email_distribution(survey, make_list(survey.owner, n=1))
    distributions_dispatch_due()
    [mail] = smtp_server.wait_for(1)
    assert b"DKIM-Signature" not in mail.raw


@pytest.mark.parametrize(
    ("domain", "key_file", "words"),
    [
        ("uni.example", "", "go together"),
        ("uni.example", "/nonexistent/dkim.pem", "cannot be read"),
        ("not a domain", "KEY", "DKIM_DOMAIN must be a domain"),
    ],
)
def test_bad_dkim_settings_are_named(settings, key_pair, domain, key_file, words):
    settings.DKIM_DOMAIN = domain
    settings.DKIM_PRIVATE_KEY_FILE = str(key_pair[0]) if key_file == "KEY" else key_file
    messages = [m.msg for m in run_checks() if m.id == "canvass.E005"]
    assert any(words in m for m in messages), messages
