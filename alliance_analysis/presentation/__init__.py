"""House style for what readers see: tables (:mod:`.tables`), figures (:mod:`.plots`) and the
answer-first report structure (:mod:`.report`: "The answer", key figures, the "How this was
worked out" appendix, newspaper rounding, a plain-language glossary, source-paper titles).

Tables are formatted for people (thousands separators, left-aligned words, no broken
words); figures share one palette, financial-year ticks and a ``[SYNTHETIC DATA]`` title
suffix where the data are synthetic.

May import: ``errors`` and third-party plotting/formatting libraries only, so that every
analysis stage can use it.
"""
