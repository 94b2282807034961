"""Writing the monitoring area "health": every write validated, in one transaction, with its history."""
