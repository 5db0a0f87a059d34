"""Room ``golden``: recorded oracle results and their replay. May import
``oracles`` and ``registry``; the recorder that runs the judge lives above, in
``reference.frontends.golden_record`` (``scratch-conformance golden``).

Frozen reference outputs, recorded from the live frameworks.

Each ``*_cases.json`` here is written by its ``*_record`` module
(``scratch-conformance golden`` for ``cases``, ``python -m
reference.golden.tokenizer_record`` for the Tokenizer) so that the checks can run on
machines without torch or TensorFlow; a drift test regenerates the cases
live, where the framework is installed, and compares them with the file.
"""
