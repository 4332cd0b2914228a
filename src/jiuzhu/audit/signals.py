"""``audit_recorded``: sent with the rows just appended to the audit chain (inside the change's
transaction). Subscribers that act outside the database defer to ``transaction.on_commit``."""

from django.dispatch import Signal

audit_recorded = Signal()  # kwargs: events (list of AuditEvent)
