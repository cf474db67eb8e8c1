"""Fetch "Folkmängden den 1 november" per county from SCB's PxWeb API (v2, falling back to v1).

**PxWeb API v2** (table TAB1267), two GET requests, both JSON-stat2:

1. ``GET {base}/tables/TAB1267/metadata?lang=sv&outputFormat=json-stat2`` tells which
   dimensions the table has and their value codes;
2. ``GET {base}/tables/TAB1267/data?lang=sv&outputFormat=json-stat2&valueCodes[Region]=01,03,…
   &valueCodes[ContentsCode]=…&valueCodes[Tid]=ÅR&…`` returns the values.

**PxWeb API v1** (table ``BE/BE0101/BE0101A/FolkmangdNov``, content ``BE0101A9``), used when
v2 fails (not reachable, an HTTP error, an answer of another shape):

1. ``GET {v1}/BE/BE0101/BE0101A/FolkmangdNov`` returns ``{"title": …, "variables": [{"code",
   "text", "values", "valueTexts", "time"?}, …]}``;
2. ``POST`` the same URL with ``{"query": [{"code": …, "selection": {"filter": "item",
   "values": […]}}], "response": {"format": "json-stat2"}}`` returns a JSON-stat2 dataset.

Nothing about the table is assumed beyond what its metadata says: the region, time and
content dimensions are found by their JSON-stat2 ``role`` (v2) or ``time`` flag, code and
text (v1); the county value codes are those of the region dimension that are länskoder;
the year's code is the one for the year asked for; for any other dimension (age, sex) the
total category is asked for if the table has one ("totalt", "tot"), else all categories,
which are summed per county.

Bounds: the whole fetch has one wall-clock deadline (``timeout``; a server that trickles
one byte a second is cut off), an answer may be at most :data:`MAX_BODY` bytes, at most
:data:`MAX_CELLS` values, JSON nested at most as deep as Python's parser allows, numbers
finite and of at most 20 digits. Every failure is one line (:class:`ScbError`).

The base URLs are the arguments, else ``$XL_TOOLS_SCB_URL`` / ``$XL_TOOLS_SCB_V1_URL``, else
:data:`DEFAULT_BASE_URL` / :data:`DEFAULT_V1_URL`. When only a v2 URL is given (``--url``), v1
is not tried. Only the standard library (urllib) is used.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_tools.errors import XlToolsError
from xl_tools.i18n import _
from xl_tools.money import format_number
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
DEFAULT_V1_URL = "https://api.scb.se/OV0104/v1/doris/sv/ssd"
TABLE_ID = "TAB1267"
V1_TABLE = "BE/BE0101/BE0101A/FolkmangdNov"
V1_CONTENTS = "BE0101A9"
REGION_DIM = "Region"
CONTENTS_DIM = "ContentsCode"
TIME_DIM = "Tid"
_TOTAL_CODES = ("totalt", "tot", "total", "t", "1+2", "tot1")
USER_AGENT = "xl_tools (https://github.com/; Swedish grant finance)"
MAX_BODY = 16 << 20  # the answers are a few kilobytes; the metadata of TAB1267 about 100 KB
MAX_CELLS = 1_000_000
MAX_NUMBER_DIGITS = 20

Progress = Callable[[str], None]


class ScbError(XlToolsError):
    """SCB could not be asked or answered with something unusable (one line)."""


class ScbUnavailable(ScbError):
    """The API did not give a usable answer (network, HTTP, shape): another API version may."""


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


def v1_url(url: str | None = None, v2_given: bool = False) -> str | None:
    """The PxWeb v1 base URL: the argument, else ``$XL_TOOLS_SCB_V1_URL``, else SCB's — but
    None (no fallback) when the user pointed v2 somewhere else and gave no v1 URL."""
    chosen = url or os.environ.get("XL_TOOLS_SCB_V1_URL")
    if chosen:
        return chosen.rstrip("/")
    return None if v2_given else DEFAULT_V1_URL


def _one_line(text: object, limit: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Deadline:
    """One wall-clock deadline for a whole fetch. Sockets opened under it are shut down when
    it passes, so a server that trickles bytes or never finishes its headers is cut off."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            self._expire()
        return max(left, 0.001)

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _opener(deadline: Deadline) -> urllib.request.OpenerDirector:
    """A urllib opener whose connections are tracked by ``deadline`` (redirects included)."""

    class HTTPConnection(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            deadline.track(self.sock)

    class HTTPSConnection(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            deadline.track(self.sock)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(HTTPConnection, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(HTTPSConnection, req)

    class NoFTPHandler(urllib.request.FTPHandler):  # a redirect may lead only to http(s)
        def ftp_open(self, req: urllib.request.Request) -> Any:
            raise urllib.error.URLError(_("a redirect to ftp:// is not followed; only http(s) is"))

    class NoFileHandler(urllib.request.FileHandler):
        def file_open(self, req: urllib.request.Request) -> Any:
            raise urllib.error.URLError(_("a redirect to file:// is not followed; only http(s) is"))

    class NoDataHandler(urllib.request.DataHandler):
        def data_open(self, req: urllib.request.Request) -> Any:
            raise urllib.error.URLError(_("a data: URL is not followed; only http(s) is"))

    return urllib.request.build_opener(HTTPHandler, HTTPSHandler, NoFTPHandler, NoFileHandler, NoDataHandler)


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ScbError(_("{url} is not an http(s) URL; give e.g. --url {default_base_url}.").format(
                           url=repr(_one_line(url, 120)), default_base_url=DEFAULT_BASE_URL))


def _timeout_error(deadline: Deadline, url: str) -> ScbUnavailable:
    return ScbUnavailable(_("SCB did not answer within {seconds} s ({url}); try again later or give a "
                            "longer --timeout.").format(
                              seconds=format(deadline.seconds, 'g'), url=_one_line(url, 160)))


def _request(url: str, deadline: Deadline, body: bytes | None = None) -> bytes:
    """The body of a GET (or a JSON POST), read within the deadline and at most MAX_BODY bytes."""
    _check_url(url)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with _opener(deadline).open(request, timeout=deadline.remaining()) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > MAX_BODY:
                raise ScbUnavailable(_("SCB's answer from {url} would be {length} bytes, more than the "
                                       "{max_body} an answer may be; check the URL.").format(
                                         url=_one_line(url, 160), length=format_number(int(length)),
                                         max_body=format_number(MAX_BODY)))
            chunks, size = [], 0
            while True:
                if deadline.expired:
                    raise _timeout_error(deadline, url)
                chunk = response.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY:
                    raise ScbUnavailable(_("SCB's answer from {url} is larger than {max_body} bytes; "
                                           "check the URL.").format(
                                             url=_one_line(url, 160), max_body=format_number(MAX_BODY)))
                chunks.append(chunk)
            if deadline.expired:
                raise _timeout_error(deadline, url)
            return b"".join(chunks)
    except ScbError:
        raise
    except urllib.error.HTTPError as exc:
        detail = ""
        try:  # at most 4 KiB of the error body, within the deadline (its socket is shut at the deadline)
            detail = _one_line(exc.read(4096).decode("utf-8", "replace"))
        except Exception:  # noqa: BLE001 - the status is what matters
            pass
        raise ScbUnavailable(
            _("SCB answered HTTP {code} {reason} for {url}{detail}. Check the year and the URL (--url "
              "/ XL_TOOLS_SCB_URL), or try again later.").format(
                code=exc.code, reason=_one_line(exc.reason, 80), url=_one_line(url, 160),
                detail=': ' + detail if detail else '')
        ) from None
    except urllib.error.URLError as exc:
        if deadline.expired or isinstance(exc.reason, TimeoutError):
            raise _timeout_error(deadline, url) from None
        raise ScbUnavailable(_("Cannot reach SCB at {url} ({reason}); check the network connection or "
                               "the URL.").format(
                                 url=_one_line(url, 160), reason=_one_line(exc.reason, 120))) from None
    except TimeoutError:
        raise _timeout_error(deadline, url) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if deadline.expired:
            raise _timeout_error(deadline, url) from None
        raise ScbUnavailable(_("The connection to SCB failed ({kind}: {exc}); try again later.").format(
                                 kind=type(exc).__name__, exc=_one_line(exc, 120))) from None


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError(_("a number of {n} digits").format(n=len(text)))
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > 60:
        raise ValueError(_("a number of {n} characters").format(n=len(text)))
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(_("the number {text}").format(text=text))
    return value


def _no_constant(text: str) -> Any:
    raise ValueError(_("{text} is not a number").format(text=text))


def parse_json(body: bytes, url: str) -> Any:
    """SCB's answer as JSON, refusing NaN/Infinity, numbers of more than 20 digits, nesting deeper
    than Python's parser allows and bodies that are not UTF-8 — each as one line."""
    try:
        return json.loads(body.decode("utf-8-sig"), parse_int=_bounded_int, parse_float=_bounded_float,
                          parse_constant=_no_constant)
    except RecursionError:
        raise ScbUnavailable(_("SCB's answer from {url} is nested too deeply to be JSON-stat; check "
                               "the URL.").format(
                                 url=_one_line(url, 160))) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ScbUnavailable(_("SCB's answer from {url} is not JSON ({exc}); check the URL.").format(
                                 url=_one_line(url, 160), exc=_one_line(exc, 100))) from None


def _get_json(url: str, deadline: Deadline | float, body: Any = None) -> dict[str, Any]:
    if not isinstance(deadline, Deadline):
        deadline = Deadline(deadline)
    payload = None if body is None else json.dumps(body).encode()
    data = parse_json(_request(url, deadline, payload), url)
    if not isinstance(data, dict):
        raise ScbUnavailable(_("SCB's answer from {url} is not a JSON-stat2 dataset; check the URL.").format(
                                 url=_one_line(url, 160)))
    return data


def _dimensions(data: dict[str, Any], url: str) -> tuple[list[str], dict[str, list[str]], dict[str, dict[str, str]]]:
    """Dimension ids in order, their category codes in index order, and category labels."""
    try:
        ids = [str(i) for i in data["id"]]
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
        raise ScbUnavailable(
            _("SCB's answer from {url} is not the JSON-stat2 expected (missing {exc}); check the URL.").format(
                url=_one_line(url, 160), exc=_one_line(exc, 60))
        ) from None
    return ids, codes, labels


def _total_code(codes: list[str], labels: dict[str, str]) -> str | None:
    for code in codes:
        if code.lower() in _TOTAL_CODES or labels.get(code, "").strip().lower() in ("totalt", "total", "samtliga"):
            return code
    return None


def _contents_code(codes: list[str], labels: dict[str, str], preferred: str | None = None) -> str:
    if preferred in codes:
        return preferred
    for code in codes:
        if "folkm" in labels.get(code, "").lower():
            return code
    return codes[0]


@dataclass(frozen=True)
class TableShape:
    """What a table's metadata says: which dimension is which, and every dimension's codes."""

    ids: list[str]
    codes: dict[str, list[str]]
    labels: dict[str, dict[str, str]]
    region: str
    time: str
    contents: str | None

    def selection(self, year: int, contents: str | None = None) -> dict[str, list[str]]:
        """The value codes to ask for: the 21 counties, the year, the population content, totals."""
        counties = [c for c in self.codes[self.region] if c in BY_CODE]
        missing = [r.name for r in REGIONS if r.code not in counties]
        if missing:
            raise ScbUnavailable(_("SCB's table lists no county code for {missings}; the table has "
                                   "changed, please report it.").format(
                                     missings=', '.join(missing[:5])))
        year_codes = [c for c in self.codes[self.time] if c == str(year) or c.startswith(f"{year}M11")]
        if not year_codes:
            have = ", ".join(self.codes[self.time][-5:])
            raise ScbError(_("SCB has no 'Folkmängden den 1 november' for {year} yet (latest years: "
                             "{have}).").format(
                               year=year, have=have))
        selection: dict[str, list[str]] = {}
        for dim in self.ids:
            if dim == self.region:
                selection[dim] = [r.code for r in REGIONS]
            elif dim == self.time:
                selection[dim] = year_codes[:1]
            elif dim == self.contents:
                selection[dim] = [_contents_code(self.codes[dim], self.labels[dim], contents)]
            else:
                total = _total_code(self.codes[dim], self.labels[dim])
                selection[dim] = [total] if total else ["*"]
        return selection


def _find(ids: list[str], role: list[str], *names: str) -> str | None:
    for dim in role:
        if dim in ids:
            return dim
    lowered = {d.lower(): d for d in ids}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def shape_from_json_stat(meta: dict[str, Any], url: str) -> TableShape:
    """The table's shape from PxWeb v2 metadata (JSON-stat2, with ``role``)."""
    ids, codes, labels = _dimensions(meta, url)
    role = meta.get("role")
    if not isinstance(role, dict):
        role = {}
    region = _find(ids, [str(d) for d in role.get("geo", []) or []], REGION_DIM, "Lan", "Lansregion")
    time_dim = _find(ids, [str(d) for d in role.get("time", []) or []], TIME_DIM, "Ar", "Year")
    contents = _find(ids, [str(d) for d in role.get("metric", []) or []], CONTENTS_DIM)
    for needed, found in ((REGION_DIM, region), (TIME_DIM, time_dim)):
        if found is None:
            raise ScbUnavailable(_("SCB table {table_id} has no dimension {needed} (it has {ids}); the "
                                   "table has changed, please report it.").format(
                                     table_id=TABLE_ID, needed=repr(needed), ids=', '.join(ids)))
    assert region is not None and time_dim is not None  # (both checked just above)
    return TableShape(ids, codes, labels, region, time_dim, contents)


def shape_from_v1(meta: dict[str, Any], url: str) -> TableShape:
    """The table's shape from PxWeb v1 metadata (``{"variables": [{"code", "values", "valueTexts"}]}``)."""
    try:
        variables = meta["variables"]
        ids = [str(v["code"]) for v in variables]
        codes = {str(v["code"]): [str(c) for c in v["values"]] for v in variables}
        labels = {str(v["code"]): {str(c): str(t) for c, t in zip(v["values"], v.get("valueTexts", v["values"]))}
                  for v in variables}
        time_flags = [str(v["code"]) for v in variables if v.get("time") in (True, "true")]
        texts = {str(v["code"]): str(v.get("text", "")).lower() for v in variables}
    except (KeyError, TypeError, AttributeError) as exc:
        raise ScbUnavailable(_("SCB's answer from {url} is not PxWeb v1 table metadata (missing "
                               "{exc}); check the URL.").format(
                                 url=_one_line(url, 160), exc=_one_line(exc, 60))) from None
    region = _find(ids, [d for d in ids if texts[d] == "region"], REGION_DIM)
    time_dim = _find(ids, time_flags, TIME_DIM)
    contents = _find(ids, [], CONTENTS_DIM)
    if region is None or time_dim is None:
        raise ScbUnavailable(_("SCB table {v1_table} has no region or year variable (it has {ids}); "
                               "the table has changed, please report it.").format(
                                 v1_table=V1_TABLE, ids=', '.join(ids)))
    return TableShape(ids, codes, labels, region, time_dim, contents)


def data_url(base: str, year: int, selection: dict[str, list[str]]) -> str:
    """The PxWeb v2 data URL for a selection ``{dimension: [value codes]}``."""
    params = [("lang", "sv"), ("outputFormat", "json-stat2")]
    params += [(f"valueCodes[{dim}]", ",".join(values)) for dim, values in selection.items()]
    return f"{base}/tables/{TABLE_ID}/data?" + urllib.parse.urlencode(params, safe=",*")


def v1_query(selection: dict[str, list[str]]) -> dict[str, Any]:
    """The PxWeb v1 POST body for a selection (``*`` becomes the ``all`` filter)."""
    query = []
    for dim, values in selection.items():
        if values == ["*"]:
            query.append({"code": dim, "selection": {"filter": "all", "values": ["*"]}})
        else:
            query.append({"code": dim, "selection": {"filter": "item", "values": values}})
    return {"query": query, "response": {"format": "json-stat2"}}


def _fetch_v2(year: int, base: str, deadline: Deadline, say: Progress) -> tuple[dict[str, int], str]:
    meta_url = f"{base}/tables/{TABLE_ID}/metadata?lang=sv&outputFormat=json-stat2"
    say(_("Fetching the description of table {table} from {url} …").format(table=TABLE_ID, url=base))
    shape = shape_from_json_stat(_get_json(meta_url, deadline), meta_url)
    selection = shape.selection(year)
    url_data = data_url(base, year, selection)
    say(_("Fetching the population at 1 November {year} for 21 counties …").format(year=year))
    data = _get_json(url_data, deadline)
    return parse_counties(data, url_data, year, region_dim=shape.region, time_dim=shape.time), url_data


def _fetch_v1(year: int, base: str, deadline: Deadline, say: Progress) -> tuple[dict[str, int], str]:
    url = f"{base}/{V1_TABLE}"
    say(_("Fetching the description of table {table} from {url} (PxWeb API v1) …").format(table=V1_TABLE, url=base))
    shape = shape_from_v1(_get_json(url, deadline), url)
    selection = shape.selection(year, contents=V1_CONTENTS)
    say(_("Fetching the population at 1 November {year} for 21 counties …").format(year=year))
    data = _get_json(url, deadline, body=v1_query(selection))
    return parse_counties(data, url, year, region_dim=shape.region, time_dim=shape.time), url


def fetch_year(year: int, *, url: str | None = None, timeout: float = 30, progress: Progress | None = None,
               v1: str | None = None) -> Fetched:
    """Fetch and validate the 21 county populations at 1 November ``year``.

    PxWeb API v2 first; if it gives no usable answer, API v1 (see the module docstring).
    ``timeout`` is the wall-clock limit of the whole fetch, both APIs together.
    """
    say = progress or (lambda _msg: None)
    base = base_url(url)
    fallback = v1_url(v1, v2_given=bool(url or os.environ.get("XL_TOOLS_SCB_URL")))
    date = dt.date(year, 11, 1)
    deadline = Deadline(timeout)
    try:
        try:
            by_code, used, table = *_fetch_v2(year, base, deadline, say), TABLE_ID
        except ScbUnavailable as v2_error:
            if fallback is None or deadline.expired:
                raise
            say(_("PxWeb API v2 gave no usable answer ({error}); trying API v1 …").format(
                error=_one_line(v2_error, 120)))
            try:
                by_code, used, table = *_fetch_v1(year, fallback, deadline, say), V1_TABLE
            except ScbError as v1_error:
                raise ScbError(_("{v2_error} PxWeb API v1 failed too: {v1_error}").format(
                                   v2_error=_one_line(v2_error, 180), v1_error=_one_line(v1_error, 180))) \
                    from None
    finally:
        deadline.cancel()
    say(_("Checking: 21 counties, positive whole numbers, a plausible total …"))
    validate_counties(by_code, date)
    source = f"SCB, Folkmängden den 1 november ({table}), hämtad {dt.date.today().isoformat()}"
    return Fetched(date=date, by_code=by_code, url=used, source=source)


def parse_counties(data: dict[str, Any], url: str, year: int, *, region_dim: str = REGION_DIM,
                   time_dim: str = TIME_DIM) -> dict[str, int]:
    """Sum a JSON-stat2 dataset's values per county code (over every other dimension)."""
    ids, codes, _sizes = _dimensions(data, url)
    if region_dim not in ids:
        raise ScbUnavailable(_("SCB's answer from {url} has no {region_dim} dimension; check the URL.").format(
                                 url=_one_line(url, 160), region_dim=region_dim))
    try:
        sizes = [int(s) for s in data["size"]]
        values = data["value"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ScbUnavailable(_("SCB's answer from {url} is not the JSON-stat2 expected (missing {exc}).").format(
                                 url=_one_line(url, 160), exc=_one_line(exc, 60))) from None
    if len(sizes) != len(ids) or any(len(codes[d]) != s for d, s in zip(ids, sizes, strict=True)):
        raise ScbUnavailable(_("SCB's answer from {url} is inconsistent (size does not match the "
                               "dimensions).").format(
                                 url=_one_line(url, 160)))
    cells = 1
    for s in sizes:
        cells *= s
        if cells > MAX_CELLS:
            raise ScbUnavailable(_("SCB's answer from {url} has more than {max_cells} values; a year "
                                   "of 21 counties has a few dozen. Check the URL.").format(
                                     url=_one_line(url, 160), max_cells=format_number(MAX_CELLS)))
    if isinstance(values, dict):  # sparse form {"index": value}
        values = [values.get(str(i)) for i in range(cells)]
    if not isinstance(values, list) or len(values) != cells:
        raise ScbUnavailable(_("SCB's answer from {url} has {n} values, expected {cells}.").format(
                                 url=_one_line(url, 160), n=len(values) if isinstance(values, list) else 'no',
                                 cells=cells))
    if time_dim in ids and not all(c == str(year) or c.startswith(f"{year}M") for c in codes[time_dim]):
        raise ScbError(_("SCB's answer from {url} is for {codes}, not {year}.").format(
                           url=_one_line(url, 160), codes=_one_line(', '.join(codes[time_dim]), 60), year=year))
    region_axis = ids.index(region_dim)
    stride = 1
    for s in sizes[region_axis + 1:]:
        stride *= s
    totals: dict[str, int] = {}
    for flat, value in enumerate(values):
        code = codes[region_dim][(flat // stride) % sizes[region_axis]]
        if value is None:
            raise ScbError(_("SCB's answer has no value for county {code} ({url}); try again later.").format(
                               code=code, url=_one_line(url, 160)))
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or len(str(value)) > 30:
            raise ScbError(_("SCB's answer has a value that is not a number for county {code}: {value}.").format(
                               code=code, value=_one_line(repr(value), 40)))
        try:
            number = float(value) if not isinstance(value, int) else value
        except ValueError:
            raise ScbError(_("SCB's answer has a value that is not a number for county {code}: {value}.").format(
                               code=code, value=repr(value))) from None
        if isinstance(number, float) and not math.isfinite(number):
            raise ScbError(_("SCB's answer has a value that is not a number for county {code}: {value}.").format(
                               code=code, value=repr(value)))
        if number != int(number):
            raise ScbError(_("SCB's answer has a population that is not whole for county {code}: "
                             "{value}.").format(
                               code=code, value=repr(value)))
        totals[code] = totals.get(code, 0) + int(number)
    unknown = [c for c in totals if c not in BY_CODE]
    if unknown:
        raise ScbError(_("SCB's answer has regions that are not counties: {unknowns}.").format(
                           unknowns=_one_line(', '.join(unknown), 80)))
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
            _("Population for {value} exists already; use --replace to overwrite it with SCB's figures.").format(
                value=describe_date(fetched.date))
        )
    user.add(fetched.date, fetched.by_code, fetched.source)
    write_csv(path, user)
    return path
