"""Pages of the monitoring area "health"."""
