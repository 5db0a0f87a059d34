"""Room ``sandbox``: how an implementation under test is loaded and run apart from the judge.

Everything that executes code under test lives here and nowhere else: the
loader for every IMPL form (``loader``, ``ipynb`` for notebooks, ``modules``
for the bookkeeping of what a load added, ``numpy_compat`` for NumPy-1
aliases, ``stubs``), the handle on a loaded implementation
(``implementation``), the worker process and the parent's side of it
(``worker``, ``runner``, ``protocol``: pickle-free messages), the operations
the worker performs (``ops``), the in-process time limit (``alarm``), the
containment of the worker (``jail``: bubblewrap, unshare, rlimits) and the
checks that the code under test is the student's own and left the judge's
tools alone (``integrity``).

May import ``golden``, ``oracles`` (finite differences run beside the
implementation's own forward) and ``registry``; never ``judging``,
``diagnostics``, ``report`` or ``frontends``: the worker must stay small,
and nothing the code under test can reach decides a verdict.
"""
