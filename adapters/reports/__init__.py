"""Rendered reports (PNG charts) of evaluation results."""
