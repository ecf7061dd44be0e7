"""Values that the library uses and the command line shows in ``--help``, in a module that imports
nothing but the standard library, so ``cxloop --help`` need not load the analytics stack to show
them (``tests/test_cli_startup.py``)."""

from __future__ import annotations

from enum import StrEnum


class ColumnKind(StrEnum):
    """The kind of personal data a column holds; it decides how two values are compared."""

    GIVEN_NAME = "given_name"
    SURNAME = "surname"
    FULL_NAME = "full_name"
    DATE_OF_BIRTH = "date_of_birth"
    DATE = "date"
    POSTCODE = "postcode"
    STREET_NUMBER = "street_number"
    STREET_ADDRESS = "street_address"
    CITY = "city"
    STATE = "state"
    PHONE = "phone"
    EMAIL = "email"
    NATIONAL_ID = "national_id"
    IDENTIFIER = "identifier"
    CATEGORY = "category"
    NUMBER = "number"
    TEXT = "text"
    FREE_TEXT = "free_text"
    IGNORED = "ignored"


LINK_THRESHOLD = 0.5
"""Record pairs with a match probability at or above this are matches (probable identity
edges): ``cxloop.identity.DEFAULT_THRESHOLD``."""

WORLD_DAYS = 182
"""Days a simulated world spans by default: ``cxloop.simulate.DEFAULT_DAYS``."""
