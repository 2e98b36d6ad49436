"""np.fft: NumPy's own Python (fft2, fftn, rfftn, hfft, norm=, n=, axes) over
its pocketfft kernels, compiled to libtorch's FFTs: NumPy's dtypes (float32
stays single precision, ints become complex128), shapes and values within
the rounding of a reordered transform."""

import numpy as np
import pytest

from conftest import assert_matches


def _rng(seed=0):
    return np.random.default_rng(seed)


def vec(n=8, dtype=np.float64):
    return lambda: (_rng().standard_normal(n).astype(dtype),)


def grid(dtype=np.float64):
    return lambda: (_rng(1).standard_normal((4, 6)).astype(dtype),)


def cvec(n=7, dtype=np.complex128):
    return lambda: ((_rng(2).standard_normal(n) + 1j * _rng(3).standard_normal(n)).astype(dtype),)


CASES = [
    ("fft", lambda a: np.fft.fft(a), vec()),
    ("ifft", lambda a: np.fft.ifft(a), vec()),
    ("fft_complex64", lambda a: np.fft.fft(a), cvec(dtype=np.complex64)),
    ("fft_int", lambda a: np.fft.fft((a * 10).astype(np.int64)), vec()),
    ("fft_n_ortho", lambda a: np.fft.fft(a, n=12, norm="ortho"), vec()),
    ("fft_cropped_forward", lambda a: np.fft.fft(a, n=5, norm="forward"), vec()),
    ("rfft_even", lambda a: np.fft.rfft(a), vec()),
    ("rfft_odd", lambda a: np.fft.rfft(a), vec(7)),
    ("rfft_float32", lambda a: np.fft.rfft(a), vec(dtype=np.float32)),
    ("irfft_roundtrip", lambda a: np.fft.irfft(np.fft.rfft(a), n=a.shape[0]), vec(9)),
    ("fft2", lambda a: np.fft.fft2(a), grid()),
    ("ifftn_forward", lambda a: np.fft.ifftn(a, norm="forward"), grid()),
    ("rfft2", lambda a: np.fft.rfft2(a), grid()),
    ("irfft2_roundtrip", lambda a: np.fft.irfft2(np.fft.rfft2(a), s=a.shape), grid()),
    ("fft_axis0", lambda a: np.fft.fft(a, axis=0), grid(np.float32)),
    ("hfft", lambda a: np.fft.hfft(a), cvec()),
    ("ihfft", lambda a: np.fft.ihfft(a), vec()),
    ("spectrum", lambda a: np.abs(np.fft.rfft(a)) ** 2 + np.fft.rfftfreq(a.shape[0], 0.1), vec(16)),
    ("shift", lambda a: np.fft.fftshift(np.fft.fft2(a), axes=1), grid()),
    ("convolution", lambda a: np.fft.irfft(np.fft.rfft(a) * np.fft.rfft(a[::-1]), n=a.shape[0]), vec(16)),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fft_compiles(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("fn", [
    lambda a: np.fft.fft(a, n=0),
    lambda a: np.fft.fft(a, norm="sideways"),
    lambda a: np.fft.fft(a, axis=3),
], ids=["n_zero", "bad_norm", "bad_axis"])
def test_fft_errors_are_numpys(fn):
    assert_matches(fn, vec())
