select * from marts.score_curves
