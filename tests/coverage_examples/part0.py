"""Coverage examples, group 0 (np.all ... np.geterrcall)."""

import numpy as np


def _rng(seed=0):
    return np.random.default_rng(seed)


# ---- argument makers -------------------------------------------------------

def _a():
    return (_rng(0).random((4, 5)),)


def _a_signed():
    return (_rng(1).standard_normal((4, 5)),)


def _ab():
    r = _rng(2)
    return (r.random((4, 5)), r.random((4, 5)))


def _a_sq():
    return (_rng(3).random((4, 4)),)


def _v():
    return (_rng(4).random(6),)


def _xy():
    r = _rng(5)
    return (r.random(8), r.random(8))


def _a3():
    return (_rng(6).random((2, 3, 4)),)


def _ints():
    return (_rng(7).integers(0, 6, 10),)


def _ints2d():
    return (_rng(8).integers(-5, 6, (4, 5)),)


def _bools():
    return (_rng(9).random((4, 5)) > 0.5,)


def _distinct():
    # a permutation scaled: no ties
    return (_rng(10).permutation(20).reshape(4, 5).astype(np.float64) / 7.0,)


def _distinct_1d():
    return (_rng(11).permutation(10).astype(np.float64) * 0.3 + 1.0,)


def _complex():
    r = _rng(12)
    return (r.standard_normal((4, 5)) + 1j * r.standard_normal((4, 5)),)


def _matmul():
    r = _rng(13)
    return (r.random((4, 5)), r.random((5, 3)))


# ---- programs --------------------------------------------------------------

def ex_all(a):
    return np.all(a > 0.1, axis=0)


def ex_all_bool(b):
    return np.all(b)


def ex_allclose(a, b):
    return np.allclose(a, a + 1e-10), np.allclose(a, b)


def ex_amax(a):
    return np.amax(a, axis=1)


def ex_amax_all(a):
    return np.amax(a)


def ex_amin(a):
    return np.amin(a, axis=0)


def ex_amin_int(x):
    return np.amin(x)


def ex_angle(z):
    return np.angle(z)


def ex_angle_deg(z):
    return np.angle(z, deg=True)


def ex_any(a):
    return np.any(a > 0.9, axis=1)


def ex_any_bool(b):
    return np.any(b)


def ex_append(a, b):
    return np.append(a, b, axis=0)


def ex_append_flat(v):
    return np.append(v, 1.0)


def _center(row):
    return row - row.mean()


def ex_apply_along_axis(a):
    return np.apply_along_axis(_center, 1, a)


def ex_apply_along_axis_reduce(a):
    return np.apply_along_axis(np.linalg.norm, 0, a)


def ex_apply_over_axes(a):
    return np.apply_over_axes(np.sum, a, [0, 2])


def ex_arange(a):
    return a * np.arange(a.shape[1])


def ex_arange_float(v):
    return v + np.arange(0.0, 3.0, 0.5)


def ex_argmax(a):
    return np.argmax(a, axis=1)


def ex_argmax_flat(a):
    return np.argmax(a)


def ex_argmin(a):
    return np.argmin(a, axis=0)


def ex_argmin_flat(v):
    return np.argmin(v)


def ex_argpartition(a):
    # the k smallest per row (as a set), and the k-th index itself
    idx = np.argpartition(a, 2, axis=1)
    return np.sort(idx[:, :2], axis=1), idx[:, 2]


def ex_argpartition_1d(v):
    idx = np.argpartition(v, 3)
    return np.sort(idx[:3]), idx[3]


def ex_argsort(a):
    return np.argsort(a, axis=1)


def ex_argsort_desc(v):
    return np.argsort(-v)


def ex_argwhere(a):
    return np.argwhere(a > 0.5)


def ex_argwhere_int(x):
    return np.argwhere(x)


def ex_around(a):
    return np.around(a, 2)


def ex_around_int(a):
    return np.around(a * 100.0)


def ex_array(a):
    w = np.array([[1.0, 2.0, 0.5, -1.0], [0.0, 1.0, 3.0, 2.0]])
    return w @ a


def ex_array_copy(a):
    return np.array(a, dtype=np.float32)


def ex_array_equal(a, b):
    return np.array_equal(a, a.copy()), np.array_equal(a, b)


def ex_array_equal_int(x):
    return np.array_equal(x, x + 0)


def ex_array_equiv(a):
    return np.array_equiv(a, a[0]), np.array_equiv(np.tile(a[0], (3, 1)), a[0])


