"""Kefu survey service. Satisfaction surveys (满意度调查): templates, campaigns, triggered surveys, scoring."""
