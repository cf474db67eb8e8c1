"""Settings for the whole test suite."""

import os

from hypothesis import settings

# The suite checks messages in English (XL_TOOLS_LANG=en, inherited by every subprocess,
# LibreOffice included); tests/test_i18n.py checks the Swedish default explicitly.
os.environ["XL_TOOLS_LANG"] = "en"

# No per-example time limit: CI machines are shared and slow examples are not failures.
settings.register_profile("xl_tools", deadline=None)
settings.load_profile("xl_tools")
