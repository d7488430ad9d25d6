"""Tables of the analytics area."""
