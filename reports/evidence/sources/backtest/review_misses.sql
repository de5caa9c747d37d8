select * from marts.review_misses
