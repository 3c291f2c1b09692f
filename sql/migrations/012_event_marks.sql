-- Events outbox (issue #25): an enrichment row needs an enrichment event while it has no sent
-- mark here (domain/events.py). Marks are appended (streaming insert, no DML quota), possibly
-- twice for one row: readers only ask whether one exists. sent_at is BigQuery's clock or the
-- publisher's; a mark is written after its row, so sent_at >= the row's enriched_at and the
-- due query prunes both tables to the same window. Safe to run twice.
CREATE TABLE IF NOT EXISTS `${dataset}.event_marks` (
  row_id     STRING NOT NULL,
  posting_id STRING NOT NULL,
  sent_at    TIMESTAMP NOT NULL
)
PARTITION BY DATE(sent_at)
CLUSTER BY row_id;
