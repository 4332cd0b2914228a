"""The service behind each move of ``workflow.TRANSITIONS`` (the API and the pages dispatch here)."""

from __future__ import annotations

from collections.abc import Callable

from jiuzhu.cases.models import Application
from jiuzhu.cases.services.decisions import (
    application_approve,
    application_refuse,
    application_resubmit,
    application_return_to_reviewer,
    application_return_to_worker,
    application_review,
    application_withdraw,
)
from jiuzhu.cases.services.intake import (
    application_accept,
    application_accept_with_pledge,
    application_grant_emergency,
    application_reject_intake,
)
from jiuzhu.cases.services.notices import application_close_notice, objection_resolve
from jiuzhu.cases.services.roll import roll_change, roll_stop
from jiuzhu.cases.services.visits import community_review_record, home_visit_submit
from jiuzhu.cases.workflow import TRANSITIONS

# The service behind each move of ``workflow.TRANSITIONS`` (the API and the pages dispatch here).
MOVES: dict[str, Callable[..., Application]] = {
    "accept": application_accept,
    "accept_with_pledge": application_accept_with_pledge,
    "reject_intake": application_reject_intake,
    "grant_emergency": application_grant_emergency,
    "submit_visit": home_visit_submit,
    "record_community_review": community_review_record,
    "review": application_review,
    "return_to_worker": application_return_to_worker,
    "resubmit": application_resubmit,
    "close_notice": application_close_notice,
    "resolve_objection": objection_resolve,
    "return_to_reviewer": application_return_to_reviewer,
    "approve": application_approve,
    "refuse": application_refuse,
    "withdraw": application_withdraw,
    "change_amount": roll_change,
    "stop": roll_stop,
}
assert set(MOVES) == set(TRANSITIONS), "every transition needs exactly one service"
