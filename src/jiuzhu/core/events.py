"""Events between apps: a small in-process publish/subscribe, and the catalogue of every event.

An app that must tell apps *above* it that something happened publishes an event instead of
importing them; the apps that care subscribe in their ``AppConfig.ready()``. (An app calls the
apps *below* it directly, through their services and selectors.) Every event type lives here,
so an app depends only on ``core`` to publish or to subscribe.

Dispatch happens after the transaction commits: ``publish()`` hands the dispatch to
``transaction.on_commit``, so a transaction that rolls back (or a savepoint that rolls back)
never published anything, and a subscriber sees committed rows. Outside any transaction
(autocommit) the dispatch runs at once. Subscribers run in the publisher's process, one after
the other in the order they subscribed; one that fails raises (after the publisher's commit) —
nothing is swallowed. Slow or durable work (anything that must survive a crash after the
commit) is queued on the task queue by the subscriber, not done inline.

In the test suite every test runs inside pytest-django's atomic block, where ``on_commit``
callbacks never fire. A test that needs the subscribers wraps the action in
``django_capture_on_commit_callbacks(execute=True)`` (pytest-django): the callbacks of the
blocks that committed run at the end of the ``with``; those of a rolled-back savepoint were
already discarded by Django — the same semantics as production.

Payloads are plain values (ids, dates, Decimal, str), never model instances: a subscriber reads
what it needs through the owning app's selectors.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from django.db import transaction

log = logging.getLogger("jiuzhu.events")


class Event:
    """Base of every event type (a frozen dataclass below)."""


E = TypeVar("E", bound=Event)

_subscribers: dict[type[Event], list[Callable[[Event], None]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call ``handler(event)`` after each committed ``publish`` of ``event_type``. Called from
    ``AppConfig.ready()``; subscribing the same handler twice has no effect."""
    if event_type not in CATALOGUE:
        raise TypeError(f"{event_type!r} is not in the event catalogue (jiuzhu.core.events)")
    handlers = _subscribers[event_type]
    if handler not in handlers:
        handlers.append(handler)


def subscribers(event_type: type[Event]) -> list[Callable[[Event], None]]:
    """The handlers subscribed to ``event_type`` (for tests and the architecture document)."""
    return list(_subscribers.get(event_type, ()))


def publish(event: Event, *, using: str | None = None) -> None:
    """Dispatch ``event`` to its subscribers once the current transaction commits."""
    if type(event) not in CATALOGUE:
        raise TypeError(f"{type(event)!r} is not in the event catalogue (jiuzhu.core.events)")
    transaction.on_commit(lambda: dispatch(event), using=using)


def event_actor(actor_id: int | None):
    """The user an event's ``actor_id`` names (None for the system or a deleted user): what a
    subscriber passes on as the actor of the changes it makes."""
    if actor_id is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=actor_id).first()


def dispatch(event: Event) -> None:
    """Run the subscribers of ``event`` now (``publish`` calls this on commit)."""
    for handler in subscribers(type(event)):
        log.debug("event %s -> %s", type(event).__name__, getattr(handler, "__qualname__", handler))
        handler(event)


# ---------------------------------------------------------------- the catalogue


@dataclasses.dataclass(frozen=True)
class FeedImported(Event):
    """A department's data file was imported into verify (new or changed records).

    Publisher: ``verify.services.feed_import``. Subscribers: monitoring queues an incremental
    monitoring run (task ``monitor_run_task``, trigger "import")."""

    import_id: int
    department: str
    created: int
    updated: int


@dataclasses.dataclass(frozen=True)
class CaseDecided(Event):
    """A case was decided (approved or refused) by its last approver.

    ``origin`` is where the case came from ("" for an application; "alert:N" for a case opened
    from a monitoring alert), ``approved`` whether the roll was changed as asked.
    Publisher: ``cases.services.decisions`` (every approved application, and every decided
    case from an alert). Subscribers: funds settles the payment hold placed by the originating
    alert (released as confirmed when approved, as cleared when refused); cases refers the
    household for the linked programmes when 低保 or 特困 is approved (联动保障).
    ``programme`` is the case's programme code."""

    application_id: int
    purpose: str
    origin: str
    approved: bool
    actor_id: int | None
    note: str
    programme: str = ""


@dataclasses.dataclass(frozen=True)
class RollChanged(Event):
    """A payment on the roll (``registry.RollEntry``) was added, ended, or moved to another person.

    Publisher: ``registry.roll`` (the only writer of the roll). Subscribers: interop
    (notifies SPDCI subscribers; funds reads the roll when it generates a payroll)."""

    roll_entry_id: int
    household_id: int
    programme: str
    change: str  # "added" | "status" (ended) | "person" (a merged duplicate)
    status: str
    amount: Decimal | None
    effective: datetime.date | None


@dataclasses.dataclass(frozen=True)
class LinkWithdrawn(Event):
    """A department record's link to a registry person was reported wrong (or rejected in
    review) and removed; the 核对 findings that came from it are already withdrawn (deleted).

    ``department_label`` is the department's Chinese name as the alerts' evidence names it;
    ``findings_withdrawn`` the ids of the deleted findings.
    Publisher: ``verify.false_links.withdraw_consequences`` (report wrong, review rejected).
    Subscribers: monitoring closes the open alerts whose only evidence was the record (their
    payment holds released as not confirmed) and re-queues the others without it
    (``monitoring.link_withdrawal``); funds stops the withdrawn findings from holding payroll
    lines (``funds.hold_release``). Each subscriber audits what it did."""

    actor_id: int | None
    person_id: int
    household_id: int
    record_id: int
    record_key: str
    department: str
    department_label: str
    reason: str
    findings_withdrawn: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class PayrollReleased(Event):
    """A payroll was released to the bank (拨付): its payable lines are sent.

    Publisher: ``funds.services.payrolls.payroll_release``. Subscribers: portal tells each
    household bound to a citizen account that its money was paid (``portal.notify``; it
    replaced audit's ``audit_recorded`` signal, which the portal watched for this action)."""

    payroll_id: int
    area_code: str
    amount: Decimal
    lines: int


@dataclasses.dataclass(frozen=True)
class PaperRead(Event):
    """An uploaded paper was read (OCR) and checked against the registry and the declarations.

    ``findings`` are the finding codes (``papers.labels.FINDINGS``): a bad check digit, an
    expired card, another person's card, a field that disagrees, the same image used for another
    household (``duplicate_of`` is that household). Publisher: ``papers.services.reading_run``.
    Subscribers: cases records the findings on the application as a review flag (办理记录)."""

    reading_id: int
    material_id: int | None
    household_id: int | None
    application_id: int | None
    kind: str
    findings: tuple[str, ...]
    duplicate_of: int | None


CATALOGUE: tuple[type[Event], ...] = (
    FeedImported,
    CaseDecided,
    RollChanged,
    LinkWithdrawn,
    PayrollReleased,
    PaperRead,
)
