"""Settings for the whole test suite."""

from hypothesis import settings

# No per-example time limit: CI machines are shared and slow examples are not failures.
settings.register_profile("xl_tools", deadline=None)
settings.load_profile("xl_tools")
