"""Stand-in for dbt's `modules` context (see dbt.py)."""

import datetime  # noqa: F401
import re  # noqa: F401
