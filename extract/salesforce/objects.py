"""The Salesforce objects we load and the fields we read from each.

This module is the contract between the extract stage and everything downstream: each
object lands in table ``raw_salesforce.<table>`` with one column per field, named by dlt's
snake_case rule (``StageName`` -> ``stage_name``, ``Loss_Reason__c`` -> ``loss_reason_c``)
and typed as declared here, whichever source (live REST org, Data Export folder, demo org)
loaded it. Extra fields configured per object (custom fields such as ``Loss_Reason__c``)
are loaded as text.

Field types: ``id`` and ``string`` are text, ``bool`` boolean, ``int`` bigint, ``double``
double, ``date`` date, ``datetime`` UTC timestamp.

It is the one description of the raw tables. Everything else derives from it: the Arrow
schema of each load (``arrow.ARROW_TYPES`` maps a field type to its Arrow type, and DuckDB
types follow from Arrow's as dlt creates the tables), and dbt's sources YAML, whose columns
``make sources`` writes from it (``extract.salesforce.dbt_sources``; the staging models read
their column lists from that YAML, and a test fails while it is stale).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, get_args

FieldType = Literal["id", "string", "bool", "int", "double", "date", "datetime"]
FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)

_CAMEL_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_2 = re.compile(r"([a-z\d])([A-Z])")


def column_name(api_name: str) -> str:
    """The raw column name dlt's snake_case naming gives a Salesforce field name.

    >>> column_name("StageName"), column_name("Loss_Reason__c"), column_name("AE_Reason__c")
    ('stage_name', 'loss_reason_c', 'ae_reason_c')
    """
    s = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", api_name))
    s = re.sub(r"_+", "_", s.lower())
    return s.strip("_")


@dataclass(frozen=True)
class SObject:
    """One Salesforce object: its API name, raw table, fields and how to read it."""

    name: str
    table: str
    fields: dict[str, FieldType]
    #: Whether the object has ``IsDeleted`` and is read with ``queryAll`` (deleted rows kept).
    has_is_deleted: bool = True
    #: Fields present in a Data Export but not queryable over the REST API (loaded as null
    #: there), e.g. ``Opportunity.StageSortOrder``.
    export_only: frozenset[str] = field(default_factory=frozenset)
    #: The incremental cursor: ``SystemModstamp``, or ``CreatedDate`` for field-history
    #: objects (their rows are never edited, and they have no ``SystemModstamp``).
    cursor_field: str = "SystemModstamp"
    #: Fields older API versions or restricted users may not see: on INVALID_FIELD the
    #: query is repeated without them and they load as null (with a warning).
    optional: frozenset[str] = field(default_factory=frozenset)
    #: Data Export only: the object's rows may instead come from ``EntityHistory.csv``,
    #: filtered on ``ParentSobjectType`` (see ``extract.salesforce.export``).
    entity_history_parent: str | None = None
    #: Fields only multi-currency orgs have (``CurrencyIsoCode``): queried when present,
    #: null in a single-currency org (whose REST API answers INVALID_FIELD for them).
    multi_currency_fields: frozenset[str] = field(default_factory=frozenset)
    #: Objects only multi-currency orgs have (``CurrencyType``, ``DatedConversionRate``):
    #: empty in a single-currency org (whose REST API answers INVALID_TYPE for them).
    multi_currency_only: bool = False

    @property
    def cursor_column(self) -> str:
        """The raw column of the cursor field."""
        return column_name(self.cursor_field)

    def rest_fields(
        self,
        extra: list[str] | tuple[str, ...] = (),
        *,
        without: frozenset[str] = frozenset(),
        multi_currency: bool = True,
    ) -> list[str]:
        """The SOQL select list: default fields minus export-only ones (minus ``without``, and
        minus the multi-currency ones unless ``multi_currency``), plus extras."""
        currency = frozenset() if multi_currency else self.multi_currency_fields
        skip = self.export_only | without | currency
        names = [f for f in self.fields if f not in skip]
        return names + [f for f in extra if f not in self.fields]

    def all_fields(self, extra: list[str] | tuple[str, ...] = ()) -> dict[str, FieldType]:
        """Every column of the raw table: default fields plus extras (typed as text)."""
        out = dict(self.fields)
        for name in extra:
            out.setdefault(name, "string")
        return out


_AUDIT = {
    "CreatedDate": "datetime",
    "LastModifiedDate": "datetime",
    "SystemModstamp": "datetime",
}


def _field_history(name: str, parent: str) -> SObject:
    """A field-history object (AccountHistory, ...): one row per change of a tracked field.

    ``OldValue``/``NewValue`` are ``anyType`` and land as text; for long text areas
    (descriptions) Salesforce records that the field changed but keeps neither value.
    """
    return SObject(
        name,
        column_name(name),
        {
            "Id": "id",
            f"{parent}Id": "id",
            "Field": "string",
            "DataType": "string",
            "OldValue": "string",
            "NewValue": "string",
            "CreatedById": "id",
            "CreatedDate": "datetime",
            "IsDeleted": "bool",
        },
        cursor_field="CreatedDate",
        entity_history_parent=parent,
    )


OBJECTS: dict[str, SObject] = {
    o.name: o
    for o in [
        SObject(
            "User",
            "user",
            {
                "Id": "id",
                "Name": "string",
                "FirstName": "string",
                "LastName": "string",
                "Email": "string",
                "Title": "string",
                "Department": "string",
                "IsActive": "bool",
                **_AUDIT,
            },
            has_is_deleted=False,
        ),
        SObject(
            "Account",
            "account",
            {
                "Id": "id",
                "Name": "string",
                "Website": "string",
                "Industry": "string",
                "Type": "string",
                "NumberOfEmployees": "int",
                "AnnualRevenue": "double",
                "Description": "string",
                "BillingCountry": "string",
                "OwnerId": "id",
                "IsDeleted": "bool",
                **_AUDIT,
            },
        ),
        SObject(
            "Contact",
            "contact",
            {
                "Id": "id",
                "AccountId": "id",
                "FirstName": "string",
                "LastName": "string",
                "Name": "string",
                "Email": "string",
                "Title": "string",
                "LeadSource": "string",
                "MailingCountry": "string",
                "OwnerId": "id",
                "IsDeleted": "bool",
                **_AUDIT,
            },
        ),
        SObject(
            "Lead",
            "lead",
            {
                "Id": "id",
                "FirstName": "string",
                "LastName": "string",
                "Company": "string",
                "Email": "string",
                "Title": "string",
                "Industry": "string",
                "LeadSource": "string",
                "Status": "string",
                "IsConverted": "bool",
                "ConvertedDate": "date",
                "ConvertedAccountId": "id",
                "ConvertedContactId": "id",
                "ConvertedOpportunityId": "id",
                "OwnerId": "id",
                "IsDeleted": "bool",
                **_AUDIT,
            },
        ),
        SObject(
            "OpportunityStage",
            "opportunity_stage",
            {
                "Id": "id",
                "MasterLabel": "string",
                "SortOrder": "int",
                "IsActive": "bool",
                "IsClosed": "bool",
                "IsWon": "bool",
                "DefaultProbability": "double",
                "ForecastCategoryName": "string",
                **_AUDIT,
            },
            has_is_deleted=False,
        ),
        SObject(
            "Opportunity",
            "opportunity",
            {
                "Id": "id",
                "AccountId": "id",
                "Name": "string",
                "StageName": "string",
                "StageSortOrder": "int",
                "Amount": "double",
                "Probability": "double",
                "CloseDate": "date",
                "IsClosed": "bool",
                "IsWon": "bool",
                "Type": "string",
                "LeadSource": "string",
                "Description": "string",
                "NextStep": "string",
                "ContactId": "id",
                "LastStageChangeDate": "datetime",
                "OwnerId": "id",
                "IsDeleted": "bool",
                **_AUDIT,
                "CurrencyIsoCode": "string",
            },
            export_only=frozenset({"StageSortOrder"}),
            optional=frozenset({"ContactId", "LastStageChangeDate"}),
            multi_currency_fields=frozenset({"CurrencyIsoCode"}),
        ),
        SObject(
            "OpportunityHistory",
            "opportunity_history",
            {
                "Id": "id",
                "OpportunityId": "id",
                "StageName": "string",
                "Amount": "double",
                "Probability": "double",
                "CloseDate": "date",
                "CreatedById": "id",
                "CreatedDate": "datetime",
                "SystemModstamp": "datetime",
                "IsDeleted": "bool",
            },
        ),
        SObject(
            "OpportunityContactRole",
            "opportunity_contact_role",
            {
                "Id": "id",
                "OpportunityId": "id",
                "ContactId": "id",
                "Role": "string",
                "IsPrimary": "bool",
                "CreatedDate": "datetime",
                "LastModifiedDate": "datetime",
                "SystemModstamp": "datetime",
                "IsDeleted": "bool",
            },
        ),
        *(
            _field_history(name, parent)
            for name, parent in (
                ("AccountHistory", "Account"),
                ("ContactHistory", "Contact"),
                ("OpportunityFieldHistory", "Opportunity"),
            )
        ),
        # --- currencies (multi-currency orgs; see DESIGN.md "Money") -----------------------
        SObject(
            "CurrencyType",
            "currency_type",
            {
                "Id": "id",
                "IsoCode": "string",
                "ConversionRate": "double",
                "DecimalPlaces": "int",
                "IsActive": "bool",
                "IsCorporate": "bool",
                **_AUDIT,
            },
            has_is_deleted=False,
            multi_currency_only=True,
        ),
        SObject(
            "DatedConversionRate",
            "dated_conversion_rate",
            {
                "Id": "id",
                "IsoCode": "string",
                "ConversionRate": "double",
                "StartDate": "date",
                "NextStartDate": "date",
                **_AUDIT,
            },
            has_is_deleted=False,
            multi_currency_only=True,
        ),
    ]
}

# --- required columns ------------------------------------------------------------------------

#: Per object, the fields without which the backtest cannot judge anything, and what it needs
#: each for. A Data Export file lacking one is refused at extract, naming the file, the column
#: and this reason (a missing column would otherwise load as nulls and fail far later).
REQUIRED_FIELDS: dict[str, dict[str, str]] = {
    "Account": {"Id": "contacts and opportunities point at accounts by Id"},
    "Contact": {
        "Id": "every contact is scored and judged by Id",
        "CreatedDate": "the backtest window is the contacts created in it",
    },
    "Lead": {"Id": "converted leads link contacts to opportunities"},
    "Opportunity": {
        "Id": "stage history and contact roles point at opportunities by Id",
        "StageName": "progression beyond Stage 1 is read from the stage",
        "CreatedDate": "only opportunities created after the contact count",
    },
    "OpportunityHistory": {
        "Id": "history rows are merged by Id",
        "OpportunityId": "stage history belongs to an opportunity",
        "StageName": "progression beyond Stage 1 is read from the stage history",
        "CreatedDate": "stage changes after AS_OF are ignored, which needs their time",
    },
    "OpportunityContactRole": {
        "Id": "contact roles are merged by Id",
        "OpportunityId": "a contact role links a contact to an opportunity",
        "ContactId": "a contact role links a contact to an opportunity",
    },
    "OpportunityStage": {
        "MasterLabel": "the stage ladder is keyed by the stage name",
        "SortOrder": "the stage ladder is ordered by SortOrder",
    },
    "CurrencyType": {
        "IsoCode": "amounts are converted by currency code",
        "ConversionRate": "amounts are converted with it",
    },
    "DatedConversionRate": {
        "IsoCode": "amounts are converted by currency code",
        "ConversionRate": "amounts are converted with it",
        "StartDate": "the rate whose range holds the close date is used",
    },
}

#: Load order: parents before children, so a crash mid-run leaves consistent prefixes.
OBJECT_NAMES: tuple[str, ...] = tuple(OBJECTS)
