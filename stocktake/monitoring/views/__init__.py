"""Monitoring views, one module per area (results, deliverables, reporting, health)."""
