"""The 家庭经济状况核对 an accepted application asks of the verification module."""

from __future__ import annotations

import logging

from django.db import transaction

from jiuzhu.verify.services import authorisation_lookup_register, check_household

log = logging.getLogger("jiuzhu.cases")


def request_check(application) -> str:
    """Ask for the 家庭经济状况核对. Called only after pledge and authorisation are on file.

    The check runs after the acceptance commits (it may train the matching model, and a failed
    check must not undo the acceptance); its id is then stored on the case. Returns "" now: the
    reference is filled in on commit. A failed check is logged and leaves the reference empty,
    so the case shows no check result and the county's check office runs it again."""
    app_id, household_id = application.pk, application.household_id

    def run():
        from jiuzhu.cases.models import Application

        try:
            check = check_household(
                household_id=household_id, application_id=app_id, reason="申请受理核对"
            )
        except Exception:
            log.exception("家庭经济状况核对 failed for application %s", app_id)
            return
        Application.objects.filter(pk=app_id).update(check_reference=f"check:{check.pk}")

    transaction.on_commit(run)
    return ""


def check_authorisation_for(household_id: int, application_id: int | None):
    """The household's latest 核对授权书 (of the application, when given), or None."""
    from jiuzhu.cases.models import CheckAuthorisation

    qs = CheckAuthorisation.objects.filter(household_id=household_id)
    if application_id is not None:
        qs = qs.filter(application_id=application_id)
    return qs.order_by("-id").first()


def register() -> None:
    """Called from ``CasesConfig.ready()``: verify's checks find the authorisation here."""
    authorisation_lookup_register(check_authorisation_for)
