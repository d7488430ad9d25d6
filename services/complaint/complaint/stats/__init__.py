"""Complaint statistics (客户投诉管理表), pre-aggregated so that they answer in
milliseconds over millions of complaints: see ``docs/statistics.md``."""
