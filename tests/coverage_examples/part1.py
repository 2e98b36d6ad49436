"""Coverage examples, group 1 (np.gradient ... np.save)."""

import numpy as np


def _rng(seed):
    return np.random.default_rng(seed)


def _f(shape, seed=0):
    return _rng(seed).standard_normal(shape)


def _pos(shape, seed=0):
    return _rng(seed).random(shape) + 0.5


def _ints(shape, seed=0, lo=0, hi=10):
    return _rng(seed).integers(lo, hi, shape)


def _distinct(shape, seed=0):
    """float64 values with no ties."""
    n = int(np.prod(shape))
    return (_rng(seed).permutation(n) + _rng(seed + 1).random(n) * 0.5).reshape(shape)


def _with_nans(shape, seed=0):
    """float64 with NaNs at fixed positions, at least one non-NaN per row and column."""
    a = _distinct(shape, seed)
    a[0, 1] = np.nan
    a[2, 3] = np.nan
    a[3, 0] = np.nan
    return a


def _complex(shape, seed=0):
    r = _rng(seed)
    return r.standard_normal(shape) + 1j * r.standard_normal(shape)


# ---------------------------------------------------------------- gradient .. hstack

def ex_gradient(a):
    return np.gradient(a)


def ex_gradient_spacing(y, dx):
    return np.gradient(y, dx)


def ex_hamming(a):
    return a * np.hamming(a.shape[-1])


def ex_hanning(a):
    return a * np.hanning(a.shape[-1])


def ex_histogram(a):
    return np.histogram(a, bins=10)


def ex_histogram_range(a):
    return np.histogram(a, bins=8, range=(0.0, 1.0), density=True)


def ex_histogram2d(x, y):
    return np.histogram2d(x, y, bins=5)


def ex_histogram_bin_edges(a):
    return np.histogram_bin_edges(a, bins=10)


def ex_histogramdd(sample):
    return np.histogramdd(sample, bins=4)


def ex_hsplit(a):
    return np.hsplit(a, 2)


def ex_hstack(a, b):
    return np.hstack((a, b))


def ex_hstack_1d(a, b):
    return np.hstack([a, b, a])


# ---------------------------------------------------------------- i0 .. iterable

def ex_i0(a):
    return np.i0(a)


def ex_identity(a):
    return np.identity(a.shape[0]) @ a


def ex_identity_reg(a, lam):
    return a.T @ a + lam * np.identity(a.shape[1])


def ex_imag(z):
    return np.imag(z)


def ex_indices(a):
    i, j = np.indices(a.shape)
    return a * (i + j)


def ex_inner(a, b):
    return np.inner(a, b)


def ex_inner_2d(a, b):
    return np.inner(a, b)


def ex_insert(a, v):
    return np.insert(a, 2, v)


def ex_insert_axis(a, row):
    return np.insert(a, 1, row, axis=0)


def ex_interp(x, xp, fp):
    return np.interp(x, xp, fp)


def ex_intersect1d(a, b):
    return np.intersect1d(a, b)


def ex_isclose(a, b):
    return np.isclose(a, b)


def ex_isclose_tol(a, b):
    return np.isclose(a, b, rtol=1e-3, atol=1e-6)


def ex_iscomplex(z):
    return np.iscomplex(z)


def ex_iscomplexobj(a):
    if np.iscomplexobj(a):
        return np.abs(a)
    return a * 2.0


def ex_isfortran(a):
    return np.isfortran(a), np.isfortran(np.asfortranarray(a))


def ex_isin(a, b):
    return np.isin(a, b)


def ex_isin_invert(a, b):
    return a[np.isin(a, b, invert=True)]


def ex_isneginf(a):
    return np.isneginf(np.log(a))


def ex_isposinf(a):
    return np.isposinf(a / (a - a))


def ex_isreal(z):
    return np.isreal(z)


def ex_isrealobj(a):
    if np.isrealobj(a):
        return a.sum(axis=0)
    return a.real.sum(axis=0)


# ---------------------------------------------------------------- ix_ .. max

def ex_ix_(a, rows, cols):
    return a[np.ix_(rows, cols)]


def ex_kaiser(a):
    return a * np.kaiser(a.shape[-1], 14.0)


def ex_kron(a, b):
    return np.kron(a, b)


def ex_lexsort(a, b):
    return np.lexsort((b, a))


def ex_linspace(a):
    x = np.linspace(0.0, 1.0, a.shape[0])
    return a * x[:, None]