def ex_array_split(a):
    return np.array_split(a, 3)


def ex_array_split_axis(a):
    return np.array_split(a, 2, axis=1)


def ex_asanyarray(a):
    return np.asanyarray(a) * 2.0


def ex_asarray(a):
    return np.asarray(a, dtype=np.float64).sum(axis=0)


def ex_asarray_int(x):
    return np.asarray(x, dtype=float) / 2


def ex_asarray_chkfinite(a):
    return np.asarray_chkfinite(a).mean(axis=0)


def ex_ascontiguousarray(a):
    return np.ascontiguousarray(a.T)


def ex_asfortranarray(a):
    return np.asfortranarray(a) + 1.0


def ex_astype(a):
    return np.astype(a * 10.0, np.int64)


def ex_astype_f32(a):
    return np.astype(a, np.float32)


def ex_atleast_1d(v):
    return np.atleast_1d(v.sum()) + v[:1]


def ex_atleast_2d(v):
    return np.atleast_2d(v).T


def ex_atleast_3d(a):
    return np.atleast_3d(a)


def ex_average(a, w):
    return np.average(a, axis=0, weights=w)


def _average_args():
    r = _rng(14)
    return (r.random((4, 5)), r.random(4) + 0.1)


def ex_average_returned(a):
    return np.average(a, axis=1, weights=np.arange(1, 6), returned=True)


def ex_bartlett(v):
    return np.bartlett(v.shape[0]) * v


def ex_bincount(x):
    return np.bincount(x)


def ex_bincount_weights(x, w):
    return np.bincount(x, weights=w, minlength=8)


def _bincount_args():
    r = _rng(15)
    return (r.integers(0, 6, 10), r.random(10))


def ex_blackman(v):
    return np.blackman(v.shape[0]) * v


def ex_block(a_sq):
    z = np.zeros((4, 4))
    return np.block([[a_sq, z], [z, np.eye(4)]])


def ex_block_1d(x, y):
    return np.block([x, y])


def ex_broadcast_arrays(a, v):
    x, y = np.broadcast_arrays(a, v)
    return x + 0.0, y * 1.0


def _broadcast_args():
    r = _rng(16)
    return (r.random((4, 5)), r.random(5))


def ex_broadcast_shapes(a, v):
    shape = np.broadcast_shapes(a.shape, v.shape)
    return np.zeros(shape) + v


def ex_broadcast_to(v):
    return np.broadcast_to(v, (3, 6)) * 2.0


def ex_choose(idx, a, b, c):
    return np.choose(idx, [a, b, c])


def _choose_args():
    r = _rng(17)
    return (r.integers(0, 3, (4, 5)), r.random((4, 5)), r.random((4, 5)), r.random((4, 5)))


def ex_clip(a):
    return np.clip(a, 0.2, 0.8)


def ex_clip_int(x):
    return np.clip(x, -2, 3)


def ex_column_stack(x, y):
    return np.column_stack((x, y))


def ex_common_type(a, x):
    return a.astype(np.common_type(a, x)) + x


def _common_type_args():
    r = _rng(18)
    return (r.random((4, 5)).astype(np.float32), r.random((4, 5)))


def ex_compress(a):
    return np.compress(a[:, 0] > 0.3, a, axis=0)


def ex_compress_list(a):
    return np.compress([True, False, True, False, True], a, axis=1)


def ex_concat(a, b):
    return np.concat([a, b], axis=1)


def ex_concatenate(a, b):
    return np.concatenate((a, b), axis=0)


def ex_concatenate_flat(x, y):
    return np.concatenate([x, y, x])


def ex_convolve(x, y):
    return np.convolve(x, y[:3])


def ex_convolve_same(x, y):
    return np.convolve(x, y[:3], mode="same")


def ex_copy(a):
    b = np.copy(a)
    b[0] = 0.0
    return a, b


def ex_copyto(a, b):
    np.copyto(a, b)
    return a


def ex_copyto_where(a, b):
    np.copyto(a, b, where=b > 0.5)
    return a


def ex_corrcoef(a):
    return np.corrcoef(a)


def ex_corrcoef_xy(x, y):
    return np.corrcoef(x, y)


def ex_correlate(x, y):
    return np.correlate(x, y[:3])


def ex_correlate_full(x, y):
    return np.correlate(x, y, mode="full")


def ex_count_nonzero(a):
    return np.count_nonzero(a > 0.5, axis=0)


