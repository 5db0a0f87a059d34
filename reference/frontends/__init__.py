"""Room ``frontends``: what users call.

The command line (``cli``: ``scratch-conformance``, ``python -m reference``),
its shared options (``options``), ``batch`` for a class of submissions, the
notebook ``check`` (``notebook``; ``from reference import check``), the
pytest plugin (``pytest_plugin``, entry point ``reference.pytest_plugin``,
and the tests it generates, ``pytest_checks``), the golden-case recorder
(``golden_record``: ``scratch-conformance golden``) and the tolerance
measurements (``measure``: ``python -m reference.frontends.measure``).

The top room: it may import every other room, and none imports it.
"""
