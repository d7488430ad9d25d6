"""Kefu gateway: routes, authenticates and aggregates for the front end and dealers."""
