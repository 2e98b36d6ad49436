"""Coverage examples, group 2 of 3: np.savetxt .. np.zeros_like, np.linalg.*, np.fft.*."""

import numpy as np


# -- argument builders -------------------------------------------------------


def _rng(seed):
    return np.random.default_rng(seed)


def _f(shape, seed=0):
    return _rng(seed).random(shape)


def _normal(shape, seed=0):
    return _rng(seed).standard_normal(shape)


def _ints(shape, seed=0, low=0, high=10):
    return _rng(seed).integers(low, high, shape)


def _distinct_ints(shape, seed=0):
    n = int(np.prod(shape))
    return _rng(seed).permutation(3 * n)[:n].reshape(shape)


def _wellcond(n, seed=0, batch=()):
    return _rng(seed).random(batch + (n, n)) + n * np.eye(n)


def _spd(n, seed=0):
    s = _rng(seed).random((n, n))
    return s @ s.T + n * np.eye(n)


def _complex(shape, seed=0):
    r = _rng(seed)
    return r.standard_normal(shape) + 1j * r.standard_normal(shape)


# -- np.* --------------------------------------------------------------------


def ex_searchsorted(edges, values):
    return np.searchsorted(edges, values)


def ex_searchsorted_right(edges, values):
    return np.searchsorted(edges, values, side="right")


def ex_select(x):
    return np.select([x < 0.3, x > 0.7], [x * 2.0, x ** 2], default=0.0)


def ex_select_int(k):
    return np.select([k < 3, k < 7], [k * 10, k - 1], default=-1)


def ex_setdiff1d(a, b):
    return np.setdiff1d(a, b)


def ex_setdiff1d_float(a, b):
    return np.setdiff1d(a, b)


def ex_setxor1d(a, b):
    return np.setxor1d(a, b)


def ex_shape(a):
    n, m = np.shape(a)
    return np.zeros((m, n)) + a.T


def ex_shape_tuple(a):
    return np.shape(a)


def ex_shares_memory(a):
    return np.shares_memory(a, a[::2])


def ex_shares_memory_copy(a):
    return np.shares_memory(a, a.copy())


def ex_sinc(x):
    return np.sinc(x)


def ex_size(a):
    return a.sum() / np.size(a)


def ex_size_axis(a):
    return np.size(a, 1)


def ex_sort(a):
    return np.sort(a)


def ex_sort_axis0_int(a):
    return np.sort(a, axis=0)


def ex_sort_complex(z):
    return np.sort_complex(z)


def ex_sort_complex_real(x):
    return np.sort_complex(x)


def ex_split(a):
    return np.split(a, [1, 3], axis=1)


def ex_split_unpack(a):
    top, bottom = np.split(a, 2)
    return top - bottom


def ex_squeeze(a):
    return np.squeeze(a)


def ex_squeeze_axis(a):
    return np.squeeze(a, axis=1) * 2.0


def ex_stack(a, b):
    return np.stack([a, b])


def ex_stack_last(a, b):
    return np.stack((a, b), axis=-1)


def ex_std(a):
    return np.std(a, axis=0)


def ex_std_ddof(a):
    return np.std(a, ddof=1)


def ex_sum(a):
    return np.sum(a, axis=1)


def ex_sum_int(a):
    return np.sum(a)


def ex_sum_bool(a):
    return np.sum(a > 0.5, axis=0)


def ex_swapaxes(a):
    return np.swapaxes(a, 0, 2)


def ex_take(a, idx):
    return np.take(a, idx, axis=0)


def ex_take_flat(a, idx):
    return np.take(a, idx)


def ex_take_along_axis(a):
    return np.take_along_axis(a, np.argsort(a, axis=1), axis=1)


def ex_take_along_axis_max(a):
    idx = np.expand_dims(np.argmax(a, axis=0), axis=0)
    return np.take_along_axis(a, idx, axis=0)


def ex_tensordot(a, b):
    return np.tensordot(a, b, axes=1)


def ex_tensordot_axes(a, b):
    return np.tensordot(a, b, axes=([1, 2], [0, 1]))


def ex_tile(a):
    return np.tile(a, (2, 1))


def ex_tile_int(v):
    return np.tile(v, 3)


