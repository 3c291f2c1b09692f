"""Pub/Sub: the subscriber the bridge reads postings from, and the publisher `enrich publish` uses."""
