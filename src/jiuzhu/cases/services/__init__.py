"""Writes of the cases process, by use case. Each function is one transaction that checks, changes and audits.

Every move of a case goes through ``_common._move``: lock the row, compare the version the caller
read (optimistic locking: a change made meanwhile is refused, never overwritten), ask
``workflow.guard`` whether this actor may make this move in this state over this area, run the
move, append a ``CaseEvent`` (who, when, from, to, why) and an audit event, and open/close the
to-do tasks — all or nothing, so a crash in the middle leaves the case where it was.

Modules: ``intake``, ``signatures``, ``materials``, ``declarations``, ``visits``, ``decisions``,
``notices`` (公示 and objections), ``roll``, ``adjustments``, ``moves``. This package re-exports the
services the pages, the API and other apps call.
"""

from jiuzhu.cases.services.adjustments import (
    adjustment_create,
    death_adjustment,
    death_record,
    payment_officer_check,
)
from jiuzhu.cases.services.decisions import (
    application_approve,
    application_refuse,
    application_resubmit,
    application_return_to_worker,
    application_review,
    application_withdraw,
)
from jiuzhu.cases.services.declarations import declaration_reconcile
from jiuzhu.cases.services.intake import (
    application_accept,
    application_accept_with_pledge,
    application_create,
    application_grant_emergency,
    application_reject_intake,
    application_set_programme,
    intake_submit,
)
from jiuzhu.cases.services.materials import (
    MAX_UPLOAD_BYTES,
    material_upload,
    materials_missing,
    sniff_upload,
)
from jiuzhu.cases.services.moves import MOVES
from jiuzhu.cases.services.notices import (
    application_close_notice,
    objection_resolve,
    objection_submit,
)
from jiuzhu.cases.services.panels import panel_convene, panel_decide, panel_opinion_record
from jiuzhu.cases.services.roll import roll_change, roll_stop
from jiuzhu.cases.services.signatures import authorisation_record, pledge_record, signatures_record
from jiuzhu.cases.services.tracks import track_decide, track_outcome_record, tracks_link
from jiuzhu.cases.services.visits import community_review_record, home_visit_submit, visit_complete

__all__ = [
    "panel_convene",
    "panel_decide",
    "panel_opinion_record",
    "track_decide",
    "track_outcome_record",
    "tracks_link",
    "MAX_UPLOAD_BYTES",
    "MOVES",
    "adjustment_create",
    "application_accept",
    "application_accept_with_pledge",
    "application_approve",
    "application_close_notice",
    "application_create",
    "application_grant_emergency",
    "application_refuse",
    "application_reject_intake",
    "application_resubmit",
    "application_return_to_worker",
    "application_review",
    "application_set_programme",
    "application_withdraw",
    "authorisation_record",
    "community_review_record",
    "death_adjustment",
    "death_record",
    "declaration_reconcile",
    "home_visit_submit",
    "intake_submit",
    "material_upload",
    "materials_missing",
    "objection_resolve",
    "objection_submit",
    "payment_officer_check",
    "pledge_record",
    "roll_change",
    "roll_stop",
    "signatures_record",
    "sniff_upload",
    "visit_complete",
]
