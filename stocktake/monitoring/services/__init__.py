"""Monitoring services, one module per area (results, deliverables, reporting, health)."""
