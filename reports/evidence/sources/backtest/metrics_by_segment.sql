select * from marts.metrics_by_segment
