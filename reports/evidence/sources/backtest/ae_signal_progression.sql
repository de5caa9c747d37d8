select * from marts.ae_signal_progression
