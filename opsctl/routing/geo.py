"""Where things are: coordinates of orders and locations, and great-circle distances.

A place's coordinates are its own latitude and longitude when it has them,
else the centroid of its postal code from a postal-code table (a CSV with
``country, postal_code, latitude, longitude``; a row may be a prefix such as
the UK outward code ``LS10``: the longest prefix of the code wins).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from pathlib import Path

from opsctl.errors import DataError

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)

Coordinates = tuple[float, float]


#: A point ready for :func:`prepared_km`: latitude and longitude in radians, cos(latitude).
Prepared = tuple[float, float, float]


def great_circle_km(a: Coordinates, b: Coordinates) -> float:
    """The great-circle distance in km between two (latitude, longitude) points (haversine)."""
    return prepared_km(prepare(a), prepare(b))


def prepare(point: Coordinates) -> Prepared:
    """``point`` with what :func:`prepared_km` reads of it worked out once."""
    latitude, longitude = math.radians(point[0]), math.radians(point[1])
    return latitude, longitude, math.cos(latitude)


def prepared_km(a: Prepared, b: Prepared) -> float:
    """:func:`great_circle_km` of two :func:`prepare`-d points (the very same float): a
    location's point is prepared once for every order's."""
    lat1, lon1, cos1 = a
    lat2, lon2, cos2 = b
    h = math.sin((lat2 - lat1) / 2) ** 2 + cos1 * cos2 * math.sin((lon2 - lon1) / 2) ** 2
    root = math.sqrt(h)
    # min(1.0, root), without a call: this runs for every order and location
    return 2 * EARTH_RADIUS_KM * math.asin(root if root < 1.0 else 1.0)


def _normal(postal_code: str) -> str:
    return "".join(postal_code.split()).upper()


class PostalCodes:
    """Postal-code centroids by country, looked up by the longest matching prefix."""

    def __init__(self, centroids: Mapping[tuple[str, str], Coordinates] | None = None):
        self._centroids = {
            (country.upper(), _normal(code)): point
            for (country, code), point in (centroids or {}).items()
        }
        self._longest = max((len(code) for _, code in self._centroids), default=0)

    def __len__(self) -> int:
        return len(self._centroids)

    def lookup(self, country: str, postal_code: str | None) -> Coordinates | None:
        """The centroid of ``postal_code`` in ``country``, or None when the table has no prefix."""
        if not postal_code or not self._centroids:
            return None
        code = _normal(postal_code)[: self._longest]
        for length in range(len(code), 0, -1):
            point = self._centroids.get((country, code[:length]))
            if point is not None:
                return point
        return None

    @classmethod
    def read_csv(cls, path: str | Path) -> PostalCodes:
        """Read a postal-code table; a bad row is a :class:`DataError` naming file, line, column."""
        centroids: dict[tuple[str, str], Coordinates] = {}
        name = str(path)
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                missing = {"country", "postal_code", "latitude", "longitude"} - set(
                    reader.fieldnames or ()
                )
                if missing:
                    raise DataError(
                        f"missing required column(s): {', '.join(sorted(missing))}",
                        source=name,
                        line=1,
                    )
                for row in reader:
                    point = []
                    for column, limit in (("latitude", 90), ("longitude", 180)):
                        try:
                            value = float(row[column])
                            if not -limit <= value <= limit:
                                raise ValueError
                        except (TypeError, ValueError):
                            raise DataError(
                                f"{row[column]!r} is not a number from {-limit} to {limit}",
                                source=name,
                                line=reader.line_num,
                                column=column,
                                value=row[column],
                            ) from None
                        point.append(value)
                    centroids[(row["country"], row["postal_code"])] = (point[0], point[1])
        except OSError as error:
            raise DataError(f"cannot read: {error.strerror}", source=name) from None
        return cls(centroids)
