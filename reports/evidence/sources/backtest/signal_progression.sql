select * from marts.signal_progression
