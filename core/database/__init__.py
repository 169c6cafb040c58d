"""Django's PostgreSQL backend with a health check that costs no round trip
(ENGINE "core.database"; see base.py)."""
