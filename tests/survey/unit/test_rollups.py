"""The rollup increments of a batch of responses, against hand counts."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from survey.analytics import NONE_KEY, tallies_of
from survey.scoring import csat_percent, nps_score


def resp(**kw: Any) -> SimpleNamespace:
    base = dict(
        month="2026-11",
        dealer_id=None,
        template_key="post_service",
        tier="large",
        region_class="local",
        province="浙江省",
        product_line="AC",
        technician_id="t1",
        csat=None,
        nps=None,
        dissatisfied=False,
        dimension_scores={},
        expectations={},
        servqual_gaps={},
    )
    return SimpleNamespace(**{**base, **kw})


def test_each_response_adds_to_one_row_per_axis_and_to_its_dimensions() -> None:
    rows, dims = tallies_of(
        [
            resp(
                csat=5,
                nps=10,
                dimension_scores={"reliability": 4.0},
                expectations={"reliability": 5.0},
                servqual_gaps={"reliability": -1.0},
            ),
            resp(
                csat=2,
                nps=3,
                dissatisfied=True,
                dealer_id="D1",
                technician_id=None,
                dimension_scores={"reliability": 2.0},
            ),
            resp(csat=4, tier="medium", month="2026-12"),
        ]
    )
    large = rows[("tier", "large", "2026-11", "", "post_service")]
    assert (large.responses, csat_percent(large), nps_score(large)) == (1, 100.0, 100.0)
    dealer = rows[("dealer", "D1", "2026-11", "D1", "post_service")]
    assert dealer.responses == 1 and dealer.detractors == 1 and dealer.dissatisfied == 1
    assert rows[("technician", NONE_KEY, "2026-11", "D1", "post_service")].responses == 1
    assert rows[("month", "2026-12", "2026-12", "", "post_service")].csat_satisfied == 1
    assert len([k for k in rows if k[0] == "tier"]) == 3  # large/no dealer, large/D1, medium
    reliability = dims[("2026-11", "", "post_service", "reliability")]
    assert (reliability.rating_n, reliability.rating_sum) == (1, 4.0)
    assert (reliability.expectation_n, reliability.gap_sum) == (1, -1.0)
    assert dims[("2026-11", "D1", "post_service", "reliability")].rating_sum == 2.0
