"""The Outbox lists what the file email backend wrote, and exists only with DEBUG."""

import re

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse


@pytest.fixture
def file_mail(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


def send(subject, to, link):
    mail = EmailMultiAlternatives(
        subject, f"Open {link} to answer.", "canvass@example.org", [to]
    )
    mail.attach_alternative(f'<p><a href="{link}">Take the survey</a></p>', "text/html")
    mail.send()


@pytest.mark.django_db
def test_outbox_lists_mails_newest_first_and_shows_one(client, settings, file_mail):
    settings.DEBUG = True
    send("First invitation", "ann@example.org", "http://canvass.test/s/one/")
    send("Second invitation", "bob@example.org", "http://canvass.test/s/two/")

    page = client.get(reverse("core:public_outbox")).content.decode()
    assert page.index("Second invitation") < page.index("First invitation")
    assert "bob@example.org" in page

    first_link = re.search(r'href="(/outbox/[^"/]+\.log/\d+/)"', page).group(1)
    message = client.get(first_link).content.decode()
    assert "Second invitation" in message
    # The text part's link is clickable; the HTML part sits in a sandboxed frame.
    assert '<a href="http://canvass.test/s/two/"' in message
    assert 'sandbox="allow-popups' in message
    assert "srcdoc=" in message and "Take the survey" in message


@pytest.mark.django_db
def test_outbox_is_404_without_debug(client, settings, file_mail):
    settings.DEBUG = False
    send("Hidden", "ann@example.org", "http://canvass.test/s/one/")

    assert client.get(reverse("core:public_outbox")).status_code == 404
    name = next(file_mail.iterdir()).name
    assert client.get(f"/outbox/{name}/0/").status_code == 404


@pytest.mark.django_db
def test_outbox_refuses_names_outside_its_folder(client, settings, file_mail):
    settings.DEBUG = True
    assert client.get("/outbox/..%2Fsecret.log/0/").status_code == 404
    assert client.get("/outbox/missing.log/0/").status_code == 404
