"""Monitoring: dashboards and overviews of each organisation's own population (issue 16)."""
