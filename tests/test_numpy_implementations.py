"""NumPy functions the surface has no entry for run NumPy's own Python
implementation under the tracer (np.outer, np.flip, np.cov, np.linalg.norm,
...), and the primitives those reach (ufunc.outer/accumulate, result_type,
copyto(where=), reductions with where=/initial=, diagonal, repeat,
broadcast_to, median, ...) compile. Each against NumPy on its first and
second call, with no fallback; errors with NumPy's exception class."""

import warnings

import numpy as np
import pytest

import npcompile
from conftest import assert_matches, assert_same
from npcompile import np_compile


def _rng(seed=0):
    return np.random.default_rng(seed)


def f64(*shape, seed=0):
    return lambda: _rng(seed).standard_normal(shape)


def args_of(*makers):
    return lambda: tuple(m() for m in makers)


def ints(*shape, dtype=np.int32, seed=0):
    return lambda: _rng(seed).integers(-9, 10, shape).astype(dtype)


def f32(*shape, seed=0):
    return lambda: _rng(seed).standard_normal(shape).astype(np.float32)


def with_nan(*shape, seed=0):
    def make():
        a = _rng(seed).standard_normal(shape)
        a.flat[::3] = np.nan
        return a
    return make


def spd(n, seed=0):
    def make():
        s = _rng(seed).standard_normal((n, n))
        return s @ s.T + n * np.eye(n)
    return make


