"""Decision letters (决定书 / 不予批准通知书 / 不予受理通知书) as Chinese PDFs."""

from __future__ import annotations

from jiuzhu.areas.models import Area
from jiuzhu.core import clock
from jiuzhu.core.language import official_language
from jiuzhu.core.pdf import Gap, Heading, Para, Table, render_pdf

TITLES = {
    "approval": "{programme}审核确认决定书",
    "refusal": "{programme}不予批准通知书",
    "intake_refusal": "社会救助申请不予受理通知书",
    "adjustment": "{programme}{purpose}决定书",
}
LEGAL_BASIS = {
    "dibao": "《最低生活保障审核确认办法》（民政部，2021年）第二十一条",
    "tekun": "《特困人员认定办法》（民政部，2021年）第十四条至第十六条",
    "temporary_aid": "《社会救助暂行办法》第四十七条至第四十九条",
}
APPEAL = (
    "如对本决定不服，可以自收到本决定书之日起六十日内向上一级民政部门或本级人民政府申请行政复议，"
    "或者在六个月内依法向人民法院提起行政诉讼。"
)


def _office(app) -> str:
    code = app.area_id
    county = Area.objects.filter(code=code[:6] + "000000").first()
    township = Area.objects.filter(code=code[:9] + "000").first()
    if (app.chain or {}).get("review_is_final") and township:
        return f"{township.full_name()}"
    return f"{county.full_name() if county else ''}民政局"


def letter_pdf(*, app, kind: str, number: str, reason: str, actor) -> bytes:
    """The letter as issued: an official document in Chinese, whatever language the actor
    reads (the programme and purpose labels are translated strings)."""
    with official_language():
        return _letter_pdf(app=app, kind=kind, number=number, reason=reason, actor=actor)


def _letter_pdf(*, app, kind: str, number: str, reason: str, actor) -> bytes:
    title = TITLES[kind].format(programme=app.programme_label, purpose=app.get_purpose_display())
    applicant = app.applicant
    today = clock.today()
    maker = getattr(actor, "full_name", "") or actor.get_username()
    blocks = [
        Para(f"文号：{number}", small=True),
        Para(f"{applicant.name}（申请编号 {app.number}）："),
        Gap(2),
    ]
    if kind == "approval":
        one_off = app.programme == "temporary_aid"
        amount = app.one_off_amount if one_off else app.monthly_amount
        entry = app.roll_entry
        blocks += [
            Para(
                f"你（你家）于 {app.submitted_at:%Y年%m月%d日} 提出的{app.programme_label}申请，"
                "经调查、审核和公示，符合条件，决定予以批准。"
            ),
            Table(
                [
                    ["项目", "内容"],
                    ["救助项目", app.programme_label],
                    ["家庭人数", str(app.household.size)],
                    ["救助金额", f"{amount} 元" + ("（一次性）" if one_off else "／月")],
                    ["起始月份", f"{entry.start_month:%Y年%m月}" if entry else ""],
                    ["审批意见", reason],
                ],
                col_widths_mm=[40, 130],
            ),
            Para(
                "救助金按月通过社会化发放方式打入你家银行账户。家庭人口、收入、财产状况发生变化的，"
                "应当及时告知乡镇人民政府（街道办事处）。"
            ),
        ]
    elif kind == "adjustment":
        entry = app.target_roll_entry
        rows = [
            ["项目", "内容"],
            ["救助项目", app.programme_label],
            ["原月救助金额", f"{entry.monthly_amount} 元／月" if entry else ""],
            ["决定事项", app.get_purpose_display()],
        ]
        if app.purpose == "change":
            rows.append(["新月救助金额", f"{app.monthly_amount} 元／月（自次月起）"])
        elif app.purpose == "phase_out":
            rows.append(["渐退期", f"{app.phase_out_months} 个月，逐月递减发放"])
        else:
            rows.append(["停发时间", "自次月起停止发放"])
        rows.append(["理由", reason])
        blocks += [
            Para(f"经核查，决定对你（你家）的{app.programme_label}作如下调整："),
            Table(rows, col_widths_mm=[40, 130]),
            Para(APPEAL),
        ]
    elif kind == "refusal":
        blocks += [
            Para(f"你（你家）提出的{app.programme_label}申请，经审核，决定不予批准。"),
            Heading("理由"),
            Para(reason),
            Para(APPEAL),
        ]
    else:
        blocks += [
            Para("你（你家）提出的社会救助申请，经审查，决定不予受理。"),
            Heading("理由"),
            Para(reason),
            Para(APPEAL),
        ]
    if app.programme in LEGAL_BASIS:
        blocks.append(Para(f"依据：{LEGAL_BASIS[app.programme]}", small=True))
    blocks += [
        Gap(8),
        Para(f"经办人（决定人）：{maker}"),
        Para(f"{_office(app)}    {today:%Y年%m月%d日}"),
    ]
    return render_pdf(title=title, blocks=blocks, footer=_office(app))
