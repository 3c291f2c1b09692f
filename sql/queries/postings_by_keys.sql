-- Raw postings of a page, by key (@ids: posting ids, @keys: "posting_id:content_hash"): reads
-- only the clustered blocks of those ids (postings is clustered by posting_id, the state log
-- too), whatever the table's size. received_at: the intake stamp a re-run keeps, the state's
-- when the state holds this content (the content's latest entry), else the postings row's.
SELECT p.posting_id, p.text, p.content_hash, p.title, p.company, p.source, p.posted_at,
       COALESCE(s.received_at, p.received_at) AS received_at
FROM `${dataset}.v_postings` AS p
LEFT JOIN (
  SELECT posting_id, content_hash, received_at FROM `${dataset}.posting_state`
  WHERE posting_id IN UNNEST(@ids)
) AS s ON s.posting_id = p.posting_id AND s.content_hash = p.content_hash
WHERE p.posting_id IN UNNEST(@ids)
  AND CONCAT(p.posting_id, ':', p.content_hash) IN UNNEST(@keys)
