"""How many decimals an amount may have in its currency: ISO 4217's minor units.

A USD amount has cents (2 decimals), a JPY amount none, a KWD, BHD, OMR, JOD or TND
amount fils or millimes (3), a CLF amount 4. An amount finer than its currency allows
(``5.123`` USD) cannot be posted as sent: a ledger would round it, so the books would
not hold what the client sent. Intake refuses it instead, naming the field.

The minor units come from the ``iso4217`` package, which ships ISO's own published
table (list one of the ISO 4217 maintenance agency) and is re-released when ISO amends
it. Not ``babel``: its ``get_currency_precision`` reads CLDR, whose digits are what
people use in practice, not ISO's (CLDR gives IQD, RSD, LAK and others 0 decimals where
ISO gives 3 or 2), and it brings tens of megabytes of locale data for one table.
``pycountry`` has no minor units.

A code ISO does not list (a ledger's own commodity) or lists without minor units (XAU,
XDR, XXX) is not checked here beyond the general 4 decimal places every amount keeps.

This module imports the data package and nothing of the rest of expense-sync.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from iso4217 import Currency


@cache
def minor_units(currency: str) -> int | None:
    """ISO 4217's minor units of ``currency`` (2 for USD, 0 for JPY, 3 for KWD), or
    ``None`` if ISO does not list the code or gives it none."""
    try:
        return Currency(currency).exponent
    except ValueError:
        return None


def too_precise(name: str, amount: Decimal, currency: str) -> str | None:
    """Why ``amount`` cannot be an amount of ``currency``, or ``None`` if it can.
    Trailing zeros are fine (``5.10`` USD, ``5.0`` JPY): the value counts, not its spelling."""
    units = minor_units(currency)
    if units is None or amount == amount.quantize(Decimal(1).scaleb(-units)):
        return None
    example = format(amount.quantize(Decimal(1).scaleb(-units)), "f")
    places = "no decimal places" if units == 0 else f"{units} decimal place(s)"
    return (
        f"{name} is {format(amount, 'f')}, but {currency} amounts have {places} "
        f"(ISO 4217); round it, e.g. to {example}."
    )
