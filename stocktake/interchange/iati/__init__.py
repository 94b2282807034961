"""IATI activity files: reading them into plain records."""
