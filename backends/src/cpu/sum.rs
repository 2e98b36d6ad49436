//! NumPy's float32/float64 `np.add.reduce` (`sum`, and `mean` before its
//! division) on the host, adding in exactly NumPy's order so the bits are
//! NumPy's. libtorch's CPU sum adds in another order (vectorized partial sums),
//! which differs by more than an ulp where values cancel.
//!
//! NumPy (2.x) reduces with a buffered `nditer` over (out, in) and calls its add
//! loop once per inner stretch: where the output does not move along the
//! stretch, `out += pairwise_sum(stretch)`; where it does, `out[j] += in[j]`.
//! Which stretches it forms follows from the operand's strides:
//!
//! 1. the axes are sorted by |stride|, the smallest innermost (an insertion
//!    sort that leaves an axis in place where either stride is 0); negative
//!    strides are *not* flipped (reductions ask for
//!    `NPY_ITER_DONT_NEGATE_STRIDES`);
//! 2. the output is allocated in that order (contiguous over kept axes, stride
//!    0 along reduced ones) and adjacent axes coalesce where both operands'
//!    strides do;
//! 3. `npyiter_find_buffering_setup` picks a "core" and an outer dimension and
//!    whether the input must be buffered (it is cast on the fly, or its strides
//!    do not coalesce): a buffer holds at most 8192 elements (a multiple of the
//!    core) and never crosses the outer dimension. In "reduce mode" the add
//!    loop runs once per core; otherwise once per buffer.
//!
//! `order` reproduces those decisions (`nditer_constr.c`, NumPy 2.3+) from the
//! shape and strides of the array NumPy would see; `run` then walks the tensor
//! holding the values. The result keeps NumPy's layout (its strides), so a
//! later reduction of it sees what NumPy's would.

use crate::plan::PlanError;
use smallvec::SmallVec;
use std::ops::Add;
use tch::{Device, Kind, Tensor};

/// NumPy's default buffer size (`NPY_BUFSIZE`), in elements.
const BUFSIZE: i64 = 8192;

/// A view step between a base tensor and the array NumPy reduces, replayed on
/// strides only (libtorch cannot hold negative strides; NumPy's view has them).
#[derive(Debug, Clone)]
pub enum ViewStep {
    /// Result axis `i` is operand axis `perm[i]`.
    Permute(Vec<i64>),
    /// (start, len, step) per leading axis.
    Slice(Vec<(i64, i64, i64)>),
    /// A reshape that only inserts or removes axes of length 1 (`expand_dims`,
    /// `squeeze`): the other axes keep their strides.
    Reshape(Vec<i64>),
}

/// True where `to` is `from` with axes of length 1 inserted or removed.
pub fn only_unit_axes(from: &[i64], to: &[i64]) -> bool {
    from.iter()
        .filter(|&&n| n != 1)
        .eq(to.iter().filter(|&&n| n != 1))
}

/// The shape and element strides of the array NumPy reduces: `base`'s, with
/// `steps` applied.
pub fn replay(shape: &[i64], strides: &[i64], steps: &[ViewStep]) -> (Vec<i64>, Vec<i64>) {
    let (mut shape, mut strides) = (shape.to_vec(), strides.to_vec());
    for step in steps {
        match step {
            ViewStep::Permute(perm) => {
                let pick = |v: &[i64]| -> Vec<i64> {
                    perm.iter()
                        .map(|&p| v.get(p as usize).copied().unwrap_or(0))
                        .collect()
                };
                (shape, strides) = (pick(&shape), pick(&strides));
            }
            ViewStep::Slice(dims) => {
                for (k, &(_, len, step)) in dims.iter().enumerate() {
                    if let (Some(n), Some(s)) = (shape.get_mut(k), strides.get_mut(k)) {
                        *n = len;
                        *s *= step;
                    }
                }
            }
            ViewStep::Reshape(to) if only_unit_axes(&shape, to) => {
                let mut kept = shape.iter().zip(&strides).filter(|(&n, _)| n != 1);
                strides = to
                    .iter()
                    .map(|&n| match n {
                        1 => 0,
                        _ => kept.next().map_or(0, |(_, &s)| s),
                    })
                    .collect();
                shape = to.clone();
            }
            // Not a view step `lower` records; the shape check in `host_sum`
            // then falls back to the values' own strides.
            ViewStep::Reshape(to) => shape = to.clone(),
        }
    }
    (shape, strides)
}

