"""Kefu customer service (客户资料库)."""
