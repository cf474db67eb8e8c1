"""The audit rules. Each module registers its rules in :data:`RULES` when imported."""

from xl_tools.audit.rules import (  # noqa: F401  (imported for registration)
    consistency,
    errors_in_values,
    external,
    fixes,
    grant,
    hidden,
    limits,
    lookups,
    magic_numbers,
    operators,
    protection,
    ranges,
    recalc,
    regions,
    reports,
    text_numbers,
    totals,
)
from xl_tools.audit.rules.base import RULES, AuditContext, Rule

__all__ = ["RULES", "AuditContext", "Rule"]
