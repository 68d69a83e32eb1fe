"""Doctest configuration for the library modules."""

import matplotlib

matplotlib.use("Agg")
