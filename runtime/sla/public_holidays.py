"""Countries' and regions' public holidays for business calendars, from the ``holidays`` package.

A business calendar names a country (ISO 3166-1 alpha-2, such as ``DE``) and, where
holidays differ inside it, a region (the package's subdivision code, such as ``BY``
for Bavaria); its own extra dates come on top. Pure: the package computes the dates,
nothing is read from the network.

>>> from datetime import date
>>> date(2026, 1, 6) in public_holiday_dates("DE", "BY", 2026)  # Epiphany, Bavaria only
True
>>> date(2026, 1, 6) in public_holiday_dates("DE", None, 2026)
False
>>> checked_place("de", "by")
('DE', 'BY')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

import holidays
from holidays.registry import COUNTRIES

from runtime.sla.errors import UnknownPlace

__all__ = [
    "Country",
    "UnknownPlace",
    "checked_place",
    "countries",
    "named_public_holidays",
    "public_holiday_dates",
]


@dataclass(frozen=True, slots=True)
class Country:
    """A country whose public holidays are known, with its regions (code -> name)."""

    code: str
    name: str
    regions: dict[str, str]


def _spaced(class_name: str) -> str:
    # The package names each country's class after it: "UnitedStates" -> "United States".
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)


@cache
def countries() -> dict[str, Country]:
    """Every country the package knows, by code, in the order of their names."""
    names = {code: _spaced(class_name) for class_name, code, *_ in COUNTRIES.values()}
    found: dict[str, Country] = {}
    codes = holidays.list_supported_countries(include_aliases=False)
    for code in sorted(codes, key=lambda code: names.get(code, code)):
        entity = holidays.country_holidays(code)
        aliases = entity.get_subdivision_aliases()
        regions = {sub: ", ".join(aliases.get(sub, [])) or sub for sub in entity.subdivisions}
        found[code] = Country(code=code, name=names.get(code, code), regions=regions)
    return found


def checked_place(country: str | None, region: str | None) -> tuple[str | None, str | None]:
    """The country and region codes in their canonical spelling, or :class:`UnknownPlace`.

    >>> checked_place(None, None)
    (None, None)
    >>> checked_place("XX", None)
    Traceback (most recent call last):
    ...
    runtime.sla.errors.UnknownPlace: unknown country 'XX': expected an ISO 3166-1 \
alpha-2 code whose holidays are known, such as US, GB or DE
    >>> checked_place("DE", "ZZ")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    runtime.sla.errors.UnknownPlace: Germany has no region 'ZZ'; its regions are ...BY...
    """
    if not country:
        if region:
            raise UnknownPlace("a region needs its country", field="region")
        return None, None
    found = countries().get(country.upper())
    if found is None:
        raise UnknownPlace(
            f"unknown country {country!r}: expected an ISO 3166-1 alpha-2 code whose "
            "holidays are known, such as US, GB or DE",
            field="country",
        )
    if not region:
        return found.code, None
    by_upper = {code.upper(): code for code in found.regions}
    if region.upper() not in by_upper:
        listed = ", ".join(sorted(found.regions)) or "none"
        raise UnknownPlace(
            f"{found.name} has no region {region!r}; its regions are {listed}", field="region"
        )
    return found.code, by_upper[region.upper()]


@lru_cache(maxsize=512)
def named_public_holidays(
    country: str, region: str | None, year: int
) -> tuple[tuple[date, str], ...]:
    """The public holidays of ``country`` (and ``region``) in ``year``, in date order."""
    entity = holidays.country_holidays(country, subdiv=region, years=year)
    return tuple(sorted((day, str(name)) for day, name in entity.items()))


@lru_cache(maxsize=512)
def public_holiday_dates(country: str, region: str | None, year: int) -> frozenset[date]:
    """The dates of :func:`named_public_holidays`, for the clocks' look-ups."""
    return frozenset(day for day, _ in named_public_holidays(country, region, year))
