"""The 21 Swedish regions (landsting until 2019) and the names people type for them.

Every region has its länskod (``"01"`` … ``"25"``), its länsbokstav (``"AB"`` …
``"BD"``), the official county name (``"Stockholms län"``), the region's own name
(``"Region Stockholm"``) and the short name used in tables (``"Stockholm"``).

:func:`resolve_region` accepts any of these, in any case, with or without
diacritics, with or without words such as *Region*, *Landstinget* or *län*, and
close misspellings (``"Norrbottn"``). An unknown name raises
:class:`~xl_tools.errors.UnknownRegionError` listing the closest matches.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from xl_tools.errors import UnknownRegionError
from xl_tools.i18n import _
from xl_tools.money import format_number


@dataclass(frozen=True)
class Region:
    """One of the 21 regions."""

    code: str  # länskod, two digits
    letter: str  # länsbokstav
    name: str  # short name used in tables, e.g. "Stockholm"
    county: str  # official county name, e.g. "Stockholms län"
    region_name: str  # the region's own name, e.g. "Region Stockholm"
    aliases: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return self.name

    @property
    def spellings(self) -> tuple[str, ...]:
        """The names people type for the region, short name first (codes and letters aside)."""
        seen: dict[str, None] = {}
        for name in (self.name, self.region_name, self.county, *self.aliases):
            seen.setdefault(name)
        return tuple(seen)


REGIONS: tuple[Region, ...] = (
    Region("01", "AB", "Stockholm", "Stockholms län", "Region Stockholm",
           ("Stockholms läns landsting", "SLL")),
    Region("03", "C", "Uppsala", "Uppsala län", "Region Uppsala",
           ("Landstinget i Uppsala län",)),
    Region("04", "D", "Södermanland", "Södermanlands län", "Region Sörmland",
           ("Sörmland", "Landstinget Sörmland")),
    Region("05", "E", "Östergötland", "Östergötlands län", "Region Östergötland", ()),
    Region("06", "F", "Jönköping", "Jönköpings län", "Region Jönköpings län", ()),
    Region("07", "G", "Kronoberg", "Kronobergs län", "Region Kronoberg", ()),
    Region("08", "H", "Kalmar", "Kalmar län", "Region Kalmar län",
           ("Landstinget i Kalmar län",)),
    Region("09", "I", "Gotland", "Gotlands län", "Region Gotland", ()),
    Region("10", "K", "Blekinge", "Blekinge län", "Region Blekinge",
           ("Landstinget Blekinge",)),
    Region("12", "M", "Skåne", "Skåne län", "Region Skåne", ()),
    Region("13", "N", "Halland", "Hallands län", "Region Halland", ()),
    Region("14", "O", "Västra Götaland", "Västra Götalands län", "Västra Götalandsregionen",
           ("VGR", "Region Västra Götaland")),
    Region("17", "S", "Värmland", "Värmlands län", "Region Värmland",
           ("Landstinget i Värmland",)),
    Region("18", "T", "Örebro", "Örebro län", "Region Örebro län", ()),
    Region("19", "U", "Västmanland", "Västmanlands län", "Region Västmanland",
           ("Landstinget Västmanland",)),
    Region("20", "W", "Dalarna", "Dalarnas län", "Region Dalarna",
           ("Landstinget Dalarna",)),
    Region("21", "X", "Gävleborg", "Gävleborgs län", "Region Gävleborg", ()),
    Region("22", "Y", "Västernorrland", "Västernorrlands län", "Region Västernorrland",
           ("Landstinget Västernorrland",)),
    Region("23", "Z", "Jämtland", "Jämtlands län", "Region Jämtland Härjedalen",
           ("Jämtland Härjedalen", "Jämtland-Härjedalen", "Härjedalen")),
    Region("24", "AC", "Västerbotten", "Västerbottens län", "Region Västerbotten",
           ("Västerbottens läns landsting",)),
    Region("25", "BD", "Norrbotten", "Norrbottens län", "Region Norrbotten",
           ("Norrbottens läns landsting",)),
)

BY_CODE: dict[str, Region] = {r.code: r for r in REGIONS}

# Words that carry no identity: "Region Stockholm", "Stockholms läns landsting".
_NOISE = {"region", "regionen", "landstinget", "landsting", "lans", "lan", "i", "county"}
# Close-match threshold (difflib ratio) for a misspelling to be accepted as a region.
_FUZZY_CUTOFF = 0.85
# How much closer the best region must be than the next one for a misspelling to be accepted.
_FUZZY_MARGIN = 0.1


def _fold(text: str) -> str:
    """Lower case, no diacritics, single spaces, no punctuation."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return " ".join(text.split())


