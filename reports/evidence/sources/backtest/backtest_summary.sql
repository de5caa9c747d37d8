select * from marts.backtest_summary
