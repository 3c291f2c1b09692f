-- The sections of every enrichment of one posting, oldest row first, then in text order.
SELECT enrichment_version, content_hash, classifier_version, section_index, kind, start, `end`, header
FROM `${dataset}.section_classifications`
WHERE posting_id = @posting_id
ORDER BY enriched_at, row_id, section_index