def ex_count_nonzero_int(x):
    return np.count_nonzero(x)


def ex_cov(a):
    return np.cov(a)


def ex_cov_cols(a):
    return np.cov(a, rowvar=False, bias=True)


def ex_cross(u, v):
    return np.cross(u, v)


def _cross_args():
    r = _rng(19)
    return (r.random((4, 3)), r.random((4, 3)))


def ex_cumprod(a):
    return np.cumprod(a, axis=1)


def ex_cumprod_int(x):
    return np.cumprod(x)


def ex_cumsum(a):
    return np.cumsum(a, axis=0)


def ex_cumsum_int(x):
    return np.cumsum(x)


def ex_cumulative_prod(a):
    return np.cumulative_prod(a, axis=1)


def ex_cumulative_sum(a):
    return np.cumulative_sum(a, axis=0, include_initial=True)


def ex_cumulative_sum_1d(v):
    return np.cumulative_sum(v)


def ex_delete(a):
    return np.delete(a, 1, axis=0)


def ex_delete_cols(a):
    return np.delete(a, [0, 2], axis=1)


def ex_diag(a_sq):
    return np.diag(a_sq)


def ex_diag_vec(v):
    return np.diag(v) @ np.ones(v.shape[0])


def ex_diag_indices(a_sq):
    a_sq[np.diag_indices(a_sq.shape[0])] = 0.0
    return a_sq


def ex_diag_indices_from(a_sq):
    return a_sq[np.diag_indices_from(a_sq)]


def ex_diagflat(v):
    return np.diagflat(v)


def ex_diagflat_k(v):
    return np.diagflat(v[:4], 1)


def ex_diagonal(a):
    return np.diagonal(a, offset=1)


def ex_diagonal_3d(a3):
    return np.diagonal(a3, axis1=1, axis2=2)


def ex_diff(a):
    return np.diff(a, axis=1)


def ex_diff_n2(v):
    return np.diff(v, n=2)


def ex_digitize(x):
    bins = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    return np.digitize(x, bins)


def ex_digitize_right(x, y):
    return np.digitize(x, np.sort(y), right=True)


def ex_dot(a, b):
    return np.dot(a, b)


def ex_dot_vec(x, y):
    return np.dot(x, y)


def ex_dsplit(a3):
    return np.dsplit(a3, 2)


def ex_dstack(a, b):
    return np.dstack((a, b))


def ex_ediff1d(v):
    return np.ediff1d(v)


def ex_ediff1d_begin(v):
    return np.ediff1d(v, to_begin=0.0)


def ex_einsum(a, b):
    return np.einsum("ij,jk->ik", a, b)


def ex_einsum_trace(a_sq):
    return np.einsum("ii->i", a_sq), np.einsum("ij,ij->i", a_sq, a_sq)


def ex_empty(a):
    out = np.empty((a.shape[0], 2))
    out[:, 0] = a.min(axis=1)
    out[:, 1] = a.max(axis=1)
    return out


def ex_empty_like(a):
    out = np.empty_like(a)
    out[...] = np.cumsum(a, axis=0)
    return out


def ex_expand_dims(a):
    return np.expand_dims(a, axis=0)


def ex_expand_dims_tuple(v):
    return np.expand_dims(v, axis=(0, 2))


def ex_extract(a):
    return np.extract(a > 0.5, a)


def ex_eye(a_sq):
    return np.eye(a_sq.shape[0]) - a_sq


def ex_eye_k(a):
    return a + np.eye(4, 5, k=1)


def ex_fill_diagonal(a_sq):
    np.fill_diagonal(a_sq, 0.0)
    return a_sq


def ex_fix(a):
    return np.fix(a * 10.0 - 5.0)


def ex_flatnonzero(a):
    return np.flatnonzero(a > 0.5)


def ex_flip(a):
    return np.flip(a, axis=1)


def ex_flip_all(a):
    return np.flip(a)


def ex_fliplr(a):
    return np.fliplr(a)


def ex_flipud(a):
    return np.flipud(a)


def ex_frombuffer(a):
    return np.frombuffer(a, dtype=np.float64) * 2.0


def ex_fromfunction(a):
    return a * np.fromfunction(lambda i, j: (i + 1.0) * (j + 1.0), a.shape)


def ex_fromiter(a):
    return np.fromiter((row.sum() for row in a), dtype=np.float64, count=a.shape[0])


def ex_full(a):
    return np.full(a.shape, 0.5) + a


