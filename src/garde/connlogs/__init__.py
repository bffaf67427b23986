"""Connection logs: a dedicated, tamper-evident store kept exactly one year.

See docs/connlogs.md.
"""
