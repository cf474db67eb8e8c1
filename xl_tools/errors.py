"""Errors that mean "the user gave us something we cannot use".

Every face (CLI, UDF, workbook generator, auditor) turns an :class:`XlToolsError`
into one readable line: what is wrong and how to fix it. Anything else is a bug.
"""


class XlToolsError(Exception):
    """A problem with the user's input or environment, with a one-line message."""


class UnknownRegionError(XlToolsError):
    """A text that does not name one of the 21 regions."""


class PopulationDataError(XlToolsError):
    """No population data for the requested reference date."""


class AmountError(XlToolsError):
    """A pot or amount that is not a non-negative number of kronor."""