/// One iterator dimension (fastest first): its length and the input's and the
/// output's strides along it, in elements.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Dim {
    shape: i64,
    s_in: i64,
    s_out: i64,
}

/// NumPy's iteration of one reduction.
#[derive(Debug)]
struct Order {
    /// The input's axes in iteration order (fastest first), not coalesced, with
    /// the logical axis each one is.
    sorted: Vec<(usize, Dim)>,
    /// The same after coalescing.
    dims: Vec<Dim>,
    /// Elements per block (the dimensions up to the outer one): no add-loop
    /// call crosses a block.
    block: i64,
    /// Elements per add-loop call within a block (the last one may be shorter).
    call: i64,
    /// Whether a call's output stays put (`out += pairwise(call)`).
    pairwise: bool,
    /// Elements of the output.
    n_out: i64,
}

/// NumPy's iteration for `add.reduce(x, axes)` where `x` has `shape` and
/// element `strides` and is cast on the fly (`cast`, buffered) or not.
fn order(shape: &[i64], strides: &[i64], reduced: &[bool], cast: bool) -> Order {
    let nd = shape.len();
    // Iterator axes, fastest (the last axis) first; size-1 axes have stride 0.
    let axes: Vec<(usize, i64, i64, bool)> = (0..nd)
        .rev()
        .map(|a| {
            let s = if shape[a] == 1 { 0 } else { strides[a] };
            (a, shape[a], s, reduced[a])
        })
        .collect();
    // npyiter_find_best_axis_ordering: a stable insertion sort by |stride|,
    // where a zero stride is ambiguous and moves nothing. The output is not
    // allocated yet (its strides are 0), so the input alone decides.
    let mut perm: Vec<usize> = (0..nd).collect();
    for i0 in 1..nd {
        let j0 = perm[i0];
        let s0 = axes[j0].2;
        let mut ipos = i0;
        for i1 in (0..i0).rev() {
            let s1 = axes[perm[i1]].2;
            if s0 != 0 && s1 != 0 {
                if s1.unsigned_abs() <= s0.unsigned_abs() {
                    break;
                }
                ipos = i1;
            }
        }
        if ipos != i0 {
            perm.remove(i0);
            perm.insert(ipos, j0);
        }
    }
    // The output, allocated in iteration order over the kept axes.
    let mut run = 1i64;
    let mut sorted = Vec::with_capacity(nd);
    for &j in &perm {
        let (a, n, s_in, red) = axes[j];
        let s_out = if red || n == 1 { 0 } else { run };
        if !red {
            run *= n;
        }
        sorted.push((
            a,
            Dim {
                shape: n,
                s_in,
                s_out,
            },
        ));
    }
    let n_out = run;
    // npyiter_coalesce_axes.
    let mut dims: Vec<Dim> = Vec::with_capacity(nd.max(1));
    for &(_, d) in &sorted {
        match dims.last_mut() {
            Some(last) if joins(last, &d) => {
                last.shape *= d.shape;
                if last.s_in == 0 {
                    last.s_in = d.s_in;
                }
                if last.s_out == 0 {
                    last.s_out = d.s_out;
                }
            }
            _ => dims.push(d),
        }
    }
    if dims.is_empty() {
        dims.push(Dim {
            shape: 1,
            s_in: 0,
            s_out: 0,
        });
    }
    // npyiter_find_buffering_setup, for op 0 = the output (a reduce operand
    // where any axis is reduced) and op 1 = the input (buffered if cast).
    let reduces = reduced.iter().any(|&r| r);
    let m = dims.len();
    let mut cost = 1 + cast as i64;
    let mut single = [1usize, 1usize];
    let mut reduce_outer = [0usize, 0usize];
    let mut outer_reduce_dim = 0usize;
    let mut size = dims[0].shape;
    let (mut best_dim, mut best_cost, mut best_size, mut best_core) = (0usize, cost, size, 1i64);
    let stride = |d: &Dim, op: usize| if op == 0 { d.s_out } else { d.s_in };
    for idim in 1..m {
        if outer_reduce_dim != 0 {
            break;
        }
        if size >= BUFSIZE && cost > 1 {
            break;
        }
        let (prev, cur) = (dims[idim - 1], dims[idim]);
        for op in 0..2 {
            if single[op] == idim {
                if stride(&prev, op) * prev.shape == stride(&cur, op) {
                    single[op] += 1;
                    continue;
                }
                if !(op == 1 && cast) {
                    cost += 1;
                }
            }
            if op == 0 && reduces && (stride(&cur, 0) == 0 || stride(&prev, 0) == 0) {
                reduce_outer[op] = idim;
                outer_reduce_dim = idim;
            }
        }
        let core = size;
        size *= cur.shape;
        if size == 0 {
            break;
        }
        let bufsize = if size > BUFSIZE && cost > 1 {
            BUFSIZE
        } else {
            size
        };
        if (cost as f64) * (best_size as f64) <= (best_cost as f64) * (bufsize as f64) {
            (best_dim, best_cost, best_size, best_core) = (idim, cost, size, core);
        }
    }
    let using_reduce = outer_reduce_dim != 0 && best_dim == outer_reduce_dim;
    let mut must_buffer = false;
    for op in 0..2 {
        let cast_op = op == 1 && cast;
        let is_reduce_op = using_reduce
            && (reduce_outer[op] == best_dim
                || (single[op] == best_dim && !cast_op)
                || (stride(&dims[outer_reduce_dim], op) == 0 && single[op] <= best_dim));
        if cast_op || single[op] + (is_reduce_op as usize) <= best_dim {
            must_buffer = true;
        }
    }
    let block: i64 = dims[..=best_dim].iter().map(|d| d.shape).product();
    let bufsize = if must_buffer && BUFSIZE < best_size {
        best_core * (BUFSIZE / best_core)
    } else {
        best_size
    };
    let in_call = if using_reduce {
        &dims[..best_dim]
    } else {
        &dims[..=best_dim]
    };
    Order {
        pairwise: in_call.iter().all(|d| d.s_out == 0),
        call: if using_reduce { best_core } else { bufsize },
        sorted,
        dims,
        block,
        n_out,
    }
}

