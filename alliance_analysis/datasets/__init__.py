"""Loaders at the edges: every external table enters the package through here.

May import: the foundation modules only (``paths``, ``errors``, ``io``, ``progress``, ``parallel``,
``validation``, ``clean``, ``taxonomy``); it imports no analysis stage and not ``series``.
"""