def ex_trace(a):
    return np.trace(a)


def ex_trace_int_offset(a):
    return np.trace(a, offset=1)


def ex_transpose(a):
    return np.transpose(a)


def ex_transpose_axes(a):
    return np.transpose(a, (1, 0, 2))


def ex_trapezoid(y, x):
    return np.trapezoid(y, x)


def ex_trapezoid_dx(y):
    return np.trapezoid(y, dx=0.1, axis=1)


def ex_tri(a):
    return np.tri(a.shape[0]) * a


def ex_tri_mask(a):
    mask = np.tri(a.shape[0], a.shape[1], k=-1, dtype=bool)
    return np.where(mask, a, 0.0)


def ex_tril(a):
    return np.tril(a)


def ex_tril_k(a):
    return np.tril(a, k=-1)


def ex_tril_indices(a):
    i, j = np.tril_indices(a.shape[0])
    return a[i, j]


def ex_tril_indices_k(a):
    i, j = np.tril_indices(a.shape[0], k=-1)
    return a[i, j].sum()


def ex_tril_indices_from(a):
    return a[np.tril_indices_from(a)]


def ex_trim_zeros(x):
    return np.trim_zeros(x)


def ex_trim_zeros_front(x):
    return np.trim_zeros(x, trim="f")


def ex_triu(a):
    return np.triu(a)


def ex_triu_k(a):
    return np.triu(a, k=1)


def ex_triu_indices(a):
    i, j = np.triu_indices(a.shape[0], k=1)
    return a[i, j]


def ex_triu_indices_from(a):
    return a[np.triu_indices_from(a, k=1)]


def ex_union1d(a, b):
    return np.union1d(a, b)


def ex_unique(a):
    return np.unique(a)


def ex_unique_counts_flag(a):
    return np.unique(a, return_counts=True)


def ex_unique_inverse_flag(a):
    values, inverse = np.unique(a, return_inverse=True)
    return values, inverse


def ex_unique_all(a):
    values, indices, inverse, counts = np.unique_all(a)
    return values, indices, inverse, counts


def ex_unique_counts(a):
    values, counts = np.unique_counts(a)
    return values, counts


def ex_unique_inverse(a):
    values, inverse = np.unique_inverse(a)
    return values, inverse


def ex_unique_inverse_2d(a):
    values, inverse = np.unique_inverse(a)
    return values[inverse]


def ex_unique_values(a):
    return np.unique_values(a)


def ex_unique_values_float(a):
    return np.unique_values(np.round(a, 1))


def ex_unpackbits(a):
    return np.unpackbits(a, axis=1)


def ex_unpackbits_flat(a):
    return np.unpackbits(a)


def ex_unravel_index(a):
    return np.unravel_index(np.argmax(a), a.shape)


def ex_unravel_index_array(idx):
    return np.unravel_index(idx, (4, 5))


def ex_unstack(a):
    return np.unstack(a)


def ex_unstack_axis(pts):
    x, y, z = np.unstack(pts, axis=1)
    return np.sqrt(x ** 2 + y ** 2 + z ** 2)


def ex_unwrap(phase):
    return np.unwrap(phase)


def ex_unwrap_axis(phase):
    return np.unwrap(phase, axis=1)


def ex_vander(x):
    return np.vander(x, 4)


def ex_vander_increasing(x):
    return np.vander(x, increasing=True)


def ex_var(a):
    return np.var(a, axis=0)


def ex_var_ddof(a):
    return np.var(a, axis=1, ddof=1)


def ex_vdot(a, b):
    return np.vdot(a, b)


def ex_vdot_complex(a, b):
    return np.vdot(a, b)


def ex_vsplit(a):
    return np.vsplit(a, 2)


def ex_vsplit_unpack(a):
    head, tail = np.vsplit(a, [1])
    return tail - head


def ex_vstack(a, b):
    return np.vstack([a, b])


def ex_vstack_1d(x, y):
    return np.vstack((x, y))


def ex_where(a):
    return np.where(a > 0.5, a, 0.0)


def ex_where_indices(a):
    return np.where(a > 0.5)


def ex_zeros(a):
    z = np.zeros((a.shape[0], a.shape[1] + 2))
    z[:, 1:-1] = a
    return z


