-- The card of each fitted model for this as_of (fitted_history, scoring/fitted.py): whether
-- it was trained (or why not), on which period, how many contacts and positives, and how
-- well it separates them on its own training data (in-sample and cross-validated AUC).
with

cards as (

    select * from {{ ref('stg_scoring__model_cards') }}
    where as_of = {{ as_of_date() }}

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(as_of as date) as as_of,
        cast(trained_at as {{ dbt.type_timestamp() }}) as trained_at,
        cast(status = 'trained' as {{ dbt.type_boolean() }}) as is_trained,
        cast(note as {{ dbt.type_string() }}) as note,
        cast(training_known_by as date) as training_known_by,
        cast(training_created_by as date) as training_created_by,
        cast(training_first_created_on as date) as training_first_created_on,
        cast(training_contacts as {{ dbt.type_bigint() }}) as training_contacts,
        cast(training_positives as {{ dbt.type_bigint() }}) as training_positives,
        cast(
            case
                when training_contacts > 0
                    then cast(training_positives as {{ type_double() }}) / training_contacts
            end as {{ type_double() }}
        ) as training_base_rate,
        cast(training_auc as {{ type_double() }}) as training_auc,
        cast(cv_auc as {{ type_double() }}) as cv_auc,
        cast(cv_folds as {{ dbt.type_bigint() }}) as cv_folds,
        cast(features as {{ dbt.type_string() }}) as features,
        cast(intercept as {{ type_double() }}) as intercept,
        cast(threshold as {{ type_double() }}) as threshold,
        cast(fit_seconds as {{ type_double() }}) as fit_seconds

    from cards

)

select * from final
