"""Random samples of a campaign's target segment (pure rules, no I/O).

A sample is reproducible: the same segment and the same seed give the same customers.
The segment is read in customer-id order, a page at a time, and sampled as it streams
(reservoir sampling, one reservoir per stratum), so memory holds the sample, never the
segment. Stratified by tier, each tier gets its share of the sample in proportion to its
size (largest remainders for the rounding) and is drawn with its own random stream.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kefu_shared.errors import InvalidInput


@dataclass(frozen=True)
class Candidate:
    customer_id: str
    tier: str | None


def sample_size(population: int, *, size: int | None, share: float | None) -> int:
    """How many to draw: ``size`` (capped by the population) or ``share`` of it (rounded
    up, so a small non-empty segment still gets one); everyone without either."""
    if size is not None and share is not None:
        raise InvalidInput(
            "give sample size or share, not both",
            errors=[{"field": "sample", "message": "size or share"}],
        )
    if size is not None:
        return min(size, population)
    if share is not None:
        return min(population, math.ceil(population * share))
    return population


def allocate(strata: Mapping[str, int], total: int) -> dict[str, int]:
    """``total`` split over the strata in proportion to their sizes (largest remainder)."""
    population = sum(strata.values())
    if population == 0:
        return dict.fromkeys(strata, 0)
    exact = {k: total * n / population for k, n in strata.items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(counts.values())
    for k in sorted(strata, key=lambda k: (-(exact[k] - counts[k]), k))[:left]:
        counts[k] += 1
    return counts


class Sampler:
    """Offer the segment in customer-id order; :meth:`chosen` is the sample."""

    def __init__(
        self,
        strata: Mapping[str, int],
        *,
        size: int | None,
        share: float | None,
        seed: int,
        stratify_by_tier: bool,
    ) -> None:
        self.stratified = stratify_by_tier
        population = sum(strata.values())
        total = sample_size(population, size=size, share=share)
        self.quotas = allocate(strata, total) if stratify_by_tier else {"": total}
        self._rngs = {k: random.Random(f"{seed}:{k}") for k in self.quotas}
        self._seen = dict.fromkeys(self.quotas, 0)
        self._reservoirs: dict[str, list[str]] = {k: [] for k in self.quotas}

    def offer(self, candidate: Candidate) -> None:
        stratum = (candidate.tier or "") if self.stratified else ""
        if stratum not in self.quotas:
            return  # a customer that joined the tier after it was counted
        k = self.quotas[stratum]
        seen = self._seen[stratum]
        self._seen[stratum] = seen + 1
        reservoir = self._reservoirs[stratum]
        if seen < k:
            reservoir.append(candidate.customer_id)
            return
        j = self._rngs[stratum].randrange(seen + 1)
        if j < k:
            reservoir[j] = candidate.customer_id

    def chosen(self) -> list[str]:
        return sorted(c for r in self._reservoirs.values() for c in r)


def draw(
    candidates: Iterable[Candidate],
    *,
    size: int | None = None,
    share: float | None = None,
    seed: int,
    stratify_by_tier: bool = False,
) -> list[str]:
    """The sample of an in-memory segment (the same rules as a streamed one)."""
    ordered = sorted(candidates, key=lambda c: c.customer_id)
    strata: dict[str, int] = {}
    for c in ordered:
        key = (c.tier or "") if stratify_by_tier else ""
        strata[key] = strata.get(key, 0) + 1
    sampler = Sampler(strata, size=size, share=share, seed=seed, stratify_by_tier=stratify_by_tier)
    for c in ordered:
        sampler.offer(c)
    return sampler.chosen()
