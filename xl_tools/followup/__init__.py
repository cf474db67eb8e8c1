"""Follow-up workbooks built from templates by ``xl-tools build``.

- :mod:`.compilation` – the villkor 3 compilation of the 21 regions' reports (kind ``villkor3_sammanstallning``);
- :mod:`.internal` – a region's internal distribution to its divisions (kind ``intern_fordelning``);
- :mod:`.importer` – ``xl-tools import``: fill the compilation's input sheets from a CSV or xlsx;
- :mod:`.common` – atomic writing, input carry-over and charts shared by both.
"""