def ex_full_nan(v):
    out = np.full((v.shape[0] + 2,), np.nan)
    out[1:-1] = v
    return out


def ex_full_like(a):
    return np.full_like(a, 1.0) - a


def ex_full_like_int(x):
    return np.full_like(x, 7) + x


def ex_geomspace(a):
    return np.geomspace(1.0, 1000.0, a.shape[1]) * a


EXAMPLES = {
    "np.all": [(ex_all, _a), (ex_all_bool, _bools)],
    "np.allclose": [(ex_allclose, _ab)],
    "np.amax": [(ex_amax, _a), (ex_amax_all, _ints2d)],
    "np.amin": [(ex_amin, _a), (ex_amin_int, _ints2d)],
    "np.angle": [(ex_angle, _complex), (ex_angle_deg, _complex)],
    "np.any": [(ex_any, _a), (ex_any_bool, _bools)],
    "np.append": [(ex_append, _ab), (ex_append_flat, _v)],
    "np.apply_along_axis": [(ex_apply_along_axis, _a), (ex_apply_along_axis_reduce, _a)],
    "np.apply_over_axes": [(ex_apply_over_axes, _a3)],
    "np.arange": [(ex_arange, _a), (ex_arange_float, _v)],
    "np.argmax": [(ex_argmax, _distinct), (ex_argmax_flat, _distinct)],
    "np.argmin": [(ex_argmin, _distinct), (ex_argmin_flat, _distinct_1d)],
    "np.argpartition": [(ex_argpartition, _distinct), (ex_argpartition_1d, _distinct_1d)],
    "np.argsort": [(ex_argsort, _distinct), (ex_argsort_desc, _distinct_1d)],
    "np.argwhere": [(ex_argwhere, _a), (ex_argwhere_int, _ints2d)],
    "np.around": [(ex_around, _a_signed), (ex_around_int, _a_signed)],
    "np.array": [(ex_array, _a), (ex_array_copy, _a)],
    "np.array_equal": [(ex_array_equal, _ab), (ex_array_equal_int, _ints2d)],
    "np.array_equiv": [(ex_array_equiv, _a)],
    "np.array_split": [(ex_array_split, _a), (ex_array_split_axis, _a)],
    "np.asanyarray": [(ex_asanyarray, _a)],
    "np.asarray": [(ex_asarray, _a), (ex_asarray_int, _ints2d)],
    "np.asarray_chkfinite": [(ex_asarray_chkfinite, _a)],
    "np.ascontiguousarray": [(ex_ascontiguousarray, _a)],
    "np.asfortranarray": [(ex_asfortranarray, _a)],
    "np.astype": [(ex_astype, _a), (ex_astype_f32, _a)],
    "np.atleast_1d": [(ex_atleast_1d, _v)],
    "np.atleast_2d": [(ex_atleast_2d, _v)],
    "np.atleast_3d": [(ex_atleast_3d, _a)],
    "np.average": [(ex_average, _average_args), (ex_average_returned, _a)],
    "np.bartlett": [(ex_bartlett, _v)],
    "np.bincount": [(ex_bincount, _ints), (ex_bincount_weights, _bincount_args)],
    "np.blackman": [(ex_blackman, _v)],
    "np.block": [(ex_block, _a_sq), (ex_block_1d, _xy)],
    "np.broadcast_arrays": [(ex_broadcast_arrays, _broadcast_args)],
    "np.broadcast_shapes": [(ex_broadcast_shapes, _broadcast_args)],
    "np.broadcast_to": [(ex_broadcast_to, _v)],
    "np.choose": [(ex_choose, _choose_args)],
    "np.clip": [(ex_clip, _a), (ex_clip_int, _ints2d)],
    "np.column_stack": [(ex_column_stack, _xy)],
    "np.common_type": [(ex_common_type, _common_type_args)],
    "np.compress": [(ex_compress, _a), (ex_compress_list, _a)],
    "np.concat": [(ex_concat, _ab)],
    "np.concatenate": [(ex_concatenate, _ab), (ex_concatenate_flat, _xy)],
    "np.convolve": [(ex_convolve, _xy), (ex_convolve_same, _xy)],
    "np.copy": [(ex_copy, _a)],
    "np.copyto": [(ex_copyto, _ab), (ex_copyto_where, _ab)],
    "np.corrcoef": [(ex_corrcoef, _a), (ex_corrcoef_xy, _xy)],
    "np.correlate": [(ex_correlate, _xy), (ex_correlate_full, _xy)],
    "np.count_nonzero": [(ex_count_nonzero, _a), (ex_count_nonzero_int, _ints2d)],
    "np.cov": [(ex_cov, _a), (ex_cov_cols, _a)],
    "np.cross": [(ex_cross, _cross_args)],
    "np.cumprod": [(ex_cumprod, _a), (ex_cumprod_int, _ints2d)],
    "np.cumsum": [(ex_cumsum, _a), (ex_cumsum_int, _ints2d)],
    "np.cumulative_prod": [(ex_cumulative_prod, _a)],
    "np.cumulative_sum": [(ex_cumulative_sum, _a), (ex_cumulative_sum_1d, _v)],
    "np.delete": [(ex_delete, _a), (ex_delete_cols, _a)],
    "np.diag": [(ex_diag, _a_sq), (ex_diag_vec, _v)],
    "np.diag_indices": [(ex_diag_indices, _a_sq)],
    "np.diag_indices_from": [(ex_diag_indices_from, _a_sq)],
    "np.diagflat": [(ex_diagflat, _v), (ex_diagflat_k, _v)],
    "np.diagonal": [(ex_diagonal, _a), (ex_diagonal_3d, _a3)],
    "np.diff": [(ex_diff, _a), (ex_diff_n2, _v)],
    "np.digitize": [(ex_digitize, _v), (ex_digitize_right, _xy)],
    "np.dot": [(ex_dot, _matmul), (ex_dot_vec, _xy)],
    "np.dsplit": [(ex_dsplit, _a3)],
    "np.dstack": [(ex_dstack, _ab)],
    "np.ediff1d": [(ex_ediff1d, _v), (ex_ediff1d_begin, _v)],
    "np.einsum": [(ex_einsum, _matmul), (ex_einsum_trace, _a_sq)],
    "np.empty": [(ex_empty, _a)],
    "np.empty_like": [(ex_empty_like, _a)],
    "np.expand_dims": [(ex_expand_dims, _a), (ex_expand_dims_tuple, _v)],
    "np.extract": [(ex_extract, _a)],
    "np.eye": [(ex_eye, _a_sq), (ex_eye_k, _a)],
    "np.fill_diagonal": [(ex_fill_diagonal, _a_sq)],
    "np.fix": [(ex_fix, _a)],
    "np.flatnonzero": [(ex_flatnonzero, _a)],
    "np.flip": [(ex_flip, _a), (ex_flip_all, _a)],
    "np.fliplr": [(ex_fliplr, _a)],
    "np.flipud": [(ex_flipud, _a)],
    "np.frombuffer": [(ex_frombuffer, _v)],
    "np.fromfunction": [(ex_fromfunction, _a)],
    "np.fromiter": [(ex_fromiter, _a)],
    "np.full": [(ex_full, _a), (ex_full_nan, _v)],
    "np.full_like": [(ex_full_like, _a), (ex_full_like_int, _ints2d)],
    "np.geomspace": [(ex_geomspace, _a)],
}

