-- contact_outcomes is one row per contact and model: only its counts are shipped to the site.
select model, model_version, outcome, count(*) as contacts
from marts.contact_outcomes
group by all
