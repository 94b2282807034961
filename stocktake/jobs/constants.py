# The status part of a running job's page asks for news this often (milliseconds in htmx's own words).
POLL_SECONDS = 2
# A running job writes its progress to the database at most this often (seconds), plus the final value.
PROGRESS_WRITE_INTERVAL = 0.5
# Log lines a job page shows; the downloadable report carries what matters in full.
LOG_LINES_SHOWN = 500
