"""疑难案例会商 (一事一议; 刚性支出办法 Art. 9, 临时救助 major cases): a panel step on any case,
whatever its chain. Convened by the reviewer or approver of the case's area; every member gives
an opinion; the decision is recorded; the case is not decided while its panel is open."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import user_scope
from jiuzhu.audit.services import audit_record
from jiuzhu.cases.models import Application, CaseEvent, CasePanel, State
from jiuzhu.core.errors import ServiceError

MIN_MEMBERS = 3  # a panel is more than two people (民政、相关部门、村居代表 …)
CLOSED_STATES = (
    State.APPROVED,
    State.REFUSED,
    State.WITHDRAWN,
    State.REJECTED_INTAKE,
    State.STOPPED,
)
LABEL_CONVENE = gettext_noop("发起疑难案例会商")
LABEL_DECIDE = gettext_noop("会商形成结论")


def _may_convene(actor, area_code: str) -> bool:
    return any(
        user_scope(actor, c).contains(area_code)
        for c in (Capability.CASE_REVIEW, Capability.CASE_APPROVE)
    )


def _event(app, actor, action, label, reason, data):
    CaseEvent.objects.create(
        application=app,
        action=action,
        action_label=label,
        from_state=app.state,
        to_state=app.state,
        actor=actor,
        actor_name=actor.get_full_name() or getattr(actor, "full_name", "") or actor.get_username(),
        reason=reason,
        data=data,
    )
    audit_record(
        actor=actor,
        action=f"case.{action}",
        subject_type="application",
        subject_id=app.pk,
        household_id=app.household_id,
        area_code=app.area_id,
        reason=reason,
        after=data,
    )


@transaction.atomic
def panel_convene(*, actor, application_id: int, topic: str, members: list[str]) -> CasePanel:
    app = Application.objects.select_for_update().filter(pk=application_id).first()
    if app is None or not _may_convene(actor, app.area_id):
        raise ServiceError(_("申请不存在"), code="not_found")
    if app.state in CLOSED_STATES:
        raise ServiceError(_("已办结的申请不能再发起会商"), code="wrong_state")
    if app.panels.filter(decided_at__isnull=True).exists():
        raise ServiceError(_("本案已有未结束的会商"), code="panel_open")
    names = list(dict.fromkeys(m.strip() for m in members or [] if m and m.strip()))
    errors: dict[str, list[str]] = {}
    if len(names) < MIN_MEMBERS:
        errors["members"] = [_("会商成员至少 %(n)s 人（不重复）") % {"n": MIN_MEMBERS}]
    if not (topic or "").strip():
        errors["topic"] = [_("请写明会商事项")]
    if errors:
        raise ServiceError(errors=errors)
    panel = CasePanel.objects.create(
        application=app, topic=topic.strip()[:300], members=names, convened_by=actor
    )
    _event(
        app,
        actor,
        "panel_convene",
        LABEL_CONVENE,
        topic.strip(),
        {"panel": panel.pk, "members": names},
    )
    return panel


@transaction.atomic
def panel_opinion_record(*, actor, panel_id: int, member: str, opinion: str) -> CasePanel:
    panel = (
        CasePanel.objects.select_for_update()
        .select_related("application")
        .filter(pk=panel_id)
        .first()
    )
    if panel is None or not _may_convene(actor, panel.application.area_id):
        raise ServiceError(_("会商不存在"), code="not_found")
    if not panel.is_open:
        raise ServiceError(_("会商已形成结论"), code="wrong_state")
    if member not in panel.members:
        raise ServiceError(_("%(name)s 不是本次会商的成员") % {"name": member}, field="member")
    if any(o["member"] == member for o in panel.opinions):
        raise ServiceError(_("%(name)s 的意见已记录") % {"name": member}, field="member")
    if not (opinion or "").strip():
        raise ServiceError(_("请填写意见"), field="opinion")
    panel.opinions = [
        *panel.opinions,
        {"member": member, "opinion": opinion.strip()[:500], "at": timezone.now().isoformat()},
    ]
    panel.save(update_fields=["opinions"])
    audit_record(
        actor=actor,
        action="case.panel_opinion",
        subject_type="application",
        subject_id=panel.application_id,
        household_id=panel.application.household_id,
        area_code=panel.application.area_id,
        after={"panel": panel.pk, "member": member},
    )
    return panel


@transaction.atomic
def panel_decide(*, actor, panel_id: int, decision: str) -> CasePanel:
    panel = (
        CasePanel.objects.select_for_update()
        .select_related("application")
        .filter(pk=panel_id)
        .first()
    )
    if panel is None or not _may_convene(actor, panel.application.area_id):
        raise ServiceError(_("会商不存在"), code="not_found")
    if not panel.is_open:
        raise ServiceError(_("会商已形成结论"), code="wrong_state")
    missing = [m for m in panel.members if m not in {o["member"] for o in panel.opinions}]
    if missing:
        raise ServiceError(
            _("还缺少成员意见：%(names)s") % {"names": "、".join(missing)},
            field="opinions",
            code="opinions_missing",
        )
    if not (decision or "").strip():
        raise ServiceError(_("请填写会商结论"), field="decision")
    panel.decision = decision.strip()
    panel.decided_by = actor
    panel.decided_at = timezone.now()
    panel.save(update_fields=["decision", "decided_by", "decided_at"])
    _event(
        panel.application, actor, "panel_decide", LABEL_DECIDE, panel.decision, {"panel": panel.pk}
    )
    return panel
