"""Sampling is reproducible and, when asked, stratified by tier."""

from __future__ import annotations

from collections import Counter

from survey.sampling import Candidate, allocate, draw


def population() -> list[Candidate]:
    tiers = ["super"] * 10 + ["large"] * 30 + ["medium"] * 60 + [None] * 100
    return [Candidate(f"c{i:04d}", t) for i, t in enumerate(tiers)]


def test_same_seed_same_sample_whatever_the_order() -> None:
    people = population()
    first = draw(people, size=20, seed=7)
    again = draw(list(reversed(people)), size=20, seed=7)
    assert first == again and len(first) == 20 and len(set(first)) == 20
    assert draw(people, size=20, seed=8) != first


def test_share_rounds_up_and_size_is_capped() -> None:
    people = population()
    assert len(draw(people, share=0.101, seed=1)) == 21  # 20.2 -> 21
    assert len(draw(people, size=10_000, seed=1)) == 200
    assert len(draw(people, seed=1)) == 200


def test_stratified_sample_keeps_each_tiers_share() -> None:
    chosen = set(draw(population(), size=20, seed=3, stratify_by_tier=True))
    tier_of = {c.customer_id: c.tier for c in population()}
    counts = Counter(tier_of[c] for c in chosen)
    assert counts == {"super": 1, "large": 3, "medium": 6, None: 10}
    assert draw(population(), size=20, seed=3, stratify_by_tier=True) == sorted(chosen)


def test_allocation_uses_largest_remainders() -> None:
    assert allocate({"a": 1, "b": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}
    assert allocate({"a": 5, "b": 3, "c": 2}, 7) == {"a": 4, "b": 2, "c": 1}
    assert sum(allocate({"a": 7, "b": 2, "c": 9}, 11).values()) == 11
