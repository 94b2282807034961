"""Text project pages (web pages saved as text) read into initiative records; see `parser`."""
