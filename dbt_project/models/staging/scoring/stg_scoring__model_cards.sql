-- fitted_history's cards (scoring/fitted.py), typed: one row per model and as_of. Before the
-- fitted step has run (or with FITTED=off) the table may not exist: this view is then empty.
with

source as (

    {{ source_columns(source('scoring', 'model_cards'), {
        'model': 'string', 'model_version': 'string', 'as_of': 'date', 'trained_at': 'datetime',
        'status': 'string', 'note': 'string', 'training_known_by': 'date',
        'training_created_by': 'date', 'training_first_created_on': 'date',
        'training_contacts': 'int', 'training_positives': 'int', 'training_auc': 'double',
        'cv_auc': 'double', 'cv_folds': 'int', 'features': 'string', 'intercept': 'double',
        'threshold': 'double', 'fit_seconds': 'double',
    }) }}

),

final as (

    select
        model,
        coalesce(model_version, '') as model_version,
        as_of,
        trained_at,
        lower(status) as status,
        note,
        training_known_by,
        training_created_by,
        training_first_created_on,
        training_contacts,
        training_positives,
        training_auc,
        cv_auc,
        cv_folds,
        features,
        intercept,
        threshold,
        fit_seconds

    from source

)

select * from final
