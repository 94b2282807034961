"""Pages of the monitoring area "results"."""
