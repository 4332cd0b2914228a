"""共同生活家庭成员 (低保审核确认办法 Art. 7) from the facts: the rule ``Person.is_counted`` follows.

The registry keeps the facts (relation to the applicant, co-residence, the inclusion and exclusion
facts); ``is_counted`` is derived from them by the registry's own writes (``services``, the
import) and by ``members_recount`` for the one fact that changes by itself — a child's 18th
birthday. The policy engine applies the same rule to the same facts
(``policy.engine.features.person_facts``); ``tests/registry/test_counting.py`` holds the two to
one answer for every combination.

Counted: the applicant (户主), the spouse, a minor child, a child at school up to a bachelor's
degree, an adult child who cannot live independently, and a relative with a duty of support
(parents, children, grandparents, grandchildren, siblings) living together long-term — unless
one of the exclusions applies: a member of the clergy living in a religious site for 3 years or
more, in prison, in compulsory drug rehabilitation, declared missing, or another situation the
province names (``other_exclusion``, a text).
"""

from __future__ import annotations

import datetime

import polars as pl

# Adult children at school up to bachelor level count as family members.
STUDENT_TO_BACHELOR = ("primary", "junior", "senior", "vocational", "college")
# Relations with a legal duty of support (民法典) count when living together long-term.
DUTY_RELATIONS = ("child", "parent", "grandparent", "grandchild", "sibling")
# The facts the rule reads: a write that touches one of them recomputes ``is_counted``.
COUNT_FACTS = (
    "relation",
    "birth_date",
    "lives_together",
    "cannot_live_independently",
    "school_stage",
    "religious_site_years",
    "in_prison",
    "in_drug_rehab",
    "declared_missing",
    "other_exclusion",
)
ADULT_AGE = 18


def age_on(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def excluded(p) -> bool:
    """Any exclusion of Art. 7 (``p``: a Person or any object with the fact attributes)."""
    return bool(
        (p.religious_site_years or 0) >= 3
        or p.in_prison
        or p.in_drug_rehab
        or p.declared_missing
        or (p.other_exclusion or "").strip()
    )


def counted(p, on: datetime.date) -> bool:
    """Whether ``p`` is a 共同生活家庭成员 at ``on``, from the facts alone."""
    if excluded(p):
        return False
    rel = p.relation
    if rel in ("head", "spouse"):
        return True
    if rel == "child":
        birth = p.birth_date
        if isinstance(birth, datetime.date) and age_on(birth, on) < ADULT_AGE:
            return True
        if (p.school_stage or "") in STUDENT_TO_BACHELOR or p.cannot_live_independently:
            return True
    return bool(rel in DUTY_RELATIONS and p.lives_together)


def counted_expr(on: datetime.date, birth: pl.Expr | None = None) -> pl.Expr:
    """The same rule over a persons frame (the import): columns as ``COUNT_FACTS``; ``birth``
    the birth date as a ``pl.Date`` expression (default: the ``birth_date`` column)."""
    if_date = pl.col("birth_date") if birth is None else birth
    age = (
        pl.lit(on.year)
        - if_date.dt.year()
        - (
            (if_date.dt.month() > on.month)
            | ((if_date.dt.month() == on.month) & (if_date.dt.day() > on.day))
        ).cast(pl.Int32)
    )
    rel = pl.col("relation")
    excluded_ = (
        (pl.col("religious_site_years").fill_null(0) >= 3)
        | pl.col("in_prison").fill_null(False)
        | pl.col("in_drug_rehab").fill_null(False)
        | pl.col("declared_missing").fill_null(False)
        | (pl.col("other_exclusion").fill_null("").str.strip_chars() != "")
    )
    child = rel == "child"
    included = (
        rel.is_in(["head", "spouse"])
        | (child & (age < ADULT_AGE).fill_null(False))
        | (child & pl.col("school_stage").fill_null("").is_in(STUDENT_TO_BACHELOR))
        | (child & pl.col("cannot_live_independently").fill_null(False))
        | (rel.is_in(DUTY_RELATIONS) & pl.col("lives_together").fill_null(False))
    )
    return (~excluded_ & included).fill_null(False)
