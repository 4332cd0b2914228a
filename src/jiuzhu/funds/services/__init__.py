"""Funds writes, by use case: generate → submit (prepare) → approve (one or more levels) → release →
bank file → return file (reconcile) → re-issue → close; holds, accounts, budgets, recoveries.

Every write runs in one transaction with its audit event; money movements also go to the
hash-chained ledger (``jiuzhu.funds.ledger``) in the same transaction. Preparer, each approver
and the releaser are different people, and none of them reviewed or decided a case whose
payment is in the payroll (checked in one query per payroll, not per line).

Modules: ``holds``, ``accounts``, ``budgets``, ``payrolls``, ``bank``, ``reissues``, ``closing``,
``recoveries``. This package re-exports the services the pages, the API and other apps call.
"""

from jiuzhu.funds.services.accounts import (
    payment_account_confirm,
    payment_account_reject,
    payment_account_reveal,
    payment_account_set,
)
from jiuzhu.funds.services.bank import (
    bank_file_export,
    bank_return_import,
    default_profile,
)
from jiuzhu.funds.services.budgets import budget_position, budget_set, cutover_set
from jiuzhu.funds.services.closing import payroll_close, payroll_close_check
from jiuzhu.funds.services.donations import donation_record
from jiuzhu.funds.services.holds import (
    payment_hold_place,
    payment_hold_release,
    payment_hold_release_one,
    payment_holds_place_many,
)
from jiuzhu.funds.services.payrolls import (
    payroll_approve,
    payroll_generate,
    payroll_release,
    payroll_return,
    payroll_submit,
)
from jiuzhu.funds.services.recoveries import recoveries_detect, recovery_record
from jiuzhu.funds.services.reissues import payroll_reissue
from jiuzhu.funds.services.reserve import reserve_balance, reserve_draw, reserve_replenish
from jiuzhu.funds.services.service_payments import (
    service_payable_add,
    service_payment_approve,
    service_payment_release,
)

__all__ = [
    "donation_record",
    "reserve_balance",
    "reserve_draw",
    "reserve_replenish",
    "service_payable_add",
    "service_payment_approve",
    "service_payment_release",
    "bank_file_export",
    "bank_return_import",
    "budget_position",
    "budget_set",
    "cutover_set",
    "default_profile",
    "payment_account_confirm",
    "payment_account_reject",
    "payment_account_reveal",
    "payment_account_set",
    "payment_hold_place",
    "payment_hold_release",
    "payment_hold_release_one",
    "payment_holds_place_many",
    "payroll_approve",
    "payroll_close",
    "payroll_close_check",
    "payroll_generate",
    "payroll_reissue",
    "payroll_release",
    "payroll_return",
    "payroll_submit",
    "recoveries_detect",
    "recovery_record",
]
