"""Occupation coding: title normalization (titles.py) and the title -> SOC / ESCO coder (coder.py)."""
