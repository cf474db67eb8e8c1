"""Fetch "Folkmängden den 1 november" per county from SCB's PxWeb API v2 (table TAB1267).

Two requests, both JSON-stat2:

1. ``GET {base}/tables/TAB1267/metadata?lang=sv&outputFormat=json-stat2`` tells which
   dimensions the table has (``Region``, ``ContentsCode``, ``Tid`` and e.g. age and
   sex) and their value codes;
2. ``GET {base}/tables/TAB1267/data?lang=sv&outputFormat=json-stat2&valueCodes[Region]=01,03,…
   &valueCodes[ContentsCode]=…&valueCodes[Tid]=ÅR&…`` returns the values.

For any other dimension (age, sex) the total category is asked for if the table has
one ("totalt", "tot"), else all categories, which are summed per county.

The base URL is ``$XL_TOOLS_SCB_URL`` or :data:`DEFAULT_BASE_URL`. Only the standard
library (urllib) is used.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xl_tools.errors import XlToolsError
from xl_tools.population import (
    PopulationTable,
    describe_date,
    is_marked_provisional,
    load_shipped,
    read_csv,
    user_data_file,
    validate_counties,
    write_csv,
)
from xl_tools.regions import BY_CODE, REGIONS

DEFAULT_BASE_URL = "https://statistikdatabasen.scb.se/api/v2"
TABLE_ID = "TAB1267"
REGION_DIM = "Region"
CONTENTS_DIM = "ContentsCode"
TIME_DIM = "Tid"
_TOTAL_CODES = ("totalt", "tot", "total", "t", "1+2", "tot1")
USER_AGENT = "xl_tools (https://github.com/; Swedish grant finance)"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Fetched:
    """One year of county populations from SCB."""

    date: dt.date
    by_code: dict[str, int]
    url: str
    source: str

    @property
    def total(self) -> int:
        return sum(self.by_code.values())


def base_url(url: str | None = None) -> str:
    """The PxWeb v2 base URL: the argument, else ``$XL_TOOLS_SCB_URL``, else SCB's."""
    chosen = url or os.environ.get("XL_TOOLS_SCB_URL") or DEFAULT_BASE_URL
    return chosen.rstrip("/")


def _get_json(url: str, timeout: float) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        try:
            detail = " ".join(exc.read().decode("utf-8", "replace").split())[:200]
        except OSError:  # the status is what matters
            detail = ""
        raise XlToolsError(
            f"SCB answered HTTP {exc.code} {exc.reason} for {url}{': ' + detail if detail else ''}. "
            "Check the year and the URL (--url / XL_TOOLS_SCB_URL), or try again later."
        ) from None
    except TimeoutError:
        raise XlToolsError(
            f"SCB did not answer within {timeout:g} s ({url}); try again later or give a longer --timeout."
        ) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise XlToolsError(
                f"SCB did not answer within {timeout:g} s ({url}); try again later or give a longer --timeout."
            ) from None
        raise XlToolsError(
            f"Cannot reach SCB at {url} ({reason}); check the network connection or the URL."
        ) from None
    except OSError as exc:
        raise XlToolsError(f"The connection to SCB failed ({exc}); try again later.") from None
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise XlToolsError(f"SCB's answer from {url} is not JSON ({exc}); check the URL.") from None
    if not isinstance(data, dict):
        raise XlToolsError(f"SCB's answer from {url} is not a JSON-stat2 dataset; check the URL.")
    return data