def _key(text: str) -> str:
    """The identity of a name: folded, noise words dropped, genitive -s of a county dropped."""
    words = [w for w in _fold(text).split() if w not in _NOISE]
    key = " ".join(words)
    return key


@lru_cache(maxsize=1)
def _index() -> dict[str, Region]:
    """Every accepted exact form, folded: names, genitive forms, letters and codes."""
    index: dict[str, Region] = {}
    for r in REGIONS:
        names = (r.name, r.county, r.region_name, *r.aliases)
        for n in names:
            index[_key(n)] = r
            index[_fold(n)] = r
        index[_fold(r.letter)] = r
        index[r.code] = r
        index[str(int(r.code))] = r
        # Genitive forms typed without "län": "Stockholms", "Västra Götalands".
        index[_key(r.county)] = r
    index.pop("", None)
    return index


@lru_cache(maxsize=1)
def _names() -> dict[str, Region]:
    """The keys a misspelling may be compared with: names only, no codes or letters."""
    return {k: r for k, r in _index().items() if not k.isdigit() and len(k) > 2}


def _strip_genitive(key: str) -> str:
    return key.removesuffix("s")


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap neighbours)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _partial_of(key: str) -> list[Region]:
    """Regions with a name of which ``key`` is only a part ("vastra", "gotaland")."""
    hits: list[Region] = []
    padded = f" {key} "
    for k, r in _names().items():
        if k != key and padded in f" {k} " and r not in hits:
            hits.append(r)
    return hits


@lru_cache(maxsize=4096)
def _fuzzy(key: str) -> Region | None:
    """The one region a misspelling clearly means, or None if none or more than one.

    Accepted only when the best region is close (difflib ratio ≥ 0.85, or one typing
    slip in a name of five letters or more) and clearly closer than any other region,
    and ``key`` is not merely part of a region's name ("Västra", "Götaland").
    """
    if len(key) < 4 or _partial_of(key):
        return None
    ratio: dict[Region, float] = {}
    distance: dict[Region, int] = {}
    for k, r in _names().items():
        matcher = difflib.SequenceMatcher(None, key, k)
        # quick_ratio() is an upper bound of ratio(); far names keep the bound, which
        # can only make the margin test below stricter.
        score = matcher.quick_ratio()
        if score >= 0.6:
            score = matcher.ratio()
        ratio[r] = max(ratio.get(r, 0.0), score)
        # Lengths three or more apart are at least that many edits apart (a lower bound,
        # which can only make the test below stricter).
        gap = abs(len(key) - len(k))
        d = gap if gap >= 3 else _edit_distance(key, k)
        distance[r] = min(distance.get(r, 99), d)
    ranked = sorted(ratio, key=lambda r: -ratio[r])
    best, second = ranked[0], ranked[1]
    close = ratio[best] >= _FUZZY_CUTOFF or (len(key) >= 5 and distance[best] <= 1)
    others = [distance[r] for r in ranked[1:]]
    clear = (ratio[best] - ratio[second] >= _FUZZY_MARGIN and min(others) > distance[best]) or (
        distance[best] <= 1 and min(others) >= 3
    )
    return best if close and clear else None


_PREFIXED = re.compile(r"^(?P<code>\d{1,2})\s*[-–:.]?\s+(?P<name>\D.*)$")


MAX_REGION_TEXT = 200


