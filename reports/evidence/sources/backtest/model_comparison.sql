select * from marts.model_comparison
