"""Adapters: the I/O side of the ports (warehouses, sources, model artifacts)."""
