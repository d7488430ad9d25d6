"""If-Match (RFC 9110 §13.1.1): a list of entity tags, strong comparison."""

from __future__ import annotations

import pytest

from kefu_shared.errors import PreconditionFailed, PreconditionRequired
from kefu_shared.http.etag import check_if_match

CURRENT = '"c1.3"'


@pytest.mark.parametrize("header", ['"c1.3"', '"c1.2", "c1.3"', '"a,b" ,"c1.3"', "*", ' "c1.3" '])
def test_if_match_accepts_the_current_tag_in_a_list_or_a_star(header: str) -> None:
    check_if_match(header, CURRENT)


@pytest.mark.parametrize("header", ['W/"c1.3"', '"c1.2"', "c1.3", '"c1.3" junk', '"c1.2", W/"c1.3"'])
def test_if_match_refuses_weak_stale_or_malformed_tags(header: str) -> None:
    with pytest.raises(PreconditionFailed):
        check_if_match(header, CURRENT)


def test_if_match_is_required() -> None:
    with pytest.raises(PreconditionRequired):
        check_if_match("  ", CURRENT)