NOT_ARRAY_FUNCTIONS = {
    "np.array2string": "formats an array as text",
    "np.array_repr": "formats an array as text",
    "np.array_str": "formats an array as text",
    "np.asmatrix": "builds the np.matrix subclass",
    "np.bmat": "builds the np.matrix subclass (from arrays or a string)",
    "np.base_repr": "formats a Python int as text",
    "np.binary_repr": "formats a Python int as text",
    "np.busday_count": "datetime business-day calendar",
    "np.busday_offset": "datetime business-day calendar",
    "np.can_cast": "casting-rule query on dtypes",
    "np.datetime_as_string": "formats datetime64 values as text",
    "np.datetime_data": "datetime unit query on a dtype",
    "np.einsum_path": "returns a contraction plan (list and string), no array",
    "np.format_float_positional": "formats a float as text",
    "np.format_float_scientific": "formats a float as text",
    "np.from_dlpack": "imports a foreign (DLPack) tensor object",
    "np.fromfile": "file I/O",
    "np.fromregex": "file I/O (regex text parsing)",
    "np.fromstring": "parses text (or raw bytes) from a Python str",
    "np.frompyfunc": "wraps a Python function as an object-dtype ufunc",
    "np.genfromtxt": "file I/O",
    "np.get_include": "returns the C header directory",
    "np.get_printoptions": "printing configuration",
    "np.getbufsize": "ufunc buffer configuration",
    "np.geterr": "floating-point error configuration",
    "np.geterrcall": "floating-point error configuration",
}
