SELECT stage, reason, COUNT(*) AS n FROM `${dataset}.rejections` GROUP BY stage, reason