def ex_linspace_endpoint(a):
    return a + np.linspace(-1.0, 1.0, a.shape[-1], endpoint=False)


def ex_logspace(a):
    return a * np.logspace(-3, 0, a.shape[-1])


def ex_mask_indices(a):
    return a[np.mask_indices(a.shape[0], np.triu)]


def ex_matrix_transpose(a):
    return np.matrix_transpose(a) @ a


def ex_max(a):
    return np.max(a)


def ex_max_axis(a):
    return np.max(a, axis=1, keepdims=True)


def ex_may_share_memory(a):
    return np.may_share_memory(a, a[1:]), np.may_share_memory(a, a.copy())


def ex_mean(a):
    return np.mean(a)


def ex_mean_axis(a):
    return np.mean(a, axis=0)


def ex_median(a):
    return np.median(a)


def ex_median_axis(a):
    return np.median(a, axis=1)


def ex_meshgrid(x, y):
    xx, yy = np.meshgrid(x, y)
    return np.sqrt(xx ** 2 + yy ** 2)


def ex_meshgrid_ij(x, y):
    return np.meshgrid(x, y, indexing="ij")


def ex_min(a):
    return np.min(a)


def ex_min_axis(a):
    return np.min(a, axis=0)


def ex_min_scalar_type(a):
    return a.astype(np.min_scalar_type(a))


def ex_moveaxis(a):
    return np.moveaxis(a, 0, -1)


# ---------------------------------------------------------------- nan functions

def ex_nan_to_num(a):
    return np.nan_to_num(a)


def ex_nan_to_num_values(a):
    return np.nan_to_num(a, nan=0.0, posinf=1e6, neginf=-1e6)


def ex_nanargmax(a):
    return np.nanargmax(a, axis=1)


def ex_nanargmin(a):
    return np.nanargmin(a, axis=0)


def ex_nancumprod(a):
    return np.nancumprod(a, axis=1)


def ex_nancumsum(a):
    return np.nancumsum(a, axis=0)


def ex_nanmax(a):
    return np.nanmax(a, axis=0)


def ex_nanmean(a):
    return np.nanmean(a)


def ex_nanmean_axis(a):
    return np.nanmean(a, axis=1)


def ex_nanmedian(a):
    return np.nanmedian(a, axis=0)


def ex_nanmin(a):
    return np.nanmin(a, axis=1)


def ex_nanpercentile(a):
    return np.nanpercentile(a, 90, axis=0)


def ex_nanprod(a):
    return np.nanprod(a, axis=1)


def ex_nanquantile(a):
    return np.nanquantile(a, [0.25, 0.75], axis=1)


def ex_nanstd(a):
    return np.nanstd(a, axis=0)


def ex_nanstd_ddof(a):
    return np.nanstd(a, ddof=1)


def ex_nansum(a):
    return np.nansum(a, axis=1)


def ex_nanvar(a):
    return np.nanvar(a, axis=0)


# ---------------------------------------------------------------- ndim .. outer

def ex_ndim(a):
    if np.ndim(a) == 2:
        return a.sum(axis=1)
    return a


def ex_nonzero(a):
    return np.nonzero(a)


def ex_nonzero_select(a):
    return a[np.nonzero(a > 0)]


def ex_ones(a):
    return np.ones(a.shape[1]) @ a.T


def ex_ones_bias(a):
    return np.hstack([a, np.ones((a.shape[0], 1))])


def ex_ones_like(a):
    return np.ones_like(a) - a


def ex_ones_like_int(a):
    return np.ones_like(a) + a


def ex_outer(a, b):
    return np.outer(a, b)


# ---------------------------------------------------------------- packbits .. piecewise

def ex_packbits(bits):
    return np.packbits(bits)


def ex_packbits_axis(bits):
    return np.packbits(bits, axis=-1)


def ex_pad(a):
    return np.pad(a, 1)


def ex_pad_mode(a):
    return np.pad(a, ((1, 2), (0, 1)), mode="edge"), np.pad(a, 2, mode="reflect")


def ex_partition(a):
    return np.partition(a, 3)


def ex_partition_axis(a):
    return np.partition(a, 2, axis=0)[2]


def ex_percentile(a):
    return np.percentile(a, 50)


def ex_percentile_axis(a):
    return np.percentile(a, [5, 95], axis=0)


def ex_permute_dims(a):
    return np.permute_dims(a, (2, 0, 1))


