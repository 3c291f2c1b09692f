SELECT COUNT(*) AS n FROM `${dataset}.rejections` WHERE rejection_id IN UNNEST(@ids)
