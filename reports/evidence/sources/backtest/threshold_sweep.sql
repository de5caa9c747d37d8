select * from marts.threshold_sweep
