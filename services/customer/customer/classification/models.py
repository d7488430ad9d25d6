"""Tables of the classification area."""
