"""House style for what readers see: tables (:mod:`.tables`) and figures (:mod:`.plots`).

Tables are formatted for people (thousands separators, left-aligned words, no broken
words); figures share one palette, financial-year ticks and a ``[SYNTHETIC DATA]`` title
suffix where the data are synthetic.

May import: ``errors`` and third-party plotting/formatting libraries only, so that every
analysis stage can use it.
"""
