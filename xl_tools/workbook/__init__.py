"""The workbook generator: agreement template → formula-driven .xlsx.

>>> from xl_tools.workbook import generate_workbook
>>> result = generate_workbook("templates/sjukskrivning-2017-2018.toml", "out.xlsx")  # doctest: +SKIP
>>> result.status  # doctest: +SKIP
'OK'

Modules: :mod:`.layout` (the sheets), :mod:`.blocks` (one block of formulas per
allocation rule, each with its engine twin), :mod:`.inputs` (user inputs and
carrying them over), :mod:`.render` (XlsxWriter), :mod:`.generate` (safe writing).
"""

from xl_tools.workbook.generate import GenerateResult, build_all, generate_workbook, output_path_for

__all__ = ["GenerateResult", "build_all", "generate_workbook", "output_path_for"]
