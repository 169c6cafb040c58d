"""Send rate limits per sending account, shared by every worker (issue 17 f).

A provider (Amazon SES: 14 messages/s by default, a daily quota) or a campus
relay allows so many messages per second and per hour to one account. Each
email takes a token before its SMTP transaction (send.py: send_rate_acquire,
or send_rate_try for an email announced ahead on a pipelined connection): two
token buckets in Redis, per second (SEND_RATE_PER_SECOND, a burst of one
second's worth) and per hour (SEND_RATE_PER_HOUR), checked and taken together
by one Lua script, with Redis's clock, so all worker processes on all machines
share them. A lane that finds no
token sleeps for the time the script says the next one needs.

The account is the sending backend and its login (SEND_RATE_ACCOUNT overrides
it): two Canvass instances sending through one account should share a Redis
and name the same account. Without REDIS_URL (one machine, the on-disk broker)
the buckets are per process: each worker process gets the whole rate, so run one.
"""

import hashlib
import threading
import time

from django.conf import settings

# KEYS[1]: the bucket hash. ARGV: per-second rate, per-hour rate (0: none).
# Returns 0 when a token was taken, else the milliseconds until one can be.
_SCRIPT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local per_second = tonumber(ARGV[1])
local per_hour = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 's', 'h', 't')
local s = tonumber(state[1]) or per_second
local h = tonumber(state[2]) or per_hour
local last = tonumber(state[3]) or t
local elapsed = math.max(0, t - last)
if per_second > 0 then s = math.min(per_second, s + elapsed * per_second) end
if per_hour > 0 then h = math.min(per_hour, h + elapsed * per_hour / 3600) end
local wait = 0
if per_second > 0 and s < 1 then wait = math.max(wait, (1 - s) / per_second) end
if per_hour > 0 and h < 1 then wait = math.max(wait, (1 - h) * 3600 / per_hour) end
if wait == 0 then
  if per_second > 0 then s = s - 1 end
  if per_hour > 0 then h = h - 1 end
end
redis.call('HSET', KEYS[1], 's', s, 'h', h, 't', t)
redis.call('EXPIRE', KEYS[1], 7200)
return math.ceil(wait * 1000)
"""

_local = threading.local()
_lock = threading.Lock()
_process_bucket: dict = {}


def rate_limited() -> bool:
    return bool(settings.SEND_RATE_PER_SECOND or settings.SEND_RATE_PER_HOUR)


def send_rate_per_second() -> float:
    """The sustained rate the limits allow (0: unlimited), for finish estimates."""
    rates = [
        r
        for r in (settings.SEND_RATE_PER_SECOND, settings.SEND_RATE_PER_HOUR / 3600)
        if r
    ]
    return min(rates) if rates else 0.0


def _account_key() -> str:
    account = settings.SEND_RATE_ACCOUNT or "|".join(
        [settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_HOST_USER]
    )
    digest = hashlib.sha256(account.encode()).hexdigest()[:16]
    return f"canvass:send-rate:{digest}"


def _redis():
    client = getattr(_local, "client", None)
    if client is None:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        _local.client = client
        _local.script = client.register_script(_SCRIPT)
    return _local.script


def _take_in_process() -> float:
    """The same buckets in this process's memory (no Redis configured)."""
    per_second, per_hour = settings.SEND_RATE_PER_SECOND, settings.SEND_RATE_PER_HOUR
    with _lock:
        now = time.monotonic()
        s = _process_bucket.get("s", per_second)
        h = _process_bucket.get("h", per_hour)
        elapsed = now - _process_bucket.get("t", now)
        if per_second:
            s = min(per_second, s + elapsed * per_second)
        if per_hour:
            h = min(per_hour, h + elapsed * per_hour / 3600)
        wait = 0.0
        if per_second and s < 1:
            wait = max(wait, (1 - s) / per_second)
        if per_hour and h < 1:
            wait = max(wait, (1 - h) * 3600 / per_hour)
        if not wait:
            s, h = s - (1 if per_second else 0), h - (1 if per_hour else 0)
        _process_bucket.update(s=s, h=h, t=now)
        return wait


def _take() -> float:
    """Take a token if one is there; return 0, else the seconds until one is."""
    if settings.REDIS_URL:
        return (
            _redis()(
                keys=[_account_key()],
                args=[settings.SEND_RATE_PER_SECOND, settings.SEND_RATE_PER_HOUR],
            )
            / 1000
        )
    return _take_in_process()


def send_rate_try() -> bool:
    """Take a token for one more message if one is there now; never wait.

    send.py announces the next email on a pipelined SMTP connection only with
    its token in hand: waiting for one then would keep the mail server waiting
    for a body it was promised.
    """
    return not rate_limited() or _take() <= 0


def send_rate_acquire() -> float:
    """Wait until the account may send one more message; return the seconds waited."""
    if not rate_limited():
        return 0.0
    waited = 0.0
    while (wait := _take()) > 0:
        time.sleep(wait)
        waited += wait
    return waited
