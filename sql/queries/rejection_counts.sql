SELECT stage, reason, COUNT(*) AS n FROM `${dataset}.v_rejections` GROUP BY stage, reason
