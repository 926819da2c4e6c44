"""A helper module of the tests' own: imported by name, never installed."""

SIZES = (0, 1, 1000)