# (id, program, argument makers)
CASES = [
    ("outer", lambda a, b: np.outer(a, b), (f64(5), f64(4, seed=1))),
    ("outer_int", lambda a, b: np.outer(a, b), (ints(3), ints(2, 2, seed=1))),
    ("add.outer", lambda a, b: np.add.outer(a, b), (f64(5), f64(2, 3, seed=1))),
    ("greater_equal.outer", lambda a, b: np.greater_equal.outer(a, b), (ints(4), ints(3, seed=1))),
    ("multiply.outer_scalar", lambda a: np.multiply.outer(a, 2.0), (f32(3),)),
    ("add.accumulate", lambda a: np.add.accumulate(a, axis=1), (f64(3, 4),)),
    ("add.accumulate_int8", lambda a: np.add.accumulate(a), (ints(6, dtype=np.int8),)),
    ("multiply.accumulate_bool", lambda a: np.multiply.accumulate(a > 0), (ints(6),)),
    ("flip", lambda a: np.flip(a), (f64(4, 5),)),
    ("flip_axis", lambda a: np.flip(a, 1), (ints(3, 4),)),
    ("fliplr_flipud", lambda a: np.fliplr(a) + np.flipud(a), (f64(4, 4),)),
    ("roll", lambda a: np.roll(a, 2), (f64(4, 5),)),
    ("roll_axis", lambda a: np.roll(a, -1, axis=1), (ints(3, 4),)),
    ("tile", lambda a: np.tile(a, (2, 3)), (f64(2, 3),)),
    ("repeat", lambda a: np.repeat(a, 2, axis=0), (f64(3, 2),)),
    ("repeat_counts", lambda a: np.repeat(a, [1, 0, 3]), (ints(3),)),
    ("repeat_method", lambda a: a.repeat(3), (f32(2, 2),)),
    ("diff", lambda a: np.diff(a, axis=1), (f64(4, 5),)),
    ("diff_n2_int", lambda a: np.diff(a, n=2), (ints(7),)),
    ("tril_triu", lambda a: np.tril(a) - np.triu(a, 1), (f64(4, 4),)),
    ("tril_int_k", lambda a: np.tril(a, -1), (ints(3, 5),)),
    ("trace", lambda a: np.trace(a), (f64(4, 4),)),
    ("trace_int8", lambda a: np.trace(a, offset=1), (ints(3, 4, dtype=np.int8),)),
    ("trace_method_3d", lambda a: a.trace(axis1=1, axis2=2), (f64(2, 3, 3),)),
    ("diag_of_matrix", lambda a: np.diag(a, 1), (f64(4, 5),)),
    ("diagonal", lambda a: np.diagonal(a, -1), (f64(4, 5),)),
    ("diagonal_axes", lambda a: a.diagonal(0, 2, 0), (ints(3, 2, 4),)),
    ("swapaxes", lambda a: np.swapaxes(a, 0, 2) * 2, (f64(2, 3, 4),)),
    ("moveaxis", lambda a: np.moveaxis(a, 0, -1), (f64(2, 3, 4),)),
    ("isclose", lambda a, b: np.isclose(a, b), (f64(4, 3), f64(4, 3, seed=1))),
    ("average", lambda a: np.average(a, axis=0), (f64(4, 3),)),
    ("ptp", lambda a: np.ptp(a, axis=1), (ints(3, 4),)),
    ("cov", lambda a: np.cov(a), (f64(4, 6),)),
    ("cov_rowvar", lambda a: np.cov(a, rowvar=False, ddof=0), (f32(6, 3),)),
    ("meshgrid", lambda a, b: np.meshgrid(a, b), (f64(3), f64(4, seed=1))),
    ("meshgrid_ij", lambda a, b: np.meshgrid(a, b, indexing="ij", sparse=True), (f64(3), f64(4, seed=1))),
    ("broadcast_to", lambda a: np.broadcast_to(a, (3, 5)) * 1.0, (f64(5),)),
    ("broadcast_arrays", lambda a, b: np.broadcast_arrays(a, b), (f64(3, 1), ints(4, seed=1))),
    ("atleast_2d", lambda a: np.atleast_2d(a), (f64(5),)),
    ("stacks", lambda a, b: (np.hstack([a, b]), np.vstack([a, b]), np.dstack([a, b]), np.column_stack([a, b])),
     (f64(4), f64(4, seed=1))),
    ("count_nonzero", lambda a: np.count_nonzero(a), (ints(4, 5),)),
    ("count_nonzero_axis", lambda a: np.count_nonzero(a > 0, axis=1, keepdims=True), (f64(4, 5),)),
    ("tensordot", lambda a, b: np.tensordot(a, b, 1), (f64(4, 5), f64(5, 3, seed=1))),
    ("inner", lambda a, b: np.inner(a, b), (f64(5), f64(5, seed=1))),
    ("inner_2d", lambda a, b: np.inner(a, b), (f64(2, 5), f64(3, 5, seed=1))),
    ("vdot", lambda a, b: np.vdot(a, b), (f64(2, 3), f64(6, seed=1))),
    ("gradient", lambda a: np.gradient(a), (f64(7),)),
    ("gradient_2d", lambda a: np.gradient(a, 0.5, axis=1), (f64(4, 6),)),
    ("sinc", lambda a: np.sinc(a), (f64(6),)),
    ("unwrap", lambda a: np.unwrap(a * 4), (f64(8),)),
    ("trapezoid", lambda a: np.trapezoid(a, dx=0.1), (f64(9),)),
    ("polyval", lambda p, x: np.polyval(p, x), (f64(4), f64(6, seed=1))),
    ("select", lambda a: np.select([a > 0.5, a < -0.5], [a, -a], 0.0), (f64(4, 5),)),
    ("piecewise", lambda a: np.piecewise(a, [a < 0, a >= 0], [-1, 1]), (f64(6),)),
    ("nan_to_num", lambda a: np.nan_to_num(a, nan=-1.0), (with_nan(4, 3),)),
    ("nansum", lambda a: np.nansum(a, axis=0), (with_nan(4, 3),)),
    ("nanprod", lambda a: np.nanprod(a), (with_nan(5),)),
    ("nancumsum", lambda a: np.nancumsum(a), (with_nan(4, 3),)),
    ("append", lambda a: np.append(a, a), (f64(5),)),
    ("fftshift", lambda a: np.fft.fftshift(a) + np.fft.ifftshift(a), (f64(7),)),
    ("tri", lambda a: np.tri(4, 4, -1) * a, (f64(4, 4),)),
    ("cumulative_sum", lambda a: np.cumulative_sum(a, axis=0, include_initial=True), (ints(3, 4),)),
    ("linalg.norm", lambda a: np.linalg.norm(a), (f64(4, 5),)),
    ("linalg.norm_axis", lambda a: np.linalg.norm(a, axis=1), (f64(4, 5),)),
    ("linalg.norm_ord1", lambda a: np.linalg.norm(a, 1), (f64(5),)),
    ("linalg.outer", lambda a, b: np.linalg.outer(a, b), (f64(3), f64(4, seed=1))),
    ("linalg.matrix_power", lambda a: np.linalg.matrix_power(a, 3), (f64(4, 4),)),
    ("ascontiguousarray", lambda a: np.ascontiguousarray(a.T) + 1, (f64(3, 4),)),
    ("median", lambda a: np.median(a), (f64(4, 5),)),
    ("median_axis_keepdims", lambda a: np.median(a, axis=1, keepdims=True), (f64(4, 5),)),
    ("median_int_even", lambda a: np.median(a, axis=0), (ints(4, 3),)),
    ("median_nan", lambda a: np.median(a, axis=1), (with_nan(3, 4),)),
    ("median_float32", lambda a: np.median(a), (f32(5),)),
]