def ex_zeros_int(a):
    counts = np.zeros(a.shape[1], dtype=np.int64)
    counts += (a > 0.5).sum(axis=0)
    return counts


def ex_zeros_like(a):
    g = np.zeros_like(a)
    g[1:] = np.diff(a, axis=0)
    return g


def ex_zeros_like_int(k):
    return np.zeros_like(k) + k.max()


# -- np.linalg.* -------------------------------------------------------------


def ex_cholesky(a):
    return np.linalg.cholesky(a)


def ex_cholesky_upper(a):
    return np.linalg.cholesky(a, upper=True)


def ex_cond(a):
    return np.linalg.cond(a)


def ex_cond_fro(a):
    return np.linalg.cond(a, "fro")


def ex_linalg_cross(a, b):
    return np.linalg.cross(a, b)


def ex_det(a):
    return np.linalg.det(a)


def ex_det_batch(a):
    return np.linalg.det(a)


def ex_linalg_diagonal(a):
    return np.linalg.diagonal(a)


def ex_linalg_diagonal_offset(a):
    return np.linalg.diagonal(a, offset=1)


def ex_eig(a):
    w, v = np.linalg.eig(a)
    return (v * w) @ np.linalg.inv(v)


def ex_eig_spd(a):
    w, v = np.linalg.eig(a)
    return np.sort(w)


def ex_eigh(a):
    w, v = np.linalg.eigh(a)
    return w, (v * w) @ v.T


def ex_eigvals(a):
    return np.sort(np.linalg.eigvals(a))


def ex_eigvals_radius(a):
    return np.abs(np.linalg.eigvals(a)).max()


def ex_eigvalsh(a):
    return np.linalg.eigvalsh(a)


def ex_inv(a):
    return np.linalg.inv(a)


def ex_inv_apply(a, b):
    return np.linalg.inv(a) @ b


def ex_lstsq(a, b):
    x, residuals, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    return x, residuals, rank, sv


def ex_lstsq_fit(x, y):
    coef = np.linalg.lstsq(np.vander(x, 3), y, rcond=None)[0]
    return coef


def ex_linalg_matmul(a, b):
    return np.linalg.matmul(a, b)


def ex_matrix_norm(a):
    return np.linalg.matrix_norm(a)


def ex_matrix_norm_nuc(a):
    return np.linalg.matrix_norm(a, ord="nuc")


def ex_matrix_power(a):
    return np.linalg.matrix_power(a, 3)


def ex_matrix_power_int(a):
    return np.linalg.matrix_power(a, 2)


def ex_matrix_rank(a):
    return np.linalg.matrix_rank(a)


def ex_matrix_rank_deficient(a, b):
    return np.linalg.matrix_rank(a @ b)


def ex_matrix_transpose(a):
    return np.linalg.matrix_transpose(a)


def ex_multi_dot(a, b, c):
    return np.linalg.multi_dot([a, b, c])


def ex_norm(v):
    return np.linalg.norm(v)


def ex_norm_axis(a):
    return np.linalg.norm(a, axis=1)


def ex_norm_ord2(a):
    return np.linalg.norm(a, ord=2)


def ex_linalg_outer(x, y):
    return np.linalg.outer(x, y)


def ex_pinv(a):
    return np.linalg.pinv(a)


def ex_qr(a):
    q, r = np.linalg.qr(a)
    return q @ r


def ex_qr_r(a):
    r = np.linalg.qr(a, mode="r")
    return np.abs(np.diag(r))


