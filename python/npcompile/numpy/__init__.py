"""The NumPy surface: each NumPy function is one Python function over primitives.

NumPy reaches it through its protocols (`__array_ufunc__`, `__array_function__`)
and the proxy's operators and methods. Arguments are normalized by `operand`:
Python scalars become weak literals (NEP 50), NumPy scalars strong ones, arrays
from outside the arguments captured inputs.

One family a module: `core` (the tables, `operand`, NumPy's errors, dispatch),
`ufuncs`, `elementwise` (where, clip, round, complex parts), `reductions`,
`shapes`, `indexing`, `creation`, `products` (dot, vdot, inner, einsum),
`sorting`; then the families that register into the tables on import (`bits`,
`histograms`, `host`, `index_functions`, `signal_poly`, `statistics`; `linalg`
and `masked` are imported where used). Every name of the first group is also a
name of this package: the tracer looks functions up here (`getitem`,
`method_*`, ...) and the later families import them from here."""

from __future__ import annotations

from . import core, creation, elementwise, indexing, products, reductions, shapes, sorting, ufuncs

for _module in (core, ufuncs, elementwise, reductions, shapes, indexing, creation, products, sorting):
    globals().update({k: v for k, v in vars(_module).items() if not k.startswith("__")})
del _module

# Families in their own modules register into the tables above on import.
from . import bits, histograms, host, index_functions, signal_poly, statistics  # noqa: E402,F401

method_argsort = host.method_argsort
method_put = index_functions.method_put
