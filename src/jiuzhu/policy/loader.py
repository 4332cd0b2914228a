"""The registry as the policy engine's input frames, and the run's scores written back.

The queries are the owners': the registry's columnar readers (``registry.frames``) and verify's
(``verify.selectors.verified_facts_sql``), read in parallel through ``jiuzhu.core.frames``; the
scores are written by ``registry.services.hardship_scores_write``.
"""

from __future__ import annotations

import datetime

import polars as pl

from jiuzhu.core.frames import (
    read_frames,
)
from jiuzhu.policy.engine.features import INPUT_SCHEMAS, VERIFIED_KINDS


def registry_frames(
    *,
    area_prefix: str = "",
    household_ids: list[int] | None = None,
    since: datetime.date | None = None,
) -> dict[str, pl.DataFrame]:
    """The registry's active households in a subtree as the engine's input frames, with the
    核对 findings that are facts (read through the registry's and verify's own readers).

    ``since``: skip income and expense items that ended before this date (outside every window).
    """
    from jiuzhu.registry.frames import persons_with_status, registry_frame_queries
    from jiuzhu.verify.selectors import verified_facts_sql

    hs = INPUT_SCHEMAS

    def verified(scope_sql: str, _params: list):
        return verified_facts_sql(scope_sql, VERIFIED_KINDS), list(hs["verified"]), hs["verified"]

    queries = registry_frame_queries(
        schemas=hs,
        area_prefix=area_prefix,
        household_ids=household_ids,
        since=since,
        extra={"verified": verified},
    )
    return persons_with_status(read_frames(queries, parallel=household_ids is None))


def bulk_update_scores(df: pl.DataFrame) -> None:
    """The run's hardship scores, written by the registry (the table's owner)."""
    from jiuzhu.registry.services import hardship_scores_write

    hardship_scores_write(df)
