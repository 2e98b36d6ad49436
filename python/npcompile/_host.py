"""Host kernels: NumPy's own functions, run by a plan where NumPy's answer is
its implementation's choice (the order of ties in its default sort, what a
partition leaves between its kth positions, the signs of LAPACK's vectors).

The surface registers a kernel while tracing under a key that spells the call
(`np.argsort(axis=-1)`); the plan's `host` instruction names the key and the
extension calls `run` with the GIL held. A kernel returns one array: kernels
of several results pack them flat, and the surface slices them out."""

from __future__ import annotations

import numpy as np
import torch

KERNELS = {}

# IR storage of NumPy's unsigned dtypes beyond uint8: the signed type of the same size.
_STORAGE = {"uint16": np.int16, "uint32": np.int32, "uint64": np.int64}


def register(key, fn):
    """Register `fn(*ndarrays) -> ndarray` under `key` (one function per key)."""
    KERNELS.setdefault(key, fn)
    return key


def run(key, dtypes, dtype, *tensors):
    fn = KERNELS.get(key)
    if fn is None:
        raise RuntimeError(f"host kernel {key!r} is not registered in this process")
    arrays = [t.numpy().view(d) if d in _STORAGE else t.numpy() for t, d in zip(tensors, dtypes)]
    r = np.ascontiguousarray(fn(*arrays), dtype=dtype)
    return torch.from_numpy(r.view(_STORAGE[dtype]) if dtype in _STORAGE else r)

