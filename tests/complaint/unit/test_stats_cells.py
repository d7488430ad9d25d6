"""The statistics' arithmetic: what a change moves between cells, and the p90 of a time
histogram."""

from __future__ import annotations

from complaint.stats.cells import ACK_HIST, HOUR_EDGES, bucket, delta_rows, p90_hours


def test_a_change_inside_one_cell_is_one_delta_row() -> None:
    cell = ("2026-01", "", "delivery", "minor", "web", "", "", "")
    rows = delta_rows((cell, {"received": 1}), (cell, {"received": 1, "acknowledged": 1}))
    assert rows == [
        {
            "month": "2026-01",
            "dealer": "",
            "category": "delivery",
            "severity": "minor",
            "channel": "web",
            "department": "",
            "root_cause": "",
            "product_model": "",
            "acknowledged": 1,
        }
    ]


def test_a_move_between_cells_takes_from_one_and_gives_to_the_other() -> None:
    a = ("2026-01", "", "delivery", "minor", "web", "", "", "")
    b = ("2026-01", "", "delivery", "minor", "web", "quality", "", "")
    rows = delta_rows((a, {"received": 1}), (b, {"received": 1}))
    assert sorted((r["department"], r["received"]) for r in rows) == [("", -1), ("quality", 1)]


def test_nothing_moved_writes_nothing() -> None:
    a = ("2026-01", "", "delivery", "minor", "web", "", "", "")
    assert delta_rows((a, {"received": 1}), (a, {"received": 1})) == []


def test_buckets_and_p90() -> None:
    assert bucket(0) == 0 and bucket(3600) == 0 and bucket(3601) == 1
    assert bucket(10_000 * 3600) == len(HOUR_EDGES)
    hist = [0] * len(ACK_HIST)
    hist[0] = 90  # 90 within the first hour
    hist[2] = 10  # 10 between 2 and 4 hours
    assert p90_hours(hist) == 1.0
    hist[0], hist[2] = 80, 20  # the 90th of 100 is half way into the 2-4 h bucket
    assert p90_hours(hist) == 3.0
    assert p90_hours([0] * len(ACK_HIST)) is None