/// `npyiter_coalesce_axes`' test, for both operands.
fn joins(a: &Dim, b: &Dim) -> bool {
    let ok = |sa: i64, sb: i64| {
        (a.shape == 1 && sa == 0) || (b.shape == 1 && sb == 0) || sa * a.shape == sb
    };
    ok(a.s_in, b.s_in) && ok(a.s_out, b.s_out)
}

/// The float types NumPy's add loops accumulate in (their own).
pub trait Float: Copy + Add<Output = Self> {
    const ZERO: Self;
    fn div_count(self, n: f64) -> Self;
}

impl Float for f32 {
    const ZERO: Self = 0.0;
    /// NumPy's mean divides by an intp count: float32 / int64 computes in
    /// float64 and is cast back.
    fn div_count(self, n: f64) -> Self {
        (self as f64 / n) as f32
    }
}

impl Float for f64 {
    const ZERO: Self = 0.0;
    fn div_count(self, n: f64) -> Self {
        self / n
    }
}

/// NumPy's `pairwise_sum` over a contiguous run: below 8 elements a plain
/// loop; up to 128, eight accumulators combined as a tree, then the rest in
/// order; beyond, the two halves split at a multiple of 8.
fn pairwise<T: Float>(x: &[T]) -> T {
    let n = x.len();
    if n < 8 {
        let mut res = T::ZERO;
        for &v in x {
            res = res + v;
        }
        res
    } else if n <= 128 {
        let mut r = [x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]];
        let m = n - n % 8;
        for (k, c) in x[8..m].chunks_exact(8).enumerate() {
            // As NumPy's loop: fetch 512 bytes ahead.
            prefetch(
                x.as_ptr()
                    .wrapping_add(8 * k + 8 + 512 / std::mem::size_of::<T>()),
            );
            for j in 0..8 {
                r[j] = r[j] + c[j];
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &x[m..] {
            res = res + v;
        }
        res
    } else {
        let n2 = n / 2;
        let n2 = n2 - n2 % 8;
        pairwise(&x[..n2]) + pairwise(&x[n2..])
    }
}

/// A hint to load the cache line at `p` (never dereferenced).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch only hints the cache; it does not fault on any address.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// `pairwise` over `n` elements `stride` apart from `p`.
///
/// # Safety
/// `p + i * stride` must be readable for every `i < n`.
unsafe fn pairwise_strided<T: Float>(p: *const T, n: usize, stride: isize) -> T {
    if stride == 1 {
        return pairwise(std::slice::from_raw_parts(p, n));
    }
    let at = |i: usize| *p.offset(i as isize * stride);
    if n < 8 {
        let mut res = T::ZERO;
        for i in 0..n {
            res = res + at(i);
        }
        res
    } else if n <= 128 {
        let mut r = [at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)];
        let m = n - n % 8;
        let mut i = 8;
        while i < m {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj = *rj + at(i + j);
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for i in m..n {
            res = res + at(i);
        }
        res
    } else {
        let n2 = n / 2;
        let n2 = n2 - n2 % 8;
        pairwise_strided(p, n2, stride)
            + pairwise_strided(p.offset(n2 as isize * stride), n - n2, stride)
    }
}

/// Calls `f(in_offset, out_offset, len)` for each stretch of the iteration
/// range `[a, a + n)` along the fastest dimension.
fn stretches(dims: &[Dim], a: i64, n: i64, mut f: impl FnMut(i64, i64, i64)) {
    let mut idx: SmallVec<[i64; 8]> = smallvec::smallvec![0; dims.len()];
    let (mut off_in, mut off_out, mut rem) = (0i64, 0i64, a);
    for (k, d) in dims.iter().enumerate() {
        if rem == 0 {
            break;
        }
        idx[k] = rem % d.shape;
        rem /= d.shape;
        off_in += idx[k] * d.s_in;
        off_out += idx[k] * d.s_out;
    }
    let mut left = n;
    while left > 0 {
        let len = (dims[0].shape - idx[0]).min(left);
        f(off_in, off_out, len);
        left -= len;
        if left == 0 {
            break;
        }
        // Advance the odometer by `len` (to the start of the next stretch).
        off_in += len * dims[0].s_in;
        off_out += len * dims[0].s_out;
        idx[0] += len;
        let mut k = 0;
        while k + 1 < dims.len() && idx[k] == dims[k].shape {
            off_in -= idx[k] * dims[k].s_in;
            off_out -= idx[k] * dims[k].s_out;
            idx[k] = 0;
            k += 1;
            idx[k] += 1;
            off_in += dims[k].s_in;
            off_out += dims[k].s_out;
        }
    }
}

/// One call of NumPy's add loop over the iteration range `[a, a + n)` of
/// `dims`, whose first element is at `src + base_in` (output: `out + base_out`).
///
/// # Safety
/// As `run`.
#[allow(clippy::too_many_arguments)]
unsafe fn add_loop<T: Float>(
    dims: &[Dim],
    a: i64,
    n: i64,
    pairwise_call: bool,
    src: *const T,
    out: *mut T,
    (base_in, base_out): (i64, i64),
    scratch: &mut Vec<T>,
) {
    let (si, so) = (dims[0].s_in as isize, dims[0].s_out as isize);
    if pairwise_call {
        // One stretch: straight from memory; several: through a buffer, as
        // NumPy's own copy into its buffer.
        let mut at_out = 0;
        let v = if a % dims[0].shape + n <= dims[0].shape {
            let mut r = T::ZERO;
            stretches(dims, a, n, |i, oo, len| {
                at_out = oo;
                r = pairwise_strided(src.offset((base_in + i) as isize), len as usize, si);
            });
            r
        } else {
            scratch.clear();
            stretches(dims, a, n, |i, oo, len| {
                at_out = oo;
                let p = src.offset((base_in + i) as isize);
                scratch.extend((0..len as isize).map(|j| *p.offset(j * si)));
            });
            pairwise(scratch)
        };
        let p = out.offset((base_out + at_out) as isize);
        *p = *p + v;
        return;
    }
    stretches(dims, a, n, |i, oo, len| {
        let (x, y) = (
            src.offset((base_in + i) as isize),
            out.offset((base_out + oo) as isize),
        );
        if si == 1 && so == 1 {
            let x = std::slice::from_raw_parts(x, len as usize);
            let y = std::slice::from_raw_parts_mut(y, len as usize);
            for (y, &x) in y.iter_mut().zip(x) {
                *y = *y + x;
            }
        } else {
            for j in 0..len as isize {
                let p = y.offset(j * so);
                *p = *p + *x.offset(j * si);
            }
        }
    });
}

/// Runs the reduction: `src` points at the element at all zero indices, `dims`
/// address it and `out` (zero-initialized, `n_out` elements).
///
/// # Safety
/// Every offset `dims` reach from `src` is readable, and from `out` writable.
unsafe fn run<T: Float>(o: &Order, dims: &[Dim], src: *const T, out: *mut T) {
    let total: i64 = dims.iter().map(|d| d.shape).product();
    if total == 0 || o.block <= 0 || o.call <= 0 {
        return;
    }
    let mut scratch: Vec<T> = Vec::new();
    // Calls that cover whole leading dimensions (every unbuffered call, and a
    // core in reduce mode): walk the remaining dimensions with an odometer.
    let (mut inner, mut c) = (1i64, 0usize);
    while c < dims.len() && (c == 0 || inner < o.call) {
        inner *= dims[c].shape;
        c += 1;
    }
    if inner == o.call && o.block % o.call == 0 {
        let (lo, hi) = dims.split_at(c);
        let mut idx: SmallVec<[i64; 8]> = smallvec::smallvec![0; hi.len()];
        let (mut off_in, mut off_out) = (0i64, 0i64);
        loop {
            add_loop(
                lo,
                0,
                inner,
                o.pairwise,
                src,
                out,
                (off_in, off_out),
                &mut scratch,
            );
            let mut k = 0;
            loop {
                let Some(d) = hi.get(k) else {
                    return;
                };
                idx[k] += 1;
                off_in += d.s_in;
                off_out += d.s_out;
                if idx[k] < d.shape {
                    break;
                }
                off_in -= idx[k] * d.s_in;
                off_out -= idx[k] * d.s_out;
                idx[k] = 0;
                k += 1;
            }
        }
    }
    // Buffers of a block that do not cover whole dimensions.
    let mut start = 0;
    while start < total {
        let end = (start + o.block).min(total);
        let mut a = start;
        while a < end {
            let n = o.call.min(end - a);
            add_loop(dims, a, n, o.pairwise, src, out, (0, 0), &mut scratch);
            a += n;
        }
        start = end;
    }
}

/// One float `sum`/`mean` planned for an operand of known shape and strides:
/// NumPy's iteration, the walk over the memory that holds the values, and the
/// result's layout.
#[derive(Debug)]
pub struct SumPlan {
    o: Order,
    dims: Vec<Dim>,
    /// The elements each result element sums (the mean's divisor).
    count: i64,
    mean: bool,
    /// Per axis of the operand: the result's stride along it (NumPy's
    /// allocation order over the kept axes; 0 along reduced ones).
    out_strides: Vec<i64>,
}

impl SumPlan {
    /// The sum over the `reduced` axes of values of `shape` at element
    /// `strides`, where NumPy iterates an array with `numpy_strides` (the
    /// same, unless the values are a copy of what NumPy reads); `buffered`:
    /// NumPy casts on the fly.
    pub fn new(
        shape: &[i64],
        strides: &[i64],
        numpy_strides: &[i64],
        reduced: &[bool],
        mean: bool,
        buffered: bool,
    ) -> SumPlan {
        let nd = shape.len();
        let o = order(shape, numpy_strides, reduced, buffered);
        // Walk the coalesced dimensions where the values sit as NumPy's would;
        // otherwise the sorted axes, each with the values' own stride.
        let same = (0..nd).all(|a| shape[a] <= 1 || numpy_strides[a] == strides[a]);
        let dims: Vec<Dim> = if same {
            o.dims.clone()
        } else {
            let mut v: Vec<Dim> = o
                .sorted
                .iter()
                .filter(|(_, d)| d.shape != 1)
                .map(|&(a, d)| Dim {
                    s_in: strides[a],
                    ..d
                })
                .collect();
            if v.is_empty() {
                v.push(Dim {
                    shape: 1,
                    s_in: 0,
                    s_out: 0,
                });
            }
            v
        };
        let mut out_strides = vec![0i64; nd];
        for &(a, d) in &o.sorted {
            out_strides[a] = d.s_out;
        }
        let count = (0..nd).filter(|&a| reduced[a]).map(|a| shape[a]).product();
        SumPlan {
            o,
            dims,
            count,
            mean,
            out_strides,
        }
    }

    /// The result's elements.
    pub fn n_out(&self) -> i64 {
        self.o.n_out
    }

    /// Per axis of the operand, the result's stride along it (0 where reduced).
    pub fn out_strides(&self) -> &[i64] {
        &self.out_strides
    }

    /// Whether NumPy sums each row of a `[rows, cols]` operand (reduced along
    /// its last axis) as one pairwise run of that row, in column order, and
    /// adds it to a zeroed result element: then any batch of whole rows can
    /// be summed apart from the others (`row_sums`) with NumPy's bits.
    pub fn row_pairwise(&self, cols: i64) -> bool {
        let o = &self.o;
        cols > 0
            && o.pairwise
            && o.call == cols
            && o.block % cols == 0
            && o.dims.len() == 2
            && o.dims[0].shape == cols
            && o.dims[0].s_out == 0
            && o.dims[1].s_out == 1
    }

    /// Sums into `out` (`n_out` elements, overwritten), then divides a mean.
    ///
    /// # Safety
    /// `src` addresses the values (of `T`) at the shape and strides the plan
    /// was made for; `out` holds `n_out` writable elements of `T`.
    pub unsafe fn run_raw<T: Float>(&self, src: *const T, out: *mut T) {
        let out_s = std::slice::from_raw_parts_mut(out, self.o.n_out.max(0) as usize);
        out_s.iter_mut().for_each(|v| *v = T::ZERO);
        run::<T>(&self.o, &self.dims, src, out);
        if self.mean {
            out_s
                .iter_mut()
                .for_each(|v| *v = v.div_count(self.count as f64));
        }
    }
}

/// The sums (or means) of `rows` rows of `cols` elements, each NumPy's
/// pairwise run over its row (where `SumPlan::row_pairwise` holds): row `r`
/// starts `r * s_row` elements from `src`, its elements `s_col` apart, and
/// its result goes `r * s_out` elements from `out`.
///
/// # Safety
/// Every element so addressed is readable (`src`) or writable (`out`).
pub unsafe fn row_sums<T: Float>(
    rows: usize,
    cols: usize,
    (src, s_row, s_col): (*const T, isize, isize),
    (out, s_out): (*mut T, isize),
    mean: bool,
) {
    for r in 0..rows as isize {
        let v = pairwise_strided(src.offset(r * s_row), cols, s_col);
        *out.offset(r * s_out) = if mean {
            (T::ZERO + v).div_count(cols as f64)
        } else {
            T::ZERO + v
        };
    }
}

/// NumPy's float `sum` (or `mean`) of `data` over `axes`, on the host.
/// `layout`, where given, is the tensor whose strides (after `view`) are the
/// array NumPy iterates (the operand of an on-the-fly cast, or the base of a
/// view libtorch could not hold); `buffered` is NumPy's on-the-fly cast.
pub fn host_sum(
    data: &Tensor,
    layout: Option<&Tensor>,
    view: &[ViewStep],
    axes: &[i64],
    keepdim: bool,
    mean: bool,
    buffered: bool,
) -> Result<Tensor, PlanError> {
    let kind = data.kind();
    if data.device() != Device::Cpu || !matches!(kind, Kind::Float | Kind::Double) {
        return Err(PlanError::Torch(format!(
            "the host sum takes float32/float64 on the CPU, not {kind:?} on {:?}",
            data.device()
        )));
    }
    let shape = data.size();
    let nd = shape.len();
    let mut reduced = vec![false; nd];
    for &a in axes {
        match reduced.get_mut(a as usize) {
            Some(r) => *r = true,
            None => {
                return Err(PlanError::Torch(format!(
                    "axis {a} out of range for ndim {nd}"
                )))
            }
        }
    }
    let d_strides = data.stride();
    // The strides NumPy sees; the tensor's own where the layout does not fit.
    let l_strides = match layout {
        Some(base) => {
            let (s, st) = replay(&base.size(), &base.stride(), view);
            if s == shape {
                st
            } else {
                d_strides.clone()
            }
        }
        None => d_strides.clone(),
    };
    let plan = SumPlan::new(&shape, &d_strides, &l_strides, &reduced, mean, buffered);
    let out = Tensor::f_empty([plan.n_out()], (kind, Device::Cpu))?;
    // SAFETY: the plan walks the data tensor's own shape and strides
    // (reordered, coalesced only where the strides agree), so every offset
    // reached from its first element lies in the tensor; the output offsets
    // stay below `n_out` (NumPy's allocation order over the kept axes). Both
    // tensors live here.
    unsafe {
        if kind == Kind::Float {
            plan.run_raw::<f32>(data.data_ptr() as *const f32, out.data_ptr() as *mut f32);
        } else {
            plan.run_raw::<f64>(data.data_ptr() as *const f64, out.data_ptr() as *mut f64);
        }
    }
    // The result in NumPy's layout: its strides are the output's allocation order.
    let (mut size, mut stride) = (vec![], vec![]);
    for a in 0..nd {
        if !reduced[a] {
            size.push(shape[a]);
            stride.push(plan.out_strides()[a]);
        } else if keepdim {
            size.push(1);
            stride.push(0);
        }
    }
    Ok(out.f_as_strided(size.as_slice(), stride.as_slice(), 0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(shape: &[i64], reduced: &[bool], cast: bool) -> Order {
        let mut strides = vec![1i64; shape.len()];
        for a in (0..shape.len().saturating_sub(1)).rev() {
            strides[a] = strides[a + 1] * shape[a + 1];
        }
        order(shape, &strides, reduced, cast)
    }

    #[test]
    fn contiguous_runs_are_one_call_each() {
        // (3, 10000) over axis 1: one pairwise sum per row, unchunked...
        let o = plan(&[3, 10000], &[false, true], false);
        assert!(o.pairwise);
        assert_eq!((o.block, o.call), (10000, 10000));
        // ... and in chunks of 8192 where the input is cast on the fly.
        let o = plan(&[3, 10000], &[false, true], true);
        assert_eq!((o.block, o.call), (10000, 8192));
        // Axis 0 of (2000, 2000): rows added elementwise.
        let o = plan(&[2000, 2000], &[true, false], false);
        assert!(!o.pairwise);
        assert_eq!(o.call, 2000);
        // Everything of a contiguous array: one run.
        let o = plan(&[4, 5, 6], &[true, true, true], false);
        assert_eq!(o.dims.len(), 1);
        assert_eq!((o.block, o.call), (120, 120));
    }

    #[test]
    fn rows_that_do_not_coalesce_are_buffered() {
        // x[::-1] of a (50, 300) array summed whole: NumPy copies 27 rows (8100
        // elements) at a time into its buffer and adds each buffer pairwise.
        let o = order(&[50, 300], &[-300, 1], &[true, true], false);
        assert!(o.pairwise);
        assert_eq!((o.block, o.call), (15000, 8100));
    }

    #[test]
    fn pairwise_matches_numpys_tree() {
        // Eight accumulators: 1e16 + 1 + ... loses each 1 alone but not in pairs.
        let mut x = vec![1.0f64; 16];
        x[0] = 1e16;
        // r0 = 1e16 + 1 (rounds to 1e16), r1..r7 = 2; ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))
        assert_eq!(pairwise(&x), ((1e16 + 2.0) + 4.0) + 8.0);
        assert_eq!(pairwise(&x[..7]), 1e16 + 1.0 + 1.0 + 1.0 + 1.0 + 1.0 + 1.0);
    }
}
