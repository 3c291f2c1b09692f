"""The command line by feature: `enrich` (cli/enrich.py) and `enrich-ops` (cli/enrich_ops.py).

One module per command family (ingest, fleet, extract, evaluate, versions, status, lifecycle,
replay, clustering, metrics, trends, sections); cli/common.py holds what they share.
"""
