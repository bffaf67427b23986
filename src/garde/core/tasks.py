"""Background work owned by core. Tasks take ids or nothing, and are safe to run twice.

Core has no task of its own today: expired audit events are erased by the retention sweep
(``garde.retention.tasks``), under the register's rule for ``core.audit_events``.
"""