def _dimensions(data: dict, url: str) -> tuple[list[str], dict[str, list[str]], dict[str, dict[str, str]]]:
    """Dimension ids in order, their category codes in index order, and category labels."""
    try:
        ids = list(data["id"])
        dims = data["dimension"]
        codes: dict[str, list[str]] = {}
        labels: dict[str, dict[str, str]] = {}
        for dim in ids:
            category = dims[dim]["category"]
            index = category.get("index")
            if isinstance(index, dict):
                ordered = sorted(index, key=lambda k: index[k])
            elif isinstance(index, list):
                ordered = list(index)
            else:
                ordered = list(category["label"])
            codes[dim] = [str(c) for c in ordered]
            labels[dim] = {str(k): str(v) for k, v in category.get("label", {}).items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise XlToolsError(
            f"SCB's answer from {url} is not the JSON-stat2 expected (missing {exc}); check the URL."
        ) from None
    return ids, codes, labels


def _total_code(codes: list[str], labels: dict[str, str]) -> str | None:
    for code in codes:
        if code.lower() in _TOTAL_CODES or labels.get(code, "").strip().lower() in ("totalt", "total", "samtliga"):
            return code
    return None


def _contents_code(codes: list[str], labels: dict[str, str]) -> str:
    for code in codes:
        if "folkm" in labels.get(code, "").lower():
            return code
    return codes[0]


def data_url(base: str, year: int, selection: dict[str, list[str]]) -> str:
    """The PxWeb v2 data URL for a selection ``{dimension: [value codes]}``."""
    params = [("lang", "sv"), ("outputFormat", "json-stat2")]
    params += [(f"valueCodes[{dim}]", ",".join(values)) for dim, values in selection.items()]
    return f"{base}/tables/{TABLE_ID}/data?" + urllib.parse.urlencode(params, safe=",*")


def fetch_year(year: int, *, url: str | None = None, timeout: float = 30,
               progress: Progress | None = None) -> Fetched:
    """Fetch and validate the 21 county populations at 1 November ``year``."""
    say = progress or (lambda _msg: None)
    base = base_url(url)
    date = dt.date(year, 11, 1)

    meta_url = f"{base}/tables/{TABLE_ID}/metadata?lang=sv&outputFormat=json-stat2"
    say(f"Hämtar tabellbeskrivning {TABLE_ID} från {base} …")
    meta = _get_json(meta_url, timeout)
    ids, codes, labels = _dimensions(meta, meta_url)
    for needed in (REGION_DIM, TIME_DIM):
        if needed not in ids:
            raise XlToolsError(f"SCB table {TABLE_ID} has no dimension {needed!r} (it has {', '.join(ids)}); "
                               "the table has changed, please report it.")
    if str(year) not in codes[TIME_DIM]:
        have = ", ".join(codes[TIME_DIM][-5:])
        raise XlToolsError(f"SCB has no 'Folkmängden den 1 november' for {year} yet (latest years: {have}).")
    selection: dict[str, list[str]] = {REGION_DIM: [r.code for r in REGIONS]}
    for dim in ids:
        if dim == REGION_DIM:
            continue
        if dim == TIME_DIM:
            selection[dim] = [str(year)]
        elif dim == CONTENTS_DIM:
            selection[dim] = [_contents_code(codes[dim], labels[dim])]
        else:
            total = _total_code(codes[dim], labels[dim])
            selection[dim] = [total] if total else ["*"]

    url_data = data_url(base, year, selection)
    say(f"Hämtar folkmängden den 1 november {year} för 21 län …")
    data = _get_json(url_data, timeout)
    by_code = parse_counties(data, url_data, year)
    say("Kontrollerar: 21 län, positiva heltal, rimlig summa …")
    validate_counties(by_code, date)
    source = f"SCB, Folkmängden den 1 november ({TABLE_ID}), hämtad {dt.date.today().isoformat()}"
    return Fetched(date=date, by_code=by_code, url=url_data, source=source)


def parse_counties(data: dict, url: str, year: int) -> dict[str, int]:
    """Sum a JSON-stat2 dataset's values per county code (over every other dimension)."""
    ids, codes, _ = _dimensions(data, url)
    if REGION_DIM not in ids:
        raise XlToolsError(f"SCB's answer from {url} has no {REGION_DIM} dimension; check the URL.")
    try:
        sizes = [int(s) for s in data["size"]]
        values = data["value"]
    except (KeyError, TypeError, ValueError) as exc:
        raise XlToolsError(f"SCB's answer from {url} is not the JSON-stat2 expected (missing {exc}).") from None
    if len(sizes) != len(ids) or any(len(codes[d]) != s for d, s in zip(ids, sizes, strict=True)):
        raise XlToolsError(f"SCB's answer from {url} is inconsistent (size does not match the dimensions).")
    cells = 1
    for s in sizes:
        cells *= s
    if isinstance(values, dict):  # sparse form {"index": value}
        values = [values.get(str(i)) for i in range(cells)]
    if not isinstance(values, list) or len(values) != cells:
        raise XlToolsError(f"SCB's answer from {url} has {len(values) if isinstance(values, list) else 'no'} "
                           f"values, expected {cells}.")
    if TIME_DIM in ids and codes[TIME_DIM] != [str(year)]:
        raise XlToolsError(f"SCB's answer from {url} is for {', '.join(codes[TIME_DIM])}, not {year}.")
    region_axis = ids.index(REGION_DIM)
    stride = 1
    for s in sizes[region_axis + 1:]:
        stride *= s
    totals: dict[str, int] = {}
    for flat, value in enumerate(values):
        code = codes[REGION_DIM][(flat // stride) % sizes[region_axis]]
        if value is None:
            raise XlToolsError(f"SCB's answer has no value for county {code} ({url}); try again later.")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise XlToolsError(f"SCB's answer has a value that is not a number for county {code}: {value!r}.")
        try:
            number = float(value) if not isinstance(value, int) else value
        except ValueError:
            raise XlToolsError(f"SCB's answer has a value that is not a number for county {code}: {value!r}.") \
                from None
        if number != int(number):
            raise XlToolsError(f"SCB's answer has a population that is not whole for county {code}: {value!r}.")
        totals[code] = totals.get(code, 0) + int(number)
    unknown = [c for c in totals if c not in BY_CODE]
    if unknown:
        raise XlToolsError(f"SCB's answer has regions that are not counties: {', '.join(unknown)}.")
    return totals


def add_to_user_data(fetched: Fetched, *, replace: bool = False, path: Path | None = None) -> Path:
    """Add a fetched year to the user data file (atomically), never silently overwriting."""
    path = user_data_file() if path is None else path
    user = read_csv(path) if path.exists() else PopulationTable()
    shipped = load_shipped()
    # A provisional vector (shipped as probable, or derived from a table) is replaced by SCB's figures.
    exists = ((fetched.date in user.values and not is_marked_provisional(user.sources.get(fetched.date, "")))
              or (fetched.date in shipped.values and fetched.date not in shipped.provisional))
    if exists and not replace:
        raise XlToolsError(
            f"Population for {describe_date(fetched.date)} exists already; use --replace to overwrite it "
            f"with SCB's figures."
        )
    user.add(fetched.date, fetched.by_code, fetched.source)
    write_csv(path, user)
    return path
