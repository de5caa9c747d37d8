-- The Stage 1 note when a derived ladder's Stage 1 is doubtful (its test warns with it).
select stage_one_note
from {{ ref('int_stage_one_chosen') }}
where is_stage_one_doubtful