def resolve_region(text: object) -> Region:
    """Return the region that ``text`` names.

    Accepts länskod (``"01"``, ``1``), länsbokstav (``"AB"``), county, region or
    short name, with or without diacritics and in any case, SCB's ``"01 Stockholms
    län"``, and close misspellings (``"Norrbottn"``). Anything else — including a
    part of a name such as ``"Västra"`` or a misspelling that could mean two regions —
    raises :class:`UnknownRegionError` listing the closest regions.
    """
    if isinstance(text, Region):
        return text
    if isinstance(text, bool):
        raise UnknownRegionError(_("Region is not a name or länskod: {text!r}.").format(text=text))
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    if isinstance(text, int):
        if f"{text:02d}" in BY_CODE:
            return BY_CODE[f"{text:02d}"]
        raise UnknownRegionError(_unknown_code(str(text)))
    if not isinstance(text, str) or not text.strip():
        raise UnknownRegionError(
            _("Region missing or not text: {text!r}. Give a name such as 'Stockholm' or a länskod such as '01'.")
            .format(text=text))
    raw = text.strip()
    if len(raw) > MAX_REGION_TEXT:  # no region name is this long; matching it would take seconds
        raise UnknownRegionError(_("Region text too long ({value} characters): {raw}…. Give a name "
                                   "such as 'Stockholm' or a länskod such as '01'.").format(
                                     value=format_number(len(raw)), raw=repr(raw[:40])))
    if raw.isdecimal():  # not '²' (isdigit, but int() refuses it)
        code = f"{int(raw):02d}" if len(raw) <= 3 else raw
        if code in BY_CODE:
            return BY_CODE[code]
        raise UnknownRegionError(_unknown_code(raw))
    prefixed = _PREFIXED.match(raw)
    if prefixed:
        by_code = resolve_region(prefixed["code"])
        by_name = resolve_region(prefixed["name"])
        if by_code != by_name:
            raise UnknownRegionError(
                _("{text!r} is contradictory: länskod {code} is {region}, but the name is {other}.")
                .format(text=raw, code=by_code.code, region=by_code.name, other=by_name.name))
        return by_code
    found = _exact_lookup(raw)
    if found is not None:
        return found
    key = _key(raw)
    hit = _fuzzy(key) or _fuzzy(_fold(raw))
    if hit is not None:
        return hit
    partial = [r.name for r in _partial_of(key)] if key else []
    suggestions = partial + [n for n in _suggest(key) if n not in partial]
    raise UnknownRegionError(
        _("Unknown region {text!r}. Did you mean: {suggestions}? 'xl-tools regioner' lists the 21 regions "
          "and the names accepted for them.").format(text=raw, suggestions=", ".join(suggestions[:3])))


def _unknown_code(text: str) -> str:
    return _("Unknown länskod {text!r}. The länskoder are {codes} (02, 11, 15 and 16 no longer exist).").format(
        text=text, codes=", ".join(r.code for r in REGIONS))


def _suggest(key: str, n: int = 3) -> list[str]:
    index = _index()
    scored: dict[Region, float] = {}
    for k, region in index.items():
        if k.isdigit() or len(k) <= 2:
            continue
        score = difflib.SequenceMatcher(None, key, k).ratio()
        scored[region] = max(scored.get(region, 0.0), score)
    best = sorted(scored.items(), key=lambda item: -item[1])[:n]
    return [r.name for r, _score in best]


def exact_region(text: str) -> Region | None:
    """The region that ``text`` names exactly (any case or diacritics, with or without
    Region/Landstinget/län, genitive -s), or None — codes, letters and close misspellings do not
    count here. A dictionary lookup: cheap enough to try on every cell of a sheet."""
    if not text.strip() or text.strip().isdigit() or len(text.strip()) < 3:
        return None
    return _exact_lookup(text)


def _exact_lookup(text: str) -> Region | None:
    """``text`` looked up as typed, without noise words, and without a genitive -s (no codes)."""
    index = _index()
    key = _key(text)
    for candidate in (_fold(text), key, _strip_genitive(key)):
        if candidate in index and not candidate.isdigit():
            return index[candidate]
    return None


def closest_regions(text: str, n: int = 3) -> list[str]:
    """The ``n`` region names closest to ``text`` (for messages)."""
    return _suggest(_key(text), n)
