"""Writing the monitoring area "deliverables": every write validated, in one transaction, with its history."""
