"""Writing the monitoring area "reporting": every write validated, in one transaction, with its history."""
