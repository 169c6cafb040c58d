"""Writes and workflows of distributions, one module per sub-domain."""
