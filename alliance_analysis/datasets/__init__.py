"""Loaders at the edges: every external table enters the package through here."""
