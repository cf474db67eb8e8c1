"""The Python script LibreOffice calls for the =FK_...() Calc functions.

``xl-tools libreoffice install`` copies this file to ``<profile>/user/Scripts/python/``
and fills in ``XL_TOOLS_PATH``: the directory that contains the ``xl_tools`` package
of the Python where xl_tools is installed. LibreOffice runs its own Python (on
Debian/Ubuntu the system ``/usr/bin/python3`` through python3-uno), which usually
does not have xl_tools; the path is appended to ``sys.path`` so it can import it.
Only the standard library and xl_tools' pure modules are needed (not click, not
xlwings: the xlwings import is blocked here so a foreign binary build is never loaded).

The Basic module ``XlToolsUdfs`` calls these functions through the script provider
(``vnd.sun.star.script:xl_tools_udfs.py$fk_andel?language=Python&location=user``).
They return plain values (numbers as float, text) or tuples of them.
"""

import sys

XL_TOOLS_PATH = ""  # set by "xl-tools libreoffice install"

if XL_TOOLS_PATH and XL_TOOLS_PATH not in sys.path:
    sys.path.append(XL_TOOLS_PATH)
sys.modules.setdefault("xlwings", None)  # type: ignore[arg-type]  # make "import xlwings" fail fast

try:
    from xl_tools import udfs as _udfs

    _IMPORT_ERROR = ""
except Exception as _exc:  # noqa: BLE001 - reported in the cell instead
    _udfs = None
    _IMPORT_ERROR = (
        f"#FEL: LibreOffice's Python ({sys.executable}, {sys.version.split()[0]}) cannot import xl_tools "
        f"({type(_exc).__name__}: {_exc}); run 'xl-tools libreoffice install' again."
    )


def _value(value):
    """A Calc value for one Python result (numbers as float: Calc has no big integers)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value


def _opt(value):
    return None if value is None or value == "" else value


def _column(rows):
    return tuple(_value(row[0]) for row in rows)


def fk_andel(region, pot, ar, avrundning=None):
    if _udfs is None:
        return _IMPORT_ERROR
    return _value(_udfs.FK_ANDEL(region, pot, ar, _opt(avrundning)))


def fk_befolkning(region, ar):
    if _udfs is None:
        return _IMPORT_ERROR
    return _value(_udfs.FK_BEFOLKNING(region, ar))


def fk_fordela(pot, ar, avrundning=None):
    if _udfs is None:
        return _IMPORT_ERROR
    return _column(_udfs.FK_FORDELA(pot, ar, _opt(avrundning)))


def fk_regioner():
    if _udfs is None:
        return _IMPORT_ERROR
    return _column(_udfs.FK_REGIONER())


def fk_region(text):
    if _udfs is None:
        return _IMPORT_ERROR
    return _value(_udfs.FK_REGION(text))


def fk_kontakter(kontakter, pot, belopp_per_kontakt, ar, avrundning=None):
    if _udfs is None:
        return _IMPORT_ERROR
    return _column(_udfs.FK_KONTAKTER(list(kontakter or ()), pot, belopp_per_kontakt, ar, _opt(avrundning)))


g_exportedScripts = (fk_andel, fk_befolkning, fk_fordela, fk_regioner, fk_region, fk_kontakter)
