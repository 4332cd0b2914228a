"""Bank files: export the released payroll in the bank's format and import the bank's return file."""

from __future__ import annotations

import hashlib

import polars as pl
from django.db import connection, transaction
from django.utils.translation import gettext as _

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import require_area, user_scope
from jiuzhu.audit.services import audit_record
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.frames import date_sql, fen_sql, read_frame, write_frame
from jiuzhu.funds import bankfiles
from jiuzhu.funds.ledger import ledger_append
from jiuzhu.funds.models import (
    BankFile,
    BankFileKind,
    BankProfile,
    LedgerKind,
    LineStatus,
    Payroll,
    PayrollStatus,
)
from jiuzhu.funds.services._common import _lock, _yuan
from jiuzhu.funds.services.recoveries import recoveries_detect
from jiuzhu.registry import frames as registry_frames

# ---------------------------------------------------------------- bank files


def default_profile() -> BankProfile:
    profile = BankProfile.objects.filter(is_default=True).order_by("pk").first()
    if profile is None:
        raise ServiceError(_("尚未配置银行文件格式"), code="no_profile")
    return profile


SENT_STATUSES = [LineStatus.SENT, LineStatus.PAID, LineStatus.FAILED]


def _sent_frame(payroll: Payroll, profile: BankProfile | None = None) -> pl.DataFrame:
    """The lines sent to the bank, with the columns a bank file can carry. The payee's ID number
    (``id_number``, in full: the bank matches it to its customer; the line's person, else the
    account's, else the head) is read only when ``profile`` asks for it. A bank's own profile
    gets only the lines paid into that bank (``bankfiles.GENERIC_BANK`` gets every line)."""
    cols = dict(profile.columns) if profile is not None else {}
    id_field = next((f for f in bankfiles.ID_FIELDS if f in cols), None)
    id_sql = ", p.id_number" if id_field else ""
    id_join = (
        " LEFT JOIN funds_paymentaccount a ON a.id = l.account_id "
        + registry_frames.join_person(
            "p",
            f"COALESCE(l.person_id, a.person_id, {registry_frames.head_of('l.household_id')})",
            left=True,
        )
        if id_field
        else ""
    )
    bank_sql, bank_params = "", []
    if profile is not None and profile.bank_name.strip() not in ("", bankfiles.GENERIC_BANK):
        bank_sql = " AND l.bank_name LIKE %s"
        bank_params = [profile.bank_name.strip().replace("%", "").replace("_", "") + "%"]
    schema = {
        "id": pl.Int64,
        "seq": pl.Int64,
        "account_number": pl.Utf8,
        "holder_name": pl.Utf8,
        "amount_fen": pl.Int64,
        "bank_name": pl.Utf8,
        "programme": pl.Utf8,
        "month": pl.Date,
        "status": pl.Utf8,
    }
    if id_field:
        schema["id_number"] = pl.Utf8
    frame = read_frame(
        f"SELECT l.id, l.seq, l.account_number, l.holder_name, {fen_sql('l.amount')}, l.bank_name, "
        f"l.programme, {date_sql('l.months_to')}, l.status{id_sql} FROM funds_payrollline l"
        f"{id_join} WHERE l.payroll_id = %s AND l.status IN (%s, %s, %s){bank_sql} ORDER BY l.seq",
        [payroll.pk, *SENT_STATUSES, *bank_params],
        schema,
    ).with_columns(
        pl.format("{}-{}", pl.lit(payroll.number), pl.col("seq").cast(pl.Utf8).str.zfill(6)).alias(
            "ref"
        ),
        pl.lit(payroll.number).alias("batch"),
        pl.col("month").dt.strftime("%Y-%m"),
    )
    if id_field:
        frame = frame.with_columns(pl.col("id_number").fill_null("").alias(id_field))
        if id_field != "id_number":
            frame = frame.drop("id_number")
    return frame


