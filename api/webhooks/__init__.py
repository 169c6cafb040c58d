"""Webhooks: a team's endpoints get signed JSON events about the team's data (Standard Webhooks).

Events are found by polling each app's selectors over overlapping time windows
(`events.py`), so no other app calls into this one; a unique constraint makes each
event one message per endpoint. `delivery.py` POSTs due messages with backoff for up
to a day and disables an endpoint that failed for a day.
"""
