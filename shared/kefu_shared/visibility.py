"""Dealer visibility, decided in one place for every service.

A partner dealer sees only objects carrying its own ``dealer_id``; internal staff see
all. Two rules follow, and each repository applies them through these two functions:

- a lookup by id answers 404 -- not 403 -- when the object exists but belongs to another
  dealer, so probing ids tells a dealer nothing (:func:`visible_or_404`);
- a list or export is filtered to the dealer's own objects, whatever dealer filter the
  request asked for (:func:`dealer_scope`).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from kefu_shared.auth import Principal
from kefu_shared.errors import NotFound


class DealerOwned(Protocol):
    @property
    def dealer_id(self) -> str | None: ...


Owned = TypeVar("Owned", bound=DealerOwned)


def visible_or_404(obj: Owned | None, actor: Principal, *, what: str, ident: str) -> Owned:
    """``obj`` when it exists and ``actor`` may see it; otherwise 404 ("what ident not found")."""
    if obj is None or not actor.can_see_dealer(obj.dealer_id):
        raise NotFound(f"{what} {ident} not found")
    return obj


def dealer_scope(actor: Principal, requested: str | None = None) -> str | None:
    """The dealer a list is restricted to: a dealer's own one, whatever it asked for;
    for internal staff the dealer they asked for (None: every dealer)."""
    return actor.dealer_id if actor.is_dealer else requested
