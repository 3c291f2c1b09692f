"""Celery app, settings, composition root, beat schedule and the source bridge."""