def ex_slogdet(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return sign, logabsdet


def ex_solve(a, b):
    return np.linalg.solve(a, b)


def ex_solve_matrix(a, b):
    return np.linalg.solve(a, b)


def ex_svd(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return s, (u * s) @ vt


def ex_svd_values(a):
    return np.linalg.svd(a, compute_uv=False)


def ex_svdvals(a):
    return np.linalg.svdvals(a)


def ex_linalg_tensordot(a, b):
    return np.linalg.tensordot(a, b, axes=2)


def ex_tensorinv(a):
    return np.linalg.tensorinv(a, ind=2)


def ex_tensorsolve(a, b):
    return np.linalg.tensorsolve(a, b)


def ex_linalg_trace(a):
    return np.linalg.trace(a)


def ex_vecdot(a, b):
    return np.linalg.vecdot(a, b)


def ex_vecdot_axis(a, b):
    return np.linalg.vecdot(a, b, axis=0)


def ex_vector_norm(a):
    return np.linalg.vector_norm(a, axis=1)


def ex_vector_norm_ord(a):
    return np.linalg.vector_norm(a, ord=1), np.linalg.vector_norm(a, ord=np.inf)


# -- np.fft.* ----------------------------------------------------------------


def ex_fft(x):
    return np.fft.fft(x)


def ex_fft_axis(a):
    return np.abs(np.fft.fft(a, axis=0))


def ex_fft2(img):
    return np.fft.fft2(img)


def ex_fftfreq(x):
    freqs = np.fft.fftfreq(x.shape[-1], d=0.01)
    return np.fft.ifft(np.fft.fft(x) * (np.abs(freqs) < 10.0)).real


def ex_fftn(a):
    return np.fft.fftn(a)


def ex_fftn_axes(a):
    return np.fft.fftn(a, axes=(1, 2))


def ex_fftshift(img):
    return np.fft.fftshift(np.abs(np.fft.fft2(img)))


def ex_fftshift_freqs(x):
    freqs = np.fft.fftshift(np.fft.fftfreq(x.size, d=0.5))
    return freqs, np.fft.fftshift(np.fft.fft(x))


def ex_hfft(c):
    return np.fft.hfft(c)


def ex_ifft(z):
    return np.fft.ifft(z)


def ex_ifft_roundtrip(x):
    return np.fft.ifft(np.fft.fft(x)).real


def ex_ifft2(z):
    return np.fft.ifft2(z)


def ex_ifftn(z):
    return np.fft.ifftn(z)


def ex_ifftshift(img):
    return np.fft.ifftshift(img)


def ex_ihfft(x):
    return np.fft.ihfft(x)


def ex_irfft(x):
    return np.fft.irfft(np.fft.rfft(x) * 0.5, n=x.shape[-1])


def ex_irfft2(img):
    return np.fft.irfft2(np.fft.rfft2(img), s=img.shape)


def ex_irfftn(a):
    return np.fft.irfftn(np.fft.rfftn(a), s=a.shape, axes=(0, 1, 2))


def ex_rfft(x):
    return np.fft.rfft(x)


def ex_rfft_power(a):
    return np.abs(np.fft.rfft(a, axis=1)) ** 2


def ex_rfft2(img):
    return np.fft.rfft2(img)


def ex_rfftfreq(x):
    freqs = np.fft.rfftfreq(x.size, d=0.01)
    power = np.abs(np.fft.rfft(x)) ** 2
    return np.sum(freqs * power) / np.sum(power)


def ex_rfftn(a):
    return np.fft.rfftn(a)


def ex_fft_ortho(z):
    return np.fft.fft(z, norm="ortho")


# -- the table ---------------------------------------------------------------


EXAMPLES = {
    "np.searchsorted": [
        (ex_searchsorted, lambda: (np.sort(_f(10, 1)), _f((3, 4), 2))),
        (ex_searchsorted_right, lambda: (np.arange(0, 20, 2), _ints(6, 3, 0, 20))),
    ],
    "np.select": [
        (ex_select, lambda: (_f((4, 5), 4),)),
        (ex_select_int, lambda: (_ints((4, 5), 5),)),
    ],
    "np.setdiff1d": [
        (ex_setdiff1d, lambda: (_ints(12, 6, 0, 20), _ints(8, 7, 0, 20))),
        (ex_setdiff1d_float, lambda: (np.round(_f(10, 8), 1), np.round(_f(6, 9), 1))),
    ],
    "np.setxor1d": [(ex_setxor1d, lambda: (_ints(12, 10, 0, 20), _ints(8, 11, 0, 20)))],
    "np.shape": [
        (ex_shape, lambda: (_f((4, 5), 12),)),
        (ex_shape_tuple, lambda: (_f((3, 4, 5), 13),)),
    ],
    "np.shares_memory": [
        (ex_shares_memory, lambda: (_f(10, 14),)),
        (ex_shares_memory_copy, lambda: (_f(10, 15),)),
    ],
    "np.sinc": [(ex_sinc, lambda: (_rng(16).uniform(-3, 3, (4, 5)),))],
    "np.size": [
        (ex_size, lambda: (_f((4, 5), 17),)),
        (ex_size_axis, lambda: (_f((4, 5), 18),)),
    ],
    "np.sort": [
        (ex_sort, lambda: (_f((4, 5), 19),)),
        (ex_sort_axis0_int, lambda: (_distinct_ints((4, 5), 20),)),
    ],
    "np.sort_complex": [
        (ex_sort_complex, lambda: (_complex(8, 21),)),
        (ex_sort_complex_real, lambda: (_f(8, 22),)),
    ],
    "np.split": [
        (ex_split, lambda: (_f((4, 5), 23),)),
        (ex_split_unpack, lambda: (_f((4, 5), 24),)),
    ],
    "np.squeeze": [
        (ex_squeeze, lambda: (_f((4, 1, 5), 25),)),
        (ex_squeeze_axis, lambda: (_f((4, 1, 5), 26),)),
    ],
    "np.stack": [
        (ex_stack, lambda: (_f((4, 5), 27), _f((4, 5), 28))),
        (ex_stack_last, lambda: (_ints(6, 29), _ints(6, 30))),
    ],
    "np.std": [
        (ex_std, lambda: (_f((4, 5), 31),)),
        (ex_std_ddof, lambda: (_f((4, 5), 32),)),
    ],
    "np.sum": [
        (ex_sum, lambda: (_f((4, 5), 33),)),
        (ex_sum_int, lambda: (_ints((4, 5), 34),)),
        (ex_sum_bool, lambda: (_f((4, 5), 35),)),
    ],
    "np.swapaxes": [(ex_swapaxes, lambda: (_f((2, 3, 4), 36),))],
    "np.take": [
        (ex_take, lambda: (_f((4, 5), 37), np.array([3, 0, 2]))),
        (ex_take_flat, lambda: (_f((4, 5), 38), _ints(6, 39, 0, 20))),
    ],
    "np.take_along_axis": [
        (ex_take_along_axis, lambda: (_f((4, 5), 40),)),
        (ex_take_along_axis_max, lambda: (_f((4, 5), 41),)),
    ],
    "np.tensordot": [
        (ex_tensordot, lambda: (_f((4, 5), 42), _f((5, 3), 43))),
        (ex_tensordot_axes, lambda: (_f((2, 3, 4), 44), _f((3, 4, 5), 45))),
    ],
    "np.tile": [
        (ex_tile, lambda: (_f((4, 5), 46),)),
        (ex_tile_int, lambda: (_ints(4, 47),)),
    ],
    "np.trace": [
        (ex_trace, lambda: (_f((4, 4), 48),)),
        (ex_trace_int_offset, lambda: (_ints((4, 5), 49),)),
    ],
    "np.transpose": [
        (ex_transpose, lambda: (_f((4, 5), 50),)),
        (ex_transpose_axes, lambda: (_f((2, 3, 4), 51),)),
    ],
    "np.trapezoid": [
        (ex_trapezoid, lambda: (_f(10, 52), np.sort(_f(10, 53)))),
        (ex_trapezoid_dx, lambda: (_f((4, 5), 54),)),
    ],
    "np.tri": [
        (ex_tri, lambda: (_f((4, 4), 55),)),
        (ex_tri_mask, lambda: (_f((4, 5), 56),)),
    ],
    "np.tril": [
        (ex_tril, lambda: (_f((4, 4), 57),)),
        (ex_tril_k, lambda: (_ints((4, 5), 58),)),
    ],
    "np.tril_indices": [
        (ex_tril_indices, lambda: (_f((4, 4), 59),)),
        (ex_tril_indices_k, lambda: (_f((5, 5), 60),)),
    ],
    "np.tril_indices_from": [(ex_tril_indices_from, lambda: (_f((4, 4), 61),))],
    "np.trim_zeros": [
        (ex_trim_zeros, lambda: (np.concatenate([np.zeros(2), _f(5, 62) + 0.1, np.zeros(3)]),)),
        (ex_trim_zeros_front, lambda: (np.concatenate([np.zeros(3), _f(4, 63) + 0.1, np.zeros(1)]),)),
    ],
    "np.triu": [
        (ex_triu, lambda: (_f((4, 4), 64),)),
        (ex_triu_k, lambda: (_ints((4, 5), 65),)),
    ],
    "np.triu_indices": [(ex_triu_indices, lambda: (_f((4, 4), 66),))],
    "np.triu_indices_from": [(ex_triu_indices_from, lambda: (_f((5, 5), 67),))],
    "np.union1d": [(ex_union1d, lambda: (_ints(8, 68, 0, 15), _ints(6, 69, 0, 15)))],
    "np.unique": [
        (ex_unique, lambda: (_ints(20, 70),)),
        (ex_unique_counts_flag, lambda: (_ints(20, 71),)),
        (ex_unique_inverse_flag, lambda: (np.round(_f(12, 72), 1),)),
    ],
    "np.unique_all": [(ex_unique_all, lambda: (_ints(20, 73),))],
    "np.unique_counts": [(ex_unique_counts, lambda: (_ints(20, 74),))],
    "np.unique_inverse": [
        (ex_unique_inverse, lambda: (_ints(20, 75),)),
        (ex_unique_inverse_2d, lambda: (_ints((4, 5), 76),)),
    ],
    "np.unique_values": [
        (ex_unique_values, lambda: (_ints(20, 77),)),
        (ex_unique_values_float, lambda: (_f((4, 5), 78),)),
    ],
    "np.unpackbits": [
        (ex_unpackbits, lambda: (_ints((4, 2), 79, 0, 256).astype(np.uint8),)),
        (ex_unpackbits_flat, lambda: (_ints(3, 80, 0, 256).astype(np.uint8),)),
    ],
    "np.unravel_index": [
        (ex_unravel_index, lambda: (_f((4, 5), 81),)),
        (ex_unravel_index_array, lambda: (_ints(6, 82, 0, 20),)),
    ],
    "np.unstack": [
        (ex_unstack, lambda: (_f((3, 4), 83),)),
        (ex_unstack_axis, lambda: (_normal((6, 3), 84),)),
    ],
    "np.unwrap": [
        (ex_unwrap, lambda: (np.cumsum(_rng(85).uniform(0.5, 1.5, 20)) % (2 * np.pi) - np.pi,)),
        (ex_unwrap_axis, lambda: (np.cumsum(_rng(86).uniform(0.5, 1.5, (3, 12)), axis=1) % (2 * np.pi) - np.pi,)),
    ],
    "np.vander": [
        (ex_vander, lambda: (_f(5, 87),)),
        (ex_vander_increasing, lambda: (_ints(4, 88, 1, 6),)),
    ],
    "np.var": [
        (ex_var, lambda: (_f((4, 5), 89),)),
        (ex_var_ddof, lambda: (_f((4, 5), 90),)),
    ],
    "np.vdot": [
        (ex_vdot, lambda: (_f((4, 5), 91), _f((4, 5), 92))),
        (ex_vdot_complex, lambda: (_complex(6, 93), _complex(6, 94))),
    ],
    "np.vsplit": [
        (ex_vsplit, lambda: (_f((4, 5), 95),)),
        (ex_vsplit_unpack, lambda: (_f((2, 5), 96),)),
    ],
    "np.vstack": [
        (ex_vstack, lambda: (_f((4, 5), 97), _f((2, 5), 98))),
        (ex_vstack_1d, lambda: (_f(5, 99), _f(5, 100))),
    ],
    "np.where": [
        (ex_where, lambda: (_f((4, 5), 101),)),
        (ex_where_indices, lambda: (_f((4, 5), 102),)),
    ],
    "np.zeros": [
        (ex_zeros, lambda: (_f((4, 5), 103),)),
        (ex_zeros_int, lambda: (_f((4, 5), 104),)),
    ],
    "np.zeros_like": [
        (ex_zeros_like, lambda: (_f((4, 5), 105),)),
        (ex_zeros_like_int, lambda: (_ints((4, 5), 106),)),
    ],
    # np.linalg
    "np.linalg.cholesky": [
        (ex_cholesky, lambda: (_spd(4, 200),)),
        (ex_cholesky_upper, lambda: (_spd(4, 201),)),
    ],
    "np.linalg.cond": [
        (ex_cond, lambda: (_wellcond(4, 202),)),
        (ex_cond_fro, lambda: (_wellcond(4, 203),)),
    ],
    "np.linalg.cross": [(ex_linalg_cross, lambda: (_f((5, 3), 204), _f((5, 3), 205)))],
    "np.linalg.det": [
        (ex_det, lambda: (_wellcond(4, 206),)),
        (ex_det_batch, lambda: (_wellcond(3, 207, (2,)),)),
    ],
    "np.linalg.diagonal": [
        (ex_linalg_diagonal, lambda: (_f((4, 4), 208),)),
        (ex_linalg_diagonal_offset, lambda: (_f((2, 4, 5), 209),)),
    ],
    "np.linalg.eig": [
        (ex_eig, lambda: (_wellcond(4, 210),)),
        (ex_eig_spd, lambda: (_spd(4, 211),)),
    ],
    "np.linalg.eigh": [(ex_eigh, lambda: (_spd(4, 212),))],
    "np.linalg.eigvals": [
        (ex_eigvals, lambda: (_spd(4, 213),)),
        (ex_eigvals_radius, lambda: (_f((4, 4), 214),)),
    ],
    "np.linalg.eigvalsh": [(ex_eigvalsh, lambda: (_spd(4, 215),))],
    "np.linalg.inv": [
        (ex_inv, lambda: (_wellcond(4, 216),)),
        (ex_inv_apply, lambda: (_wellcond(4, 217, (3,)), _f((3, 4, 2), 218))),
    ],
    "np.linalg.lstsq": [
        (ex_lstsq, lambda: (_f((6, 3), 219), _f(6, 220))),
        (ex_lstsq_fit, lambda: (np.linspace(0.0, 1.0, 10), _f(10, 221))),
    ],
    "np.linalg.matmul": [(ex_linalg_matmul, lambda: (_f((4, 5), 222), _f((5, 3), 223)))],
    "np.linalg.matrix_norm": [
        (ex_matrix_norm, lambda: (_f((4, 5), 224),)),
        (ex_matrix_norm_nuc, lambda: (_f((4, 5), 225),)),
    ],
    "np.linalg.matrix_power": [
        (ex_matrix_power, lambda: (_f((4, 4), 226),)),
        (ex_matrix_power_int, lambda: (_ints((3, 3), 227),)),
    ],
    "np.linalg.matrix_rank": [
        (ex_matrix_rank, lambda: (_wellcond(4, 228),)),
        (ex_matrix_rank_deficient, lambda: (_f((5, 2), 229), _f((2, 5), 230))),
    ],
    "np.linalg.matrix_transpose": [(ex_matrix_transpose, lambda: (_f((3, 4, 5), 231),))],
    "np.linalg.multi_dot": [(ex_multi_dot, lambda: (_f((4, 5), 232), _f((5, 6), 233), _f((6, 3), 234)))],
    "np.linalg.norm": [
        (ex_norm, lambda: (_f(5, 235),)),
        (ex_norm_axis, lambda: (_f((4, 5), 236),)),
        (ex_norm_ord2, lambda: (_f((4, 5), 237),)),
    ],
    "np.linalg.outer": [(ex_linalg_outer, lambda: (_f(4, 238), _f(5, 239)))],
    "np.linalg.pinv": [(ex_pinv, lambda: (_f((5, 3), 240),))],
    "np.linalg.qr": [
        (ex_qr, lambda: (_f((5, 3), 241),)),
        (ex_qr_r, lambda: (_f((4, 4), 242),)),
    ],
    "np.linalg.slogdet": [(ex_slogdet, lambda: (_wellcond(4, 243),))],
    "np.linalg.solve": [
        (ex_solve, lambda: (_wellcond(4, 244), _f(4, 245))),
        (ex_solve_matrix, lambda: (_wellcond(4, 246), _f((4, 2), 247))),
    ],
    "np.linalg.svd": [
        (ex_svd, lambda: (_f((5, 3), 248),)),
        (ex_svd_values, lambda: (_f((4, 5), 249),)),
    ],
    "np.linalg.svdvals": [(ex_svdvals, lambda: (_f((4, 5), 250),))],
    "np.linalg.tensordot": [(ex_linalg_tensordot, lambda: (_f((2, 3, 4), 251), _f((3, 4, 5), 252)))],
    "np.linalg.tensorinv": [(ex_tensorinv, lambda: (_wellcond(24, 253).reshape(4, 6, 8, 3),))],
    "np.linalg.tensorsolve": [(ex_tensorsolve, lambda: (_wellcond(6, 254).reshape(2, 3, 6), _f((2, 3), 255)))],
    "np.linalg.trace": [(ex_linalg_trace, lambda: (_f((3, 4, 4), 256),))],
    "np.linalg.vecdot": [
        (ex_vecdot, lambda: (_f((5, 3), 257), _f((5, 3), 258))),
        (ex_vecdot_axis, lambda: (_f((3, 5), 259), _f((3, 5), 260))),
    ],
    "np.linalg.vector_norm": [
        (ex_vector_norm, lambda: (_f((4, 5), 261),)),
        (ex_vector_norm_ord, lambda: (_normal(6, 262),)),
    ],
    # np.fft
    "np.fft.fft": [
        (ex_fft, lambda: (_f(16, 300),)),
        (ex_fft_axis, lambda: (_f((8, 3), 301),)),
        (ex_fft_ortho, lambda: (_complex(8, 302),)),
    ],
    "np.fft.fft2": [(ex_fft2, lambda: (_f((4, 6), 303),))],
    "np.fft.fftfreq": [(ex_fftfreq, lambda: (_normal(32, 304),))],
    "np.fft.fftn": [
        (ex_fftn, lambda: (_f((2, 3, 4), 305),)),
        (ex_fftn_axes, lambda: (_f((2, 4, 4), 306),)),
    ],
    "np.fft.fftshift": [
        (ex_fftshift, lambda: (_f((4, 6), 307),)),
        (ex_fftshift_freqs, lambda: (_f(9, 308),)),
    ],
    "np.fft.hfft": [(ex_hfft, lambda: (_complex(5, 309),))],
    "np.fft.ifft": [
        (ex_ifft, lambda: (_complex(8, 310),)),
        (ex_ifft_roundtrip, lambda: (_f(10, 311),)),
    ],
    "np.fft.ifft2": [(ex_ifft2, lambda: (_complex((4, 4), 312),))],
    "np.fft.ifftn": [(ex_ifftn, lambda: (_complex((2, 3, 4), 313),))],
    "np.fft.ifftshift": [(ex_ifftshift, lambda: (_f((5, 4), 314),))],
    "np.fft.ihfft": [(ex_ihfft, lambda: (_f(8, 315),))],
    "np.fft.irfft": [(ex_irfft, lambda: (_f(15, 316),))],
    "np.fft.irfft2": [(ex_irfft2, lambda: (_f((4, 6), 317),))],
    "np.fft.irfftn": [(ex_irfftn, lambda: (_f((2, 3, 5), 318),))],
    "np.fft.rfft": [
        (ex_rfft, lambda: (_f(16, 319),)),
        (ex_rfft_power, lambda: (_normal((3, 10), 320),)),
    ],
    "np.fft.rfft2": [(ex_rfft2, lambda: (_f((4, 6), 321),))],
    "np.fft.rfftfreq": [(ex_rfftfreq, lambda: (_normal(32, 322),))],
    "np.fft.rfftn": [(ex_rfftn, lambda: (_f((2, 3, 4), 323),))],
}


NOT_ARRAY_FUNCTIONS = {
    "np.savetxt": "file I/O: writes an array to a text file",
    "np.savez": "file I/O: writes arrays to an .npz archive",
    "np.savez_compressed": "file I/O: writes arrays to a compressed .npz archive",
    "np.set_printoptions": "printing configuration",
    "np.setbufsize": "configuration: ufunc buffer size",
    "np.seterr": "configuration: floating-point error handling",
    "np.seterrcall": "configuration: floating-point error callback",
    "np.show_config": "prints NumPy's build configuration",
    "np.show_runtime": "prints NumPy's runtime environment",
    "np.typename": "maps a type character (a str) to a name",
    "np.test": "test runner",
    "np.linalg.test": "test runner",
    "np.fft.test": "test runner",
}
