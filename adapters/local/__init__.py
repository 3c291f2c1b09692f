"""Local files: the JSONL posting source and the spool that holds batches while the warehouse is down."""
