"""Redis: the coordinator (locks, queue depths, unacked messages, refused configs) over the broker."""
