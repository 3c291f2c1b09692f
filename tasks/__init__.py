"""Thin Celery tasks: parse small JSON args, call one domain step, return small JSON."""
