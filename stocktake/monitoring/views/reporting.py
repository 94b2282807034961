"""Pages of the monitoring area "reporting"."""