def bank_file_export(*, actor, payroll_id: int, profile_id: int | None = None) -> BankFile:
    """The 代发 file of a released payroll, in the bank's profile (made once, then re-served)."""
    payroll = Payroll.objects.get(pk=payroll_id)
    if not (
        user_scope(actor, Capability.PAYROLL_PREPARE).contains(payroll.area_id)
        or user_scope(actor, Capability.PAYROLL_RELEASE).contains(payroll.area_id)
    ):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(Capability.PAYROLL_PREPARE)
    if payroll.status not in (PayrollStatus.RELEASED, PayrollStatus.CLOSED):
        raise ServiceError(_("发放批次拨付后才能下载银行代发文件"), code="wrong_state")
    profile = BankProfile.objects.filter(pk=profile_id).first() if profile_id else default_profile()
    if profile is None:
        raise ServiceError(_("银行格式 %(id)s 不存在") % {"id": profile_id}, field="profile")
    with transaction.atomic():
        existing = BankFile.objects.filter(
            payroll=payroll, profile=profile, kind=BankFileKind.EXPORT
        ).first()
        if existing is None:
            frame = _sent_frame(payroll, profile)
            if frame.height == 0:
                raise ServiceError(
                    _("本批次没有开户行为“%(bank)s”的发放明细，无需生成该银行的代发文件")
                    % {"bank": profile.bank_name},
                    code="no_lines_for_bank",
                )
            try:
                content = bankfiles.write_file(profile, frame)
            except bankfiles.FileProblems as exc:
                raise _report(exc.problems) from exc
            existing = BankFile.objects.create(
                payroll=payroll,
                profile=profile,
                kind=BankFileKind.EXPORT,
                file_name=f"{payroll.number}-{profile.pk}.{profile.file_format}",
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                line_count=frame.height,
                total_amount=_yuan(frame["amount_fen"].sum() or 0),
                created_by=actor,
            )
        audit_record(
            actor=actor,
            action="funds.bank_file_export",
            subject_type="bank_file",
            subject_id=existing.pk,
            area_code=payroll.area_id,
            extra={"payroll": payroll.number, "sha256": existing.sha256, "profile": profile.name},
        )
    return existing


def _report(problems: list[str]) -> ServiceError:
    shown = problems[: bankfiles.MAX_REPORTED]
    more = len(problems) - len(shown)
    if more > 0:
        shown.append(_("……另有 %(n)s 处问题未列出") % {"n": more})
    return ServiceError(errors={"file": shown}, code="bad_return_file")


def _return_checks(number: str) -> list:
    """The rules a return file's line must pass: (condition that flags the line, message)."""
    checks = [
        (
            pl.col("batch") != number,
            lambda r: (
                _("第 %(row)s 行：批次号 %(batch)s 不是本批次 %(number)s")
                % {"row": r["row_no"], "batch": r["batch"], "number": number}
            ),
        ),
        (
            pl.col("id").is_null() & (pl.col("batch") == number),
            lambda r: (
                _("第 %(row)s 行：明细编号 %(ref)s 不在本批次的代发明细中")
                % {"row": r["row_no"], "ref": r["ref"]}
            ),
        ),
        (
            pl.col("ref").is_duplicated(),
            lambda r: (
                _("第 %(row)s 行：明细编号 %(ref)s 在文件中重复")
                % {"row": r["row_no"], "ref": r["ref"]}
            ),
        ),
        (
            pl.col("amount_fen").is_null(),
            lambda r: (
                _("第 %(row)s 行：金额“%(amount)s”格式不正确")
                % {"row": r["row_no"], "amount": r["amount"]}
            ),
        ),
        (
            pl.col("id").is_not_null()
            & pl.col("amount_fen").is_not_null()
            & (pl.col("amount_fen") != pl.col("l_fen")),
            lambda r: (
                _("第 %(row)s 行：金额 %(amount)s 与代发金额 %(sent)s 不符")
                % {"row": r["row_no"], "amount": r["amount"], "sent": _yuan(r["l_fen"])}
            ),
        ),
        (
            pl.col("id").is_not_null() & (pl.col("account_number") != pl.col("l_account")),
            lambda r: _("第 %(row)s 行：账号与代发文件不符") % {"row": r["row_no"]},
        ),
        (
            ~pl.col("result").is_in([bankfiles.RESULT_PAID, bankfiles.RESULT_FAILED]),
            lambda r: (
                _("第 %(row)s 行：处理结果应为“成功”或“失败”，实为“%(result)s”")
                % {"row": r["row_no"], "result": r["result"]}
            ),
        ),
        (
            (pl.col("result") == bankfiles.RESULT_FAILED)
            & ~pl.col("reason").is_in(list(bankfiles.REASON_BY_TEXT)),
            lambda r: (
                _(
                    "第 %(row)s 行：失败原因“%(reason)s”无法识别"
                    "（应为 账号错误/账户已销户/户名不符/其他）"
                )
                % {"row": r["row_no"], "reason": r["reason"]}
            ),
        ),
        (
            pl.col("id").is_not_null() & (pl.col("status") != LineStatus.SENT),
            lambda r: (
                _("第 %(row)s 行：明细 %(ref)s 已对账，不能重复导入")
                % {"row": r["row_no"], "ref": r["ref"]}
            ),
        ),
    ]
    return checks


