"""npcompile: run NumPy programs as optimized libtorch programs.

    from npcompile import np_compile

    @np_compile
    def f(x, y):
        return np.sin(x) * y + 1.0
"""

import torch  # noqa: F401  -- libtorch must be loaded before _core hands tensors to Python

from . import _core
from ._profile import profile
from ._trace import GraphBreakError, NpCompileWarning, config, explain, np_compile

__version__ = "0.1.0"
__all__ = ["np_compile", "explain", "profile", "config", "GraphBreakError", "NpCompileWarning", "_core"]
