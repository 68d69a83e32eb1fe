"""The harmonised long series every notebook reads.

- :mod:`.longseries`: quarters derived exactly from the Home Office rolling-year totals,
  spliced onto the published quarterly tables on one harmonised offence taxonomy; releases
  and revisions kept side by side, never spliced silently.
- :mod:`.sources`: :func:`~alliance_analysis.series.sources.load_crime_series`, the one
  entry point for any source (shipped default, a PRC table, a police.uk archive, the
  labelled synthetic demo) and :func:`~alliance_analysis.series.sources.load_context`
  (population, workforce, Crime Severity Score, declared breaks).
- :mod:`.default`: accessors for the shipped real default series.

May import: the foundation modules (``paths``, ``errors``, ``io``, ``clean``, ``taxonomy``, ...)
and ``datasets``. Nothing in ``datasets`` imports this stage.
"""
