"""Prometheus exporter: fleet metrics read from the warehouse and the broker at each scrape."""
