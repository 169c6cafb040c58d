"""The shared fixtures themselves work against the real services."""

from django.core.cache import CacheHandler, cache
from django.core.mail import send_mail

from tests.conftest import APP_CACHES


def test_smtp_server_receives_mail_from_django(smtp_server):
    send_mail("Hello", "Body text", "from@example.org", ["to@example.org"])

    [mail] = smtp_server.wait_for(1)
    assert mail.subject == "Hello"
    assert mail.recipients == ["to@example.org"]
    assert "Body text" in mail.text()


def test_celery_worker_starts_on_the_test_database(celery_worker):
    assert celery_worker.process.poll() is None
    assert "ready." in celery_worker.log()


def test_rate_limit_counts_stay_in_this_run_s_own_cache(client, db):
    address = "198.51.100.77"
    for attempt in range(3):
        client.get(f"/r/no-such-survey-{attempt}/", REMOTE_ADDR=address)

    key = f"surveys:invalid-link:{address}"
    assert cache.get(key) == 3
    # The cache a `make run` here would count in (var/cache, or Redis) saw nothing.
    app_cache = CacheHandler(APP_CACHES)["default"]
    assert app_cache.get(key) is None
