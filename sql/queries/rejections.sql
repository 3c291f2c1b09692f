-- Newest rejections first.
SELECT rejection_id, stage, reason, detail, source, rejected_at, posting_id, content_hash
FROM `${dataset}.v_rejections`
ORDER BY rejected_at DESC, rejection_id
LIMIT @limit
