"""Pages of the monitoring area "deliverables"."""
