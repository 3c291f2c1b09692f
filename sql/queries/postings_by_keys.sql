-- Raw postings of a page, by key (@ids: posting ids, @keys: "posting_id:content_hash"): reads
-- only the clustered blocks of those ids (postings is clustered by posting_id), whatever the
-- table's size.
SELECT posting_id, text, content_hash, title, company, source, posted_at
FROM `${dataset}.v_postings`
WHERE posting_id IN UNNEST(@ids)
  AND CONCAT(posting_id, ':', content_hash) IN UNNEST(@keys)
