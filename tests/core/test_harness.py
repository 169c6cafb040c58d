"""The shared fixtures themselves work against the real services."""

from django.core.mail import send_mail


def test_smtp_server_receives_mail_from_django(smtp_server):
    send_mail("Hello", "Body text", "from@example.org", ["to@example.org"])

    [mail] = smtp_server.wait_for(1)
    assert mail.subject == "Hello"
    assert mail.recipients == ["to@example.org"]
    assert "Body text" in mail.text()


def test_celery_worker_starts_on_the_test_database(celery_worker):
    assert celery_worker.process.poll() is None
    assert "ready." in celery_worker.log()
