-- Job clustering (#11): a run's lifecycle and the model that made it. Only a completed run is
-- ever active; activate_cluster_run.sql flips is_active for every run in ONE UPDATE statement
-- (atomic in BigQuery), so readers joining assignments to the active run never see two runs or
-- none. Safe to run twice.
ALTER TABLE `${dataset}.cluster_runs` ADD COLUMN IF NOT EXISTS model_id STRING;
ALTER TABLE `${dataset}.cluster_runs` ADD COLUMN IF NOT EXISTS status STRING;
ALTER TABLE `${dataset}.cluster_runs` ADD COLUMN IF NOT EXISTS is_active BOOL;
ALTER TABLE `${dataset}.cluster_runs` ADD COLUMN IF NOT EXISTS finished_at TIMESTAMP;
ALTER TABLE `${dataset}.cluster_runs` ADD COLUMN IF NOT EXISTS reason STRING;
