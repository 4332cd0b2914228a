"""Steps shared by the funds tests: a payroll taken to release, and a bank return file."""

import csv
import io

from jiuzhu.funds.models import BankFileKind, BankProfile, PayrollLine
from jiuzhu.funds.services import (
    bank_file_export,
    payroll_approve,
    payroll_generate,
    payroll_release,
    payroll_submit,
)
from tests.conftest import HAILING
from tests.funds.conftest import MONTH


def released(officers, *, month=MONTH):
    p = payroll_generate(actor=officers["zijin"], programme="dibao", area_code=HAILING, month=month)
    p = payroll_submit(actor=officers["zijin"], payroll_id=p.pk, version=p.version)
    p = payroll_approve(actor=officers["zijin2"], payroll_id=p.pk, version=p.version)
    return payroll_release(actor=officers["caiwu"], payroll_id=p.pk, version=p.version)


def return_file(payroll, officers, *, fail=(), profile=None, mutate=None, encoding=None):
    """The bank's answer to the exported file: every line 成功 except ``fail`` {seq: reason}."""
    bf = bank_file_export(
        actor=officers["zijin"], payroll_id=payroll.pk, profile_id=profile.pk if profile else None
    )
    assert bf.kind == BankFileKind.EXPORT
    profile = profile or BankProfile.objects.get(is_default=True)
    text = bytes(bf.content).decode(profile.encoding)
    rows = list(csv.reader(io.StringIO(text), delimiter=profile.delimiter))
    header, body = rows[0], rows[1:]
    header += [profile.result_header, profile.reason_header]
    seq_of = {ln.seq: ln for ln in PayrollLine.objects.filter(payroll=payroll)}
    ref_col = header.index(dict(profile.columns)["ref"])
    out = [header]
    for r in body:
        if r[0] == "合计":
            out.append(r + ["", ""])
            continue
        seq = int(r[ref_col].rsplit("-", 1)[1])
        assert seq in seq_of
        reason = dict(fail).get(seq)
        out.append(r + (["失败", reason] if reason else ["成功", ""]))
    if mutate:
        out = mutate(out)
    buf = io.StringIO()
    csv.writer(buf, delimiter=profile.delimiter).writerows(out)
    return buf.getvalue().encode(encoding or profile.encoding)
