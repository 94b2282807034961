"""Stocktake: a registry, monitoring mechanism and knowledge base for multi-stakeholder partnerships."""