@pytest.mark.parametrize("fn, makers", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_numpy_implementation_compiles(fn, makers):
    assert_matches(fn, args_of(*makers), must_compile=True)


def reductions_with_where_and_initial(a, m):
    return (np.sum(a, axis=0, where=m), np.prod(a, initial=2.0), np.max(a, axis=1, where=m, initial=-5.0),
            np.min(a, initial=0.5), np.mean(a, axis=1, where=m), a.sum(where=m, keepdims=True))


def reductions_int_with_where(a, m):
    return np.sum(a, where=m), np.mean(a, axis=0, where=m), np.max(a, initial=100)


def copyto_where(a, b, m):
    np.copyto(a, b, where=m)
    return a


def copyto_where_cast(a, m):
    np.copyto(a, 7, where=m)
    return a.sum()


def divide_unsafe_into_int(a, b, out):
    np.divide(a, b, out=out, casting="unsafe")
    return out


def mask(shape, seed=3):
    return lambda: _rng(seed).random(shape) > 0.4


@pytest.mark.parametrize("fn, makers", [
    (reductions_with_where_and_initial, (f64(3, 4), mask((3, 4)))),
    (reductions_int_with_where, (ints(3, 4), mask((3, 4)))),
    (copyto_where, (f64(3, 4), f64(4, seed=1), mask((3, 4)))),
    (copyto_where, (f32(3, 4), f64(3, 4, seed=1), mask((4,)))),
    (copyto_where_cast, (ints(5, dtype=np.int16), mask((5,)))),
    (divide_unsafe_into_int, (f64(4), f64(4, seed=1), ints(4))),
], ids=["reductions_float", "reductions_int", "copyto_where", "copyto_where_broadcast_mask", "copyto_where_cast",
        "divide_unsafe_out"])
def test_primitives_the_implementations_reach(fn, makers):
    assert_matches(fn, args_of(*makers), must_compile=True)


@pytest.mark.parametrize("fn, makers", [
    (lambda a: np.diagonal(a, 0, 1, 1), (f64(3, 3),)),
    (lambda a: np.trace(a), (f64(3),)),
    (lambda a: np.repeat(a, [1, 2]), (f64(3),)),
    (lambda a: np.repeat(a, -1), (f64(3),)),
    (lambda a: np.broadcast_to(a, (2, 4)), (f64(3),)),
    (lambda a: np.add.accumulate(a.sum()), (f64(3),)),
    (lambda a: np.max(a, where=a > 0), (f64(3),)),
    (lambda a, b: np.inner(a, b), (f64(3), f64(4))),
    (lambda a: np.copyto(a, 1.5, casting="safe", where=a > 0), (ints(3),)),
    (lambda a, b: np.add(a, b, casting="no"), (f64(3), f32(3))),
    (lambda a: np.diag(a, 0).__setitem__(0, 1.0), (f64(3, 3),)),
    (lambda a: np.broadcast_to(a, (2, 3)).__setitem__(0, 1.0), (f64(3),)),
], ids=["diagonal_same_axes", "trace_1d", "repeat_count_mismatch", "repeat_negative", "broadcast_to_bad_shape",
        "accumulate_scalar", "max_where_without_initial", "inner_mismatch", "copyto_where_safe",
        "add_casting_no", "write_into_diagonal", "write_into_broadcast"])
def test_errors_are_numpys(fn, makers):
    """Each raises in NumPy: the compiled function raises the same class."""
    assert_matches(fn, args_of(*makers))


def test_a_break_inside_numpys_implementation_names_the_users_line():
    def program(a):
        return np.real_if_close(a + 0j)  # a value-dependent check inside NumPy: a break

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = np_compile(program)(np.arange(5.0))
    assert_same(r, program(np.arange(5.0)))
    [w] = [w for w in caught if issubclass(w.category, npcompile.NpCompileWarning)]
    assert w.filename == __file__ and "np.real_if_close" in str(w.message)
    assert w.lineno == program.__code__.co_firstlineno + 1


def specials():
    return np.array([-2.0, -0.5, -0.0, 0.0, 0.5, 3.0, np.inf, -np.inf, np.nan, 1e300])


def cplx(*shape, seed=0):
    def make():
        r = _rng(seed)
        return r.standard_normal(shape) + 1j * r.standard_normal(shape)
    return make


@pytest.mark.parametrize("fn, makers", [
    (lambda a: np.fabs(a), (specials,)),
    (lambda a: np.fabs(a), (ints(5),)),
    (lambda a: np.fabs(a > 0), (ints(5),)),
    (lambda a: np.fabs(a), (f32(4),)),
    (lambda a: np.modf(a), (specials,)),
    (lambda a: np.modf(a), (ints(5),)),
    (lambda a: np.modf(a)[0] * 2, (f32(3, 2),)),
    (lambda a, b: np.vecdot(a, b), (f64(3, 4), f64(4, seed=1))),
    (lambda a, b: np.vecdot(a, b), (cplx(2, 3), cplx(2, 3, seed=1))),
    (lambda a, b: np.vecdot(a, b), (ints(3, 4), ints(3, 4, seed=1))),
    (lambda a, v: np.matvec(a, v), (f64(2, 3, 4), f64(4, seed=1))),
    (lambda v, a: np.vecmat(v, a), (cplx(3), cplx(3, 2, seed=1))),
], ids=["fabs", "fabs_int", "fabs_bool", "fabs_float32", "modf", "modf_int", "modf_float32", "vecdot",
        "vecdot_complex", "vecdot_int", "matvec", "vecmat_complex"])
def test_more_ufuncs_compile(fn, makers):
    assert_matches(fn, args_of(*makers), must_compile=True)


@pytest.mark.parametrize("fn, makers", [
    (lambda a: np.fabs(a), (cplx(3),)),
    (lambda a, b: np.vecdot(a, b), (f64(3), f64(4))),
    (lambda a, v: np.matvec(a, v), (f64(3, 4), f64(3))),
], ids=["fabs_complex", "vecdot_lengths", "matvec_lengths"])
def test_more_ufuncs_errors(fn, makers):
    assert_matches(fn, args_of(*makers))


EINSUMS = [
    ("ij,jk->ik", (f64(3, 4), f64(4, 5, seed=1))),
    ("ij,jk", (f64(3, 4), f64(4, 5, seed=1))),
    ("ij,jk,kl->il", (f64(3, 4), f64(4, 5, seed=1), f64(5, 2, seed=2))),
    ("ii", (f64(4, 4),)),
    ("ii->i", (f64(4, 4),)),
    ("ij->ji", (f64(3, 4),)),
    ("ij->", (ints(3, 4, dtype=np.int8),)),
    ("bij,bjk->bik", (f64(2, 3, 4), f64(2, 4, 5, seed=1))),
    ("i,i", (f64(4), f64(4, seed=1))),
    ("i,j->ij", (f64(4), f64(3, seed=1))),
    ("ij,j->i", (ints(3, 4), ints(4, seed=1))),
    ("ijk,ikl->jl", (f64(2, 3, 4), f64(2, 4, 5, seed=1))),
    ("ij,ij->i", (f32(3, 4), f32(3, 4, seed=1))),
    ("ij,jk->ik", (f32(3, 4), f64(4, 5, seed=1))),
]


@pytest.mark.parametrize("subscripts, makers", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum_compiles(subscripts, makers):
    assert_matches(lambda *a: np.einsum(subscripts, *a), args_of(*makers), must_compile=True)


@pytest.mark.parametrize("subscripts, makers", [
    ("ij,jk->ik", (f64(3, 4), f64(5, 2))),
    ("ij,jk->ik", (f64(3, 4),)),
    ("ijk", (f64(3, 4),)),
    ("ij->k", (f64(3, 4),)),
], ids=["shapes", "operands", "rank", "output_letter"])
def test_einsum_errors(subscripts, makers):
    assert_matches(lambda *a: np.einsum(subscripts, *a), args_of(*makers))


def einsum_diagonal_written(a):
    d = np.einsum("ii->i", a)  # NumPy: a writeable view of a's diagonal
    d[0] = -1.0
    return a


def test_a_write_into_einsums_diagonal_view_runs_numpy():
    assert assert_matches(einsum_diagonal_written, args_of(f64(3, 3))), "expected a fallback"


def test_cross_compiles():
    assert_matches(lambda a, b: np.cross(a, b), args_of(f64(4, 3), f64(4, 3, seed=1)), must_compile=True)


def nan_grid(dtype=np.float64):
    def make():
        a = _rng(4).standard_normal((4, 5))
        a[0, 1] = a[2, 3] = np.nan
        a[:, 4] = np.nan  # an all-NaN column
        return a.astype(dtype)
    return make


NAN_CASES = [
    ("nanmax", lambda a: np.nanmax(a)), ("nanmax_axis", lambda a: np.nanmax(a, axis=0)),
    ("nanmin_keepdims", lambda a: np.nanmin(a, axis=1, keepdims=True)), ("nanmean", lambda a: np.nanmean(a)),
    ("nanmean_axis", lambda a: np.nanmean(a, axis=0)), ("nanvar", lambda a: np.nanvar(a)),
    ("nanvar_ddof", lambda a: np.nanvar(a, axis=1, ddof=1)), ("nanstd_keepdims", lambda a: np.nanstd(a, axis=0, keepdims=True)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("fn", [c[1] for c in NAN_CASES], ids=[c[0] for c in NAN_CASES])
def test_nan_reductions_compile(fn, dtype):
    with np.errstate(all="ignore"):
        assert_matches(fn, args_of(nan_grid(dtype) if dtype != np.int64 else ints(4, 5, dtype=np.int64)),
                       must_compile=True)


@pytest.mark.parametrize("fn, makers", [
    (lambda a, b: np.allclose(a, b), (f64(3, 4), f64(3, 4))),
    (lambda a, b: np.allclose(a, b + 1e-3), (f64(3, 4), f64(3, 4))),
    (lambda a, b: (np.array_equal(a, b), np.array_equal(a, a[:2])), (ints(3, 4), ints(3, 4))),
    (lambda a: np.array_equal(a, a, equal_nan=True), (with_nan(3, 4),)),
    (lambda a, b: np.array_equiv(a, b[:1]), (ints(3, 4), ints(3, 4))),
], ids=["allclose", "allclose_false", "array_equal", "array_equal_nan", "array_equiv"])
def test_python_bool_results(fn, makers):
    """NumPy returns Python bools here: so does the compiled function."""
    assert_matches(fn, args_of(*makers), must_compile=True)


def scatter_two_arrays(a):
    a[[0, 2], [1, 3]] = 7.0
    a[np.diag_indices(3)] = np.arange(3.0)
    a[[1, 1, 2]] += 1.0  # repeated: NumPy's last write
    a[:, [0, 4]] = a[:, [4, 0]]
    a[[0, 0], [1, 1]] = np.array([5.0, 6.0])
    return a


def ufunc_where_out(a, b):
    out = np.zeros_like(a)
    np.subtract(a, b, out=out, where=a > 0)
    np.sqrt(a, out=b, where=a >= 0)
    return out, b


@pytest.mark.parametrize("fn, makers", [
    (scatter_two_arrays, (f64(4, 5),)),
    (ufunc_where_out, (f64(3, 4), f64(3, 4, seed=1))),
], ids=["scatter_static_indices", "ufunc_where_out"])
def test_static_scatter_and_ufunc_where(fn, makers):
    assert_matches(fn, args_of(*makers), must_compile=True)


@pytest.mark.parametrize("fn, makers", [
    (lambda a: a.__setitem__(([0, 1], [1, 2]), np.ones(3)), (f64(3, 3),)),
    (lambda a: a.__setitem__(([0, 5],), 1.0), (f64(3, 3),)),
], ids=["value_shape", "index_out_of_range"])
def test_scatter_and_where_errors_or_fallbacks(fn, makers):
    assert_matches(fn, args_of(*makers))


def putmask_cycling(a, b):
    np.putmask(a, a > 0, b[:3])
    return a


def place_cycling(a, b):
    np.place(a, a < 0, b[:2])
    return a


def put_flat(a, b):
    np.put(a, [0, -1, 5], b[:2])
    a.put([2], 9.0)
    return a


def flat_writes(a, b):
    a.flat[::3] = b.flat[1]
    return a, a.flat[4]


def flags_branches(a, b):
    c = a.T.copy()
    return (a.flags.c_contiguous, a.flags["F_CONTIGUOUS"], c.flags.writeable, a.reshape(-1).flags.c_contiguous)


@pytest.mark.parametrize("fn", [putmask_cycling, place_cycling, put_flat, flat_writes, flags_branches])
def test_in_place_helpers_compile(fn):
    assert_matches(fn, args_of(f64(4, 5), f64(4, 5, seed=1)), must_compile=True)


@pytest.mark.parametrize("fn, makers", [
    (lambda a: np.vander(a, 4), (f64(5),)),
    (lambda a: np.vander(a, increasing=True), (ints(4),)),
    (lambda a: np.clip(a, -0.5, 0.5, out=a), (f64(3, 4),)),
    (lambda a: np.multiply.accumulate(a, axis=1, out=np.empty((3, 4), np.int16)), (f64(3, 4),)),
], ids=["vander", "vander_int_increasing", "clip_out", "accumulate_out_unsafe"])
def test_functions_over_out_and_subok_compile(fn, makers):
    assert_matches(fn, args_of(*makers), must_compile=True)


@pytest.mark.parametrize("fn", [
    lambda a, b: np.put(a, [40], 1.0),
    lambda a, b: np.putmask(a, (a > 0)[:2], b),
    lambda a, b: np.clip(a, 0, 1, out=a.astype(np.int32)),
], ids=["put_out_of_range", "putmask_mask_shape", "clip_out_cast"])
def test_in_place_helper_errors_are_numpys(fn):
    assert_matches(fn, args_of(f64(4, 5), f64(4, 5, seed=1)))


@pytest.mark.parametrize("fn, makers", [
    (lambda a, b: np.concatenate([a, b], dtype=np.float32), (f64(3, 2), ints(2, 2))),
    (lambda a, b: np.concatenate([a, b], axis=None, dtype=np.int16, casting="unsafe"), (f64(3, 2), ints(2, 2))),
    (lambda a, b: np.stack([a, b], axis=1, dtype=np.complex64), (f64(3), f64(3, seed=1))),
    (lambda a, b: np.concatenate([a, b], out=np.zeros((5, 2))), (f64(3, 2), ints(2, 2))),
], ids=["dtype", "dtype_unsafe_flat", "stack_dtype", "out"])
def test_joining_with_dtype_and_out(fn, makers):
    assert_matches(fn, args_of(*makers), must_compile=True)


@pytest.mark.parametrize("fn, makers", [
    (lambda a, b: np.concatenate([a, b], dtype=np.int16), (f64(3, 2), ints(2, 2))),
    (lambda a, b: np.stack([a, b], dtype=np.int8), (f64(3), f64(3, seed=1))),
], ids=["same_kind_refuses", "stack_refuses"])
def test_joining_casting_errors_are_numpys(fn, makers):
    assert_matches(fn, args_of(*makers))
