"""Monitoring selectors, one module per area (results, deliverables, reporting, health)."""
