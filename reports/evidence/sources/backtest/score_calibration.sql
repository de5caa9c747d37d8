select * from marts.score_calibration
