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


def _strip_genitive(key: str) -> str:
    return key[:-1] if key.endswith("s") else key


def resolve_region(text: object) -> Region:
    """Return the region that ``text`` names.

    Accepts länskod (``"01"``, ``1``), länsbokstav (``"AB"``), county, region or
    short name, with or without diacritics and in any case, and close misspellings.
    """
    if isinstance(text, Region):
        return text
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    if isinstance(text, int):
        text = f"{text:02d}"
    if not isinstance(text, str) or not text.strip():
        raise UnknownRegionError(
            f"Region missing or not text: {text!r}. Give a name such as 'Stockholm' or a länskod such as '01'."
        )
    raw = text.strip()
    index = _index()
    if raw.isdigit():
        code = f"{int(raw):02d}"
        if code in index:
            return index[code]
    for candidate in (_fold(raw), _key(raw), _strip_genitive(_key(raw))):
        if candidate in index:
            return index[candidate]
    key = _key(raw)
    names = [k for k in index if not k.isdigit() and len(k) > 2]
    close = difflib.get_close_matches(key, names, n=5, cutoff=_FUZZY_CUTOFF)
    hits = {index[k] for k in close}
    if len(hits) == 1:
        return hits.pop()
    suggestions = _suggest(key)
    raise UnknownRegionError(
        f"Unknown region {raw!r}. Did you mean: {', '.join(suggestions)}? "
        "Run 'xl-tools befolkning' to list the 21 regions."
    )


def _suggest(key: str, n: int = 3) -> list[str]:
    index = _index()
    scored: dict[Region, float] = {}
    for k, region in index.items():
        if k.isdigit():
            continue
        score = difflib.SequenceMatcher(None, key, k).ratio()
        scored[region] = max(scored.get(region, 0.0), score)
    best = sorted(scored.items(), key=lambda item: -item[1])[:n]
    return [r.name for r, _ in best]


def closest_regions(text: str, n: int = 3) -> list[str]:
    """The ``n`` region names closest to ``text`` (for messages)."""
    return _suggest(_key(text), n)
