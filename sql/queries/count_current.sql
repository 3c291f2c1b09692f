-- Postings whose latest enrichment is @version (what a clustering run assigns).
SELECT COUNT(*) AS n FROM `${dataset}.posting_state` WHERE enrichment_version = @version