def ex_piecewise(x):
    return np.piecewise(x, [x < 0, x >= 0], [lambda t: -t, lambda t: t ** 2])


def ex_piecewise_const(x):
    return np.piecewise(x, [x < -0.5, x > 0.5], [-1.0, 1.0, 0.0])


def ex_place(a):
    np.place(a, a < 0, 0.0)
    return a


def ex_place_vals(a, vals):
    np.place(a, a > 0.5, vals)
    return a


# ---------------------------------------------------------------- poly

def ex_poly(r):
    return np.poly(r)


def ex_polyadd(p, q):
    return np.polyadd(p, q)


def ex_polyder(p):
    return np.polyder(p)


def ex_polyder_m(p):
    return np.polyder(p, 2)


def ex_polydiv(p, q):
    return np.polydiv(p, q)


def ex_polyfit(x, y):
    return np.polyfit(x, y, 2)


def ex_polyint(p):
    return np.polyint(p)


def ex_polymul(p, q):
    return np.polymul(p, q)


def ex_polysub(p, q):
    return np.polysub(p, q)


def ex_polyval(p, x):
    return np.polyval(p, x)


# ---------------------------------------------------------------- prod .. put

def ex_prod(a):
    return np.prod(a)


def ex_prod_axis(a):
    return np.prod(a, axis=0)


def ex_ptp(a):
    return np.ptp(a, axis=1)


def ex_put(a, ind, v):
    np.put(a, ind, v)
    return a


def ex_put_along_axis(a):
    idx = np.argmax(a, axis=1, keepdims=True)
    np.put_along_axis(a, idx, 0.0, axis=1)
    return a


def ex_putmask(a):
    np.putmask(a, a < 0, -a)
    return a


def ex_putmask_int(a):
    np.putmask(a, a > 5, 5)
    return a


# ---------------------------------------------------------------- quantile .. round

def ex_quantile(a):
    return np.quantile(a, 0.5)


def ex_quantile_axis(a):
    return np.quantile(a, [0.1, 0.9], axis=1)


def ex_ravel(a):
    return np.ravel(a)


def ex_ravel_T(a):
    return np.ravel(a.T) * 2.0


def ex_ravel_multi_index(i, j):
    return np.ravel_multi_index((i, j), (4, 5))


def ex_real(z):
    return np.real(z)


def ex_real_if_close(z):
    return np.real_if_close(z)


def ex_repeat(a):
    return np.repeat(a, 3)


def ex_repeat_axis(a, counts):
    return np.repeat(a, counts, axis=0)


def ex_require(a):
    b = np.require(a, dtype=np.float64, requirements=["C"])
    return b * 2.0


def ex_reshape(a):
    return np.reshape(a, (5, 4))


def ex_reshape_infer(a):
    return np.reshape(a, (-1, 2)).sum(axis=1)


def ex_resize(a):
    return np.resize(a, (6, 4))


def ex_result_type(a, b):
    return np.zeros(a.shape, dtype=np.result_type(a, b)) + a * b


def ex_roll(a):
    return np.roll(a, 2)


def ex_roll_axis(a):
    return np.roll(a, -1, axis=1)


def ex_rollaxis(a):
    return np.rollaxis(a, 2)


def ex_roots(p):
    return np.roots(p)


def ex_rot90(a):
    return np.rot90(a)


def ex_rot90_k(a):
    return np.rot90(a, 2, axes=(0, 1))


def ex_round(a):
    return np.round(a, 2)


def ex_round_0(a):
    return np.round(a)


def ex_row_stack(a, b):
    return np.row_stack((a, b))


# ---------------------------------------------------------------- argument makers

def _a45():
    return (_f((4, 5), 1),)


def _nan45():
    return (_with_nans((4, 5), 2),)


