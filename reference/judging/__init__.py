"""Room ``judging``: from the implementation's outcomes and the oracles' values to a verdict.

``judge`` runs every component x oracle x dtype x case and builds the
``Report``; ``sources`` chooses who answers (live frameworks, golden
recordings, finite differences); ``records`` turns one comparison into a
``CheckRecord``; ``policies`` holds the book behaviours and fallbacks of
judging.md; ``variants`` decides documented alternative conventions;
``check`` is the in-process form of one check that the generated tests use.

May import every room below it (``diagnostics``, ``sandbox``, ``report``,
``golden``, ``oracles``, ``registry``); only ``frontends`` imports it.
"""
