"""The Overview's funnel: the counters of a period as steps, slices and conversion."""

from __future__ import annotations

from saleor_app.admin.types import Funnel, FunnelCount, FunnelSlice, FunnelStep
from saleor_app.context import AppContext
from saleor_app.store.funnel import STEPS, TIME_BUCKETS, bucket_seconds, read_days


def median_seconds(totals: dict[str, int], step: str) -> float | None:
    """The median time from the challenge's creation to `step`, from its duration buckets."""
    counts = [totals.get(f"{step}|t|{bucket}", 0) for bucket in range(TIME_BUCKETS)]
    total = sum(counts)
    if not total:
        return None
    seen = 0
    for bucket, count in enumerate(counts):
        seen += count
        if seen * 2 >= total:
            return bucket_seconds(bucket)
    return None


def _steps(totals: dict[str, int], suffix: str = "", with_times: bool = False) -> list[FunnelStep]:
    base = totals.get("shown" + suffix, 0)
    return [
        FunnelStep(
            step=step,
            count=totals.get(step + suffix, 0),
            conversion=round(totals.get(step + suffix, 0) / base, 4) if base else None,
            median_seconds=median_seconds(totals, step) if with_times else None,
        )
        for step in STEPS
    ]


def _slices(totals: dict[str, int], dimension: str) -> list[FunnelSlice]:
    keys = sorted({field.split("|")[2] for field in totals if field.count("|") == 2
                   and field.split("|")[1] == dimension})
    return [FunnelSlice(key=key, steps=_steps(totals, f"|{dimension}|{key}")) for key in keys]


async def funnel(app: AppContext, tenant_id: str, days: int) -> Funnel:
    """The shop's funnel over the last `days` days."""
    totals = await read_days(app.store.client, tenant_id, days)
    opened_by = sorted(
        (FunnelCount(key=field.split("|")[2], count=count)
         for field, count in totals.items() if field.startswith("opened|a|")),
        key=lambda item: (-item.count, item.key),
    )
    return Funnel(
        days=days,
        steps=_steps(totals, with_times=True),
        by_channel=_slices(totals, "c"),
        by_country=_slices(totals, "k"),
        opened_by=opened_by,
    )
