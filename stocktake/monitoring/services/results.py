"""Writing the monitoring area "results": every write validated, in one transaction, with its history."""
