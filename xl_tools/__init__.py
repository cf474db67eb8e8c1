"""xl_tools: Swedish grant finance (överenskommelser) in the spreadsheet."""

__version__ = "0.1.0"
