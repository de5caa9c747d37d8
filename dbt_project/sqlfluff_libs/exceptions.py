"""Stand-in for dbt's `exceptions` context (see dbt.py): never raises while linting."""


def raise_compiler_error(message):
    return ""


def warn(message):
    return ""
