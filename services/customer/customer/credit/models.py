"""Tables of the credit area."""