def _return_problems(rows: pl.DataFrame, trailer: dict | None, j: pl.DataFrame, number: str):
    """Every problem of the file (row-level, then the 合计 line) and the file's total in fen."""
    problems: list[str] = []
    checks = _return_checks(number)
    bad = j.with_columns(
        [cond.fill_null(False).alias(f"c{i}") for i, (cond, _msg) in enumerate(checks)]
    )
    flagged = bad.filter(pl.any_horizontal([pl.col(f"c{i}") for i in range(len(checks))]))
    for r in flagged.head(bankfiles.MAX_REPORTED + 1).iter_rows(named=True):
        for i, (_cond, msg) in enumerate(checks):
            if r[f"c{i}"]:
                problems.append(msg(r))
    if flagged.height > bankfiles.MAX_REPORTED + 1:
        problems.append(_("共 %(n)s 行有问题") % {"n": flagged.height})
    file_total = int(rows["amount_fen"].sum() or 0)
    if not trailer:
        problems.append(_("文件缺少“合计”行（总笔数与总金额核对）"))
    elif trailer.get("amount_fen") is None:
        problems.append(_("合计行金额“%(amount)s”格式不正确") % {"amount": trailer.get("amount")})
    elif trailer["amount_fen"] != file_total:
        problems.append(
            _("合计金额 %(total)s 元与明细金额之和 %(sum)s 元不符")
            % {"total": _yuan(trailer["amount_fen"]), "sum": _yuan(file_total)}
        )
    return problems, file_total


def _return_results(j: pl.DataFrame) -> pl.DataFrame:
    """Each line's new status and failure reason (the bank's text as a code)."""
    return j.select(
        "id",
        pl.when(pl.col("result") == bankfiles.RESULT_PAID)
        .then(pl.lit(LineStatus.PAID))
        .otherwise(pl.lit(LineStatus.FAILED))
        .alias("status"),
        pl.when(pl.col("result") == bankfiles.RESULT_FAILED)
        .then(
            pl.col("reason").replace_strict(bankfiles.REASON_BY_TEXT, default="other").cast(pl.Utf8)
        )
        .otherwise(pl.lit(""))
        .alias("failure_reason"),
        "l_fen",
    )


def _return_book(*, actor, payroll, profile, result, rows, data, file_name, file_total) -> dict:
    """Write the reconciliation: line statuses, ledger entries, the file, the audit event and
    the recoveries it reveals — in one transaction."""
    with transaction.atomic():
        locked = _lock(payroll.pk, None)
        if locked.status != PayrollStatus.RELEASED:
            raise ServiceError(_("发放批次状态已改变，请刷新后重试"), code="wrong_state")
        _apply_results(locked, result)
        failed = result.filter(pl.col("status") == LineStatus.FAILED)
        paid = result.filter(pl.col("status") == LineStatus.PAID)
        ids = read_frame(
            "SELECT id, household_id FROM funds_payrollline WHERE payroll_id = %s",
            [payroll.pk],
            {"id": pl.Int64, "household_id": pl.Int64},
        )
        res = result.join(ids, on="id").sort("id")
        ledger_append(
            [
                {
                    "kind": LedgerKind.PAID if st == LineStatus.PAID else LedgerKind.FAILED,
                    "amount": _yuan(fen),
                    "programme": payroll.programme,
                    "area_code": payroll.area_id,
                    "month": payroll.month,
                    "payroll_id": payroll.pk,
                    "line_id": line_id,
                    "household_id": hh,
                    "note": reason,
                }
                for line_id, st, reason, fen, hh in res.iter_rows()
            ],
            actor=actor,
        )
        bf = BankFile.objects.create(
            payroll=payroll,
            profile=profile,
            kind=BankFileKind.RETURN,
            file_name=file_name[:120],
            content=data,
            sha256=hashlib.sha256(data).hexdigest(),
            line_count=rows.height,
            total_amount=_yuan(file_total),
            created_by=actor,
        )
        summary = {
            "file": bf.pk,
            "rows": rows.height,
            "paid": paid.height,
            "paid_amount": _yuan(paid["l_fen"].sum() or 0),
            "failed": failed.height,
            "failed_amount": _yuan(failed["l_fen"].sum() or 0),
        }
        audit_record(
            actor=actor,
            action="funds.bank_return_import",
            subject_type="payroll",
            subject_id=payroll.pk,
            area_code=payroll.area_id,
            after=summary,
        )
        recoveries_detect(payroll_id=payroll.pk, actor=actor)
    return summary


