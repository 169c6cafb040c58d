"""Reads of distributions, always scoped by the acting user where a page asks.

history    the history and links CSV rows (one query, streamed)
counts     the Emails / Personal links rows' counts
pages      the distributions of a survey as page rows, and owner-scoped gets
invitations one link: by token, with status, search, timeline
messages   the message library
"""
