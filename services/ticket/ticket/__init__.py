"""Kefu ticket service. After-sales service tickets (售后服务): dispatch, visits, response-time standards, SLA."""
