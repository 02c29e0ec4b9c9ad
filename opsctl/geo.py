"""Places: great-circle distances and the timezone of a destination.

A promise date means "by the end of that day in the destination's local
time". With coordinates, the destination's zone comes from the timezone
boundary polygons of ``tzfpy`` (exact, about a microsecond a lookup once its
data is loaded). Without them, a country with one zone (most of Europe) has
that zone, and a country with several gets the first zone the IANA tz
database's ``zone.tab`` lists for it (its most populous: America/New_York for
the US).
"""

from __future__ import annotations

import math
import re
import zoneinfo
from functools import cache
from pathlib import Path

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


_COORDINATE = re.compile(r"([+-])(\d{2})(\d{2})(\d{2})?([+-])(\d{3})(\d{2})(\d{2})?")


def _degrees(sign: str, degrees: str, minutes: str, seconds: str | None) -> float:
    value = int(degrees) + int(minutes) / 60 + int(seconds or 0) / 3600
    return -value if sign == "-" else value


def _zone_tab_text() -> str | None:
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:  # the tzdata package, where the system has no tz database
        from importlib.resources import files

        return (files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return None


@cache
def _zones_by_country() -> dict[str, list[tuple[float, float, str]]]:
    zones: dict[str, list[tuple[float, float, str]]] = {}
    for line in (_zone_tab_text() or "").splitlines():
        if not line or line.startswith("#"):
            continue
        country, coordinates, name = line.split("\t")[:3]
        match = _COORDINATE.fullmatch(coordinates)
        if match:
            lat = _degrees(*match.group(1, 2, 3, 4))
            lon = _degrees(*match.group(5, 6, 7, 8))
            zones.setdefault(country, []).append((lat, lon, name))
    return zones


@cache
def _country_zone(country: str) -> str | None:
    zones = _zones_by_country().get(country.upper())
    return zones[0][2] if zones else None


def country_of_zone(zone: str) -> str | None:
    """The country whose zone ``zone`` is (``GB`` for Europe/London), if it has one."""
    for country, zones in _zones_by_country().items():
        if any(name == zone for _, _, name in zones):
            return country
    return None


@cache
def _polygon_zone(lat: float, lon: float) -> str | None:
    from tzfpy import get_tz

    return get_tz(lon, lat) or None


def timezone_for(
    country: str | None, lat: float | None = None, lon: float | None = None
) -> str | None:
    """The IANA timezone at (``lat``, ``lon``), else the main zone of ``country``, if known.

    Coordinates are rounded to 0.01° (about a kilometre) so that lookups cache well.
    """
    if lat is not None and lon is not None:
        zone = _polygon_zone(round(lat, 2), round(lon, 2))
        if zone:
            return zone
    return _country_zone(country) if country else None
