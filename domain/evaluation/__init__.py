"""Extraction quality: gold span sets, span-level P/R/F1, and regression checks between runs."""
