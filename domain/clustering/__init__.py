"""Job clustering: postings -> skill vectors -> clusters with stable ids across runs (pure logic)."""
