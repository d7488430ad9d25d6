"""Kefu common library: what every Kefu service shares."""