def bank_return_import(
    *, actor, payroll_id: int, data: bytes, file_name: str, profile_id: int | None = None
) -> dict:
    """对账: read the bank's return file and record each line as paid or failed.

    All or nothing: unknown lines, lines of another payroll, amounts or accounts that differ,
    a wrong 合计, an encoding other than the profile's, or lines already reconciled refuse the
    whole file with a row-level report (``ServiceError.errors['file']``) and nothing is written.
    Failed lines go to the re-issue queue with the bank's reason."""
    payroll = Payroll.objects.get(pk=payroll_id)
    require_area(actor, Capability.PAYROLL_PREPARE, payroll.area_id)
    if payroll.status != PayrollStatus.RELEASED:
        raise ServiceError(_("只有已拨付、未结清的发放批次可以导入回盘文件"), code="wrong_state")
    profile = BankProfile.objects.filter(pk=profile_id).first() if profile_id else default_profile()
    if profile is None:
        raise ServiceError(_("银行格式 %(id)s 不存在") % {"id": profile_id}, field="profile")
    try:
        rows, trailer = bankfiles.read_return(profile, data, file_name)
    except bankfiles.FileProblems as exc:
        raise _report(exc.problems) from exc
    other_batches = rows.filter(pl.col("batch") != payroll.number)["batch"].unique().to_list()
    if other_batches and rows.filter(pl.col("batch") == payroll.number).height == 0:
        raise _report(
            [
                _("该回盘文件属于批次 %(batches)s，不是本批次 %(number)s")
                % {"batches": "、".join(sorted(other_batches)[:3]), "number": payroll.number}
            ]
        )
    sent = _sent_frame(payroll).select(
        "id",
        "ref",
        pl.col("account_number").alias("l_account"),
        pl.col("amount_fen").alias("l_fen"),
        "status",
    )
    j = rows.join(sent, on="ref", how="left")
    problems, file_total = _return_problems(rows, trailer, j, payroll.number)
    if problems:
        raise _report(problems)
    return _return_book(
        actor=actor,
        payroll=payroll,
        profile=profile,
        result=_return_results(j),
        rows=rows,
        data=data,
        file_name=file_name,
        file_total=file_total,
    )


def _apply_results(payroll: Payroll, result: pl.DataFrame) -> None:
    """Set each reconciled line's status in one statement per kind (temporary table + UPDATE)."""
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS funds_return_tmp "
            "(id BIGINT PRIMARY KEY, status VARCHAR(10), failure_reason VARCHAR(16))"
        )
        cur.execute("DELETE FROM funds_return_tmp")
    write_frame("funds_return_tmp", result.select("id", "status", "failure_reason"))
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE funds_payrollline SET status = t.status, failure_reason = t.failure_reason, "
            "reissue_status = CASE WHEN t.status = 'failed' THEN 'queued' ELSE '' END "
            "FROM funds_return_tmp t WHERE funds_payrollline.id = t.id "
            "AND funds_payrollline.payroll_id = %s",
            [payroll.pk],
        )
        cur.execute("DELETE FROM funds_return_tmp")