EXAMPLES = {
    "np.gradient": [
        (ex_gradient, _a45),
        (ex_gradient_spacing, lambda: (np.cumsum(_pos((10,), 3)), 0.1)),
    ],
    "np.hamming": [(ex_hamming, lambda: (_f((4, 16), 4),))],
    "np.hanning": [(ex_hanning, lambda: (_f((4, 16), 5),))],
    "np.histogram": [
        (ex_histogram, lambda: (_f((200,), 6),)),
        (ex_histogram_range, lambda: (_rng(7).random(100),)),
    ],
    "np.histogram2d": [(ex_histogram2d, lambda: (_f((100,), 8), _f((100,), 9)))],
    "np.histogram_bin_edges": [(ex_histogram_bin_edges, lambda: (_f((50,), 10),))],
    "np.histogramdd": [(ex_histogramdd, lambda: (_f((100, 3), 11),))],
    "np.hsplit": [(ex_hsplit, lambda: (_f((4, 6), 12),))],
    "np.hstack": [
        (ex_hstack, lambda: (_f((4, 3), 13), _f((4, 2), 14))),
        (ex_hstack_1d, lambda: (_ints((5,), 15), _ints((3,), 16))),
    ],
    "np.i0": [(ex_i0, _a45)],
    "np.identity": [
        (ex_identity, lambda: (_f((4, 4), 17),)),
        (ex_identity_reg, lambda: (_f((6, 4), 18), 0.1)),
    ],
    "np.imag": [(ex_imag, lambda: (_complex((4, 5), 19),))],
    "np.indices": [(ex_indices, _a45)],
    "np.inner": [
        (ex_inner, lambda: (_f((5,), 20), _f((5,), 21))),
        (ex_inner_2d, lambda: (_f((3, 5), 22), _f((4, 5), 23))),
    ],
    "np.insert": [
        (ex_insert, lambda: (_f((6,), 24), 9.0)),
        (ex_insert_axis, lambda: (_f((4, 5), 25), _f((5,), 26))),
    ],
    "np.interp": [
        (ex_interp, lambda: (_rng(27).random(20) * 10.0, np.linspace(0.0, 10.0, 11), _f((11,), 28))),
    ],
    "np.intersect1d": [(ex_intersect1d, lambda: (_ints((12,), 29, 0, 15), _ints((10,), 30, 0, 15)))],
    "np.isclose": [
        (ex_isclose, lambda: (_f((4, 5), 31), _f((4, 5), 31) + np.where(_rng(32).random((4, 5)) > 0.5, 1e-10, 1e-3))),
        (ex_isclose_tol, lambda: (_f((4, 5), 33), _f((4, 5), 33) * 1.0005)),
    ],
    "np.iscomplex": [(ex_iscomplex, lambda: (_complex((4, 5), 34) * (_rng(35).random((4, 5)) > 0.5),))],
    "np.iscomplexobj": [
        (ex_iscomplexobj, _a45),
        (ex_iscomplexobj, lambda: (_complex((4, 5), 36),)),
    ],
    "np.isfortran": [(ex_isfortran, _a45)],
    "np.isin": [
        (ex_isin, lambda: (_ints((4, 5), 37), np.array([1, 3, 5, 7]))),
        (ex_isin_invert, lambda: (_ints((20,), 38), _ints((6,), 39))),
    ],
    "np.isneginf": [(ex_isneginf, lambda: (_pos((4, 5), 40) * (_rng(41).random((4, 5)) > 0.3),))],
    "np.isposinf": [(ex_isposinf, _a45)],
    "np.isreal": [(ex_isreal, lambda: (_rng(42).standard_normal((4, 5)) + 1j * (_rng(43).random((4, 5)) > 0.5),))],
    "np.isrealobj": [
        (ex_isrealobj, _a45),
        (ex_isrealobj, lambda: (_complex((4, 5), 44),)),
    ],
    "np.ix_": [(ex_ix_, lambda: (_f((5, 6), 45), np.array([0, 2, 4]), np.array([1, 3])))],
    "np.kaiser": [(ex_kaiser, lambda: (_f((3, 16), 46),))],
    "np.kron": [
        (ex_kron, lambda: (_f((2, 3), 47), _f((3, 2), 48))),
        (ex_kron, lambda: (np.eye(3, dtype=np.int64), _ints((2, 2), 49))),
    ],
    "np.lexsort": [(ex_lexsort, lambda: (_ints((10,), 50, 0, 4), _ints((10,), 51, 0, 100)))],
    "np.linspace": [
        (ex_linspace, _a45),
        (ex_linspace_endpoint, _a45),
    ],
    "np.logspace": [(ex_logspace, _a45)],
    "np.mask_indices": [(ex_mask_indices, lambda: (_f((4, 4), 52),))],
    "np.matrix_transpose": [(ex_matrix_transpose, lambda: (_f((3, 4, 5), 53),))],
    "np.max": [
        (ex_max, _a45),
        (ex_max_axis, lambda: (_ints((4, 5), 54),)),
    ],
    "np.may_share_memory": [(ex_may_share_memory, _a45)],
    "np.mean": [
        (ex_mean, _a45),
        (ex_mean_axis, lambda: (_ints((4, 5), 55),)),
    ],
    "np.median": [
        (ex_median, lambda: (_distinct((4, 5), 56),)),
        (ex_median_axis, lambda: (_distinct((4, 5), 57),)),
    ],
    "np.meshgrid": [
        (ex_meshgrid, lambda: (np.linspace(-1.0, 1.0, 5), np.linspace(-2.0, 2.0, 4))),
        (ex_meshgrid_ij, lambda: (_f((3,), 58), _f((4,), 59))),
    ],
    "np.min": [
        (ex_min, _a45),
        (ex_min_axis, lambda: (_ints((4, 5), 60),)),
    ],
    "np.min_scalar_type": [(ex_min_scalar_type, lambda: (_ints((4, 5), 61),))],
    "np.moveaxis": [(ex_moveaxis, lambda: (_f((3, 4, 5), 62),))],
    "np.nan_to_num": [
        (ex_nan_to_num, lambda: (np.array([1.0, np.nan, np.inf, -np.inf, -2.5, 0.0]),)),
        (ex_nan_to_num_values, _nan45),
    ],
    "np.nanargmax": [(ex_nanargmax, _nan45)],
    "np.nanargmin": [(ex_nanargmin, _nan45)],
    "np.nancumprod": [(ex_nancumprod, _nan45)],
    "np.nancumsum": [(ex_nancumsum, _nan45)],
    "np.nanmax": [(ex_nanmax, _nan45)],
    "np.nanmean": [
        (ex_nanmean, _nan45),
        (ex_nanmean_axis, _nan45),
    ],
    "np.nanmedian": [(ex_nanmedian, _nan45)],
    "np.nanmin": [(ex_nanmin, _nan45)],
    "np.nanpercentile": [(ex_nanpercentile, _nan45)],
    "np.nanprod": [(ex_nanprod, lambda: (_with_nans((4, 5), 63) / 10.0,))],
    "np.nanquantile": [(ex_nanquantile, _nan45)],
    "np.nanstd": [
        (ex_nanstd, _nan45),
        (ex_nanstd_ddof, _nan45),
    ],
    "np.nansum": [(ex_nansum, _nan45)],
    "np.nanvar": [(ex_nanvar, _nan45)],
    "np.ndim": [(ex_ndim, _a45)],
    "np.nonzero": [
        (ex_nonzero, lambda: (_ints((4, 5), 64, 0, 3),)),
        (ex_nonzero_select, _a45),
    ],
    "np.ones": [
        (ex_ones, _a45),
        (ex_ones_bias, _a45),
    ],
    "np.ones_like": [
        (ex_ones_like, _a45),
        (ex_ones_like_int, lambda: (_ints((4, 5), 65),)),
    ],
    "np.outer": [
        (ex_outer, lambda: (_f((4,), 66), _f((5,), 67))),
        (ex_outer, lambda: (_ints((4,), 68), _ints((3,), 69))),
    ],
    "np.packbits": [
        (ex_packbits, lambda: (_rng(70).random(20) > 0.5,)),
        (ex_packbits_axis, lambda: (_rng(71).random((4, 12)) > 0.5,)),
    ],
    "np.pad": [
        (ex_pad, _a45),
        (ex_pad_mode, _a45),
    ],
    "np.partition": [
        (ex_partition, lambda: (_distinct((10,), 72),)),
        (ex_partition_axis, lambda: (_distinct((5, 4), 73),)),
    ],
    "np.percentile": [
        (ex_percentile, lambda: (_distinct((4, 5), 74),)),
        (ex_percentile_axis, lambda: (_distinct((20, 3), 75),)),
    ],
    "np.permute_dims": [(ex_permute_dims, lambda: (_f((2, 3, 4), 76),))],
    "np.piecewise": [
        (ex_piecewise, lambda: (_f((10,), 77),)),
        (ex_piecewise_const, lambda: (_f((10,), 78),)),
    ],
    "np.place": [
        (ex_place, _a45),
        (ex_place_vals, lambda: (_rng(79).random((4, 5)), np.array([10.0, 20.0, 30.0]))),
    ],
    "np.poly": [(ex_poly, lambda: (_f((4,), 80),))],
    "np.polyadd": [(ex_polyadd, lambda: (_f((4,), 81), _f((2,), 82)))],
    "np.polyder": [
        (ex_polyder, lambda: (_f((5,), 83),)),
        (ex_polyder_m, lambda: (_f((5,), 84),)),
    ],
    "np.polydiv": [(ex_polydiv, lambda: (_f((5,), 85), _pos((3,), 86)))],
    "np.polyfit": [(ex_polyfit, lambda: (np.linspace(0.0, 2.0, 20), _f((20,), 87)))],
    "np.polyint": [(ex_polyint, lambda: (_f((4,), 88),))],
    "np.polymul": [(ex_polymul, lambda: (_f((3,), 89), _f((4,), 90)))],
    "np.polysub": [(ex_polysub, lambda: (_f((4,), 91), _f((3,), 92)))],
    "np.polyval": [
        (ex_polyval, lambda: (_f((4,), 93), _f((10,), 94))),
        (ex_polyval, lambda: (_f((3,), 95), _f((4, 5), 96))),
    ],
    "np.prod": [
        (ex_prod, lambda: (_pos((4, 5), 97),)),
        (ex_prod_axis, lambda: (_ints((4, 5), 98, 1, 5),)),
    ],
    "np.ptp": [
        (ex_ptp, _a45),
        (ex_ptp, lambda: (_ints((4, 5), 99),)),
    ],
    "np.put": [(ex_put, lambda: (_f((4, 5), 100), np.array([0, 7, 13]), np.array([1.0, 2.0, 3.0])))],
    "np.put_along_axis": [(ex_put_along_axis, _a45)],
    "np.putmask": [
        (ex_putmask, _a45),
        (ex_putmask_int, lambda: (_ints((4, 5), 101),)),
    ],
    "np.quantile": [
        (ex_quantile, lambda: (_distinct((4, 5), 102),)),
        (ex_quantile_axis, lambda: (_distinct((4, 5), 103),)),
    ],
    "np.ravel": [
        (ex_ravel, _a45),
        (ex_ravel_T, _a45),
    ],
    "np.ravel_multi_index": [(ex_ravel_multi_index, lambda: (_ints((6,), 104, 0, 4), _ints((6,), 105, 0, 5)))],
    "np.real": [
        (ex_real, lambda: (_complex((4, 5), 106),)),
        (ex_real, _a45),
    ],
    "np.real_if_close": [
        (ex_real_if_close, lambda: (_f((4, 5), 107) + 1e-15j,)),
        (ex_real_if_close, lambda: (_complex((4, 5), 108),)),
    ],
    "np.repeat": [
        (ex_repeat, lambda: (_f((4,), 109),)),
        (ex_repeat_axis, lambda: (_f((3, 4), 110), np.array([1, 0, 2]))),
    ],
    "np.require": [(ex_require, lambda: (np.asfortranarray(_f((4, 5), 111)),))],
    "np.reshape": [
        (ex_reshape, _a45),
        (ex_reshape_infer, _a45),
    ],
    "np.resize": [(ex_resize, _a45)],
    "np.result_type": [(ex_result_type, lambda: (_ints((4, 5), 112), _f((4, 5), 113)))],
    "np.roll": [
        (ex_roll, lambda: (_f((10,), 114),)),
        (ex_roll_axis, _a45),
    ],
    "np.rollaxis": [(ex_rollaxis, lambda: (_f((3, 4, 5), 115),))],
    "np.roots": [(ex_roots, lambda: (np.array([1.0, -6.0, 11.0, -6.0]),))],
    "np.rot90": [
        (ex_rot90, _a45),
        (ex_rot90_k, lambda: (_ints((4, 5), 116),)),
    ],
    "np.round": [
        (ex_round, _a45),
        (ex_round_0, lambda: (_f((4, 5), 117) * 10.0,)),
    ],
    "np.row_stack": [(ex_row_stack, lambda: (_f((2, 5), 118), _f((3, 5), 119)))],
}


NOT_ARRAY_FUNCTIONS = {
    "np.info": "prints documentation",
    "np.is_busday": "datetime / business-day function",
    "np.isdtype": "dtype query on a dtype object",
    "np.isscalar": "type query on a Python object",
    "np.issubdtype": "dtype query on dtypes",
    "np.iterable": "type query on a Python object",
    "np.load": "file I/O",
    "np.loadtxt": "file I/O",
    "np.mintypecode": "works on typecode characters",
    "np.nested_iters": "returns iterator objects",
    "np.printoptions": "print configuration",
    "np.promote_types": "dtype query on dtypes",
    "np.save": "file I/O",
}
