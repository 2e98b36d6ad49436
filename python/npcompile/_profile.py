"""``npcompile.profile()``: where compiled plans spend their time.

    with npcompile.profile() as p:
        f(x)
    print(p)        # per kind of instruction: calls, total, mean, share

Labels name the executor and the primitive: ``native Mul`` (a native loop),
``native region of 9`` (a fused region of nine instructions),
``native scalar Binary`` (a scalar instruction), ``torch Mul`` (a libtorch
call). Only the instructions are timed: the call path around a plan (guards,
argument conversion, the output) is not.
"""

from __future__ import annotations

from . import _core


class Profile:
    """The instruction times gathered by one ``with profile()`` block."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, int]] = []

    def __enter__(self) -> Profile:
        _core._profile_take()
        _core._profile(True)
        return self

    def __exit__(self, *exc) -> None:
        _core._profile(False)
        self.rows = _core._profile_take()

    @property
    def total_ns(self) -> int:
        return sum(ns for _, _, ns in self.rows)

    def __str__(self) -> str:
        total = self.total_ns or 1
        width = max([len("instruction")] + [len(r[0]) for r in self.rows])
        lines = [f"{'instruction':<{width}}  {'calls':>9}  {'total':>10}  {'mean':>10}  share"]
        for label, n, ns in self.rows:
            lines.append(
                f"{label:<{width}}  {n:>9,}  {_time(ns):>10}  {_time(ns / n):>10}  {100 * ns / total:5.1f}%"
            )
        lines.append(f"{'all':<{width}}  {sum(r[1] for r in self.rows):>9,}  {_time(total):>10}")
        return "\n".join(lines)


def _time(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2f} {unit}"
    return f"{ns:.0f} ns"


def profile() -> Profile:
    return Profile()
