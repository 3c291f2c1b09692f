SELECT COUNT(*) AS n FROM `${dataset}.v_rejections` WHERE rejection_id IN UNNEST(@ids)
