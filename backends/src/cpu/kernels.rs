//! Typed loops over strided memory: the native executor's kernels. An operand
//! is a pointer to its first element and a stride per axis, in elements (any
//! sign, 0 where it is broadcast); the result's shape drives the loop. NumPy's
//! bits: IEEE arithmetic in the operands' own width, integer wraparound, one
//! rounding per NumPy ufunc (`s + t1 * t2` rounds twice, as NumPy's separate
//! multiply and add do).

use smallvec::SmallVec;

pub type Strides = SmallVec<[isize; 4]>;

/// An operand: its first element and its strides (in elements) along the
/// result's axes, broadcast axes at stride 0.
#[derive(Clone, Copy)]
pub struct Raw<'a> {
    pub ptr: *mut u8,
    pub strides: &'a [isize],
}

/// The C-order strides of `shape`, in elements.
pub fn c_strides(shape: &[i64]) -> Strides {
    let mut s: Strides = SmallVec::from_elem(0, shape.len());
    let mut acc = 1isize;
    for (d, &n) in shape.iter().enumerate().rev() {
        s[d] = acc;
        acc *= n.max(1) as isize;
    }
    s
}

/// Whether `strides` walk `shape` in C order (length-1 axes at any stride).
pub fn c_ordered(shape: &[i64], strides: &[isize]) -> bool {
    shape
        .iter()
        .zip(strides.iter().zip(&c_strides(shape)))
        .all(|(&d, (&x, &y))| d == 1 || x == y)
}

/// `strides` of an operand of `shape` seen along the axes of `out` (NumPy's
/// broadcasting: aligned at the right, length-1 axes at stride 0).
pub fn broadcast_strides(out: &[i64], shape: &[i64], strides: &[isize]) -> Strides {
    let lead = out.len() - shape.len();
    (0..out.len())
        .map(|d| {
            if d < lead {
                0
            } else {
                let j = d - lead;
                if shape[j] == 1 && out[d] != 1 {
                    0
                } else {
                    strides[j]
                }
            }
        })
        .collect()
}

/// Calls `f` with the element offsets of `K` operands at every index of
/// `shape`, in C order (the last axis innermost).
#[inline(always)]
pub fn each_index<const K: usize>(shape: &[i64], st: [&[isize]; K], mut f: impl FnMut([isize; K])) {
    if shape.contains(&0) {
        return;
    }
    let rank = shape.len();
    if rank == 0 {
        f([0; K]);
        return;
    }
    let inner = shape[rank - 1];
    let step: [isize; K] = std::array::from_fn(|k| st[k][rank - 1]);
    let mut idx: SmallVec<[i64; 6]> = SmallVec::from_elem(0, rank);
    let mut base = [0isize; K];
    loop {
        let mut off = base;
        for _ in 0..inner {
            f(off);
            for k in 0..K {
                off[k] += step[k];
            }
        }
        let mut d = rank - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            for k in 0..K {
                base[k] += st[k][d];
            }
            if idx[d] < shape[d] {
                break;
            }
            for k in 0..K {
                base[k] -= st[k][d] * shape[d] as isize;
            }
            idx[d] = 0;
        }
    }
}

/// Calls `f` with the element offsets of `K` operands at the start of every
/// row (the last axis) of `shape`, in C order; `f` walks the row itself.
#[inline(always)]
pub fn each_row<const K: usize>(shape: &[i64], st: [&[isize]; K], mut f: impl FnMut([isize; K])) {
    let rank = shape.len();
    if rank == 0 {
        f([0; K]);
        return;
    }
    let outer: [&[isize]; K] = std::array::from_fn(|k| &st[k][..rank - 1]);
    each_index(&shape[..rank - 1], outer, f);
}

/// Whether every operand is C-ordered over `shape` or one element broadcast
/// (then the loop is over one flat index), and which are the full ones.
fn flat<const K: usize>(shape: &[i64], st: [&[isize]; K]) -> Option<[bool; K]> {
    let c = c_strides(shape);
    let mut full = [false; K];
    for k in 0..K {
        let s = st[k];
        if shape
            .iter()
            .zip(s.iter().zip(&c))
            .all(|(&n, (&a, &b))| n == 1 || a == b)
        {
            full[k] = true;
        } else if !s.iter().all(|&a| a == 0) {
            return None;
        }
    }
    Some(full)
}

/// `out = f(a)` elementwise.
///
/// # Safety
/// Every operand addresses valid elements of its type at every index of
/// `shape`; `out` does not overlap an operand except at the same index.
#[inline(always)]
pub unsafe fn map1<A: Copy, R: Copy>(shape: &[i64], out: Raw, a: Raw, f: impl Fn(A) -> R) {
    let (o, x) = (out.ptr as *mut R, a.ptr as *const A);
    if shape.iter().all(|&n| n == 1) {
        *o = f(*x);
        return;
    }
    match flat(shape, [out.strides, a.strides]) {
        Some([true, true]) => {
            let n = shape.iter().product::<i64>() as usize;
            for i in 0..n {
                *o.add(i) = f(*x.add(i));
            }
        }
        _ => {
            let rank = shape.len();
            let (len, so, sx) = (
                shape[rank - 1] as usize,
                out.strides[rank - 1],
                a.strides[rank - 1],
            );
            each_row(shape, [out.strides, a.strides], |[i, j]| {
                let (o, x) = (o.offset(i), x.offset(j));
                match (so, sx) {
                    (1, 1) => (0..len).for_each(|t| *o.add(t) = f(*x.add(t))),
                    (1, 0) => {
                        let v = f(*x);
                        (0..len).for_each(|t| *o.add(t) = v)
                    }
                    _ => (0..len as isize).for_each(|t| *o.offset(t * so) = f(*x.offset(t * sx))),
                }
            })
        }
    }
}

/// `out = f(a, b)` elementwise, with broadcasting (strides 0).
///
/// # Safety
/// As `map1`.
#[inline(always)]
pub unsafe fn map2<A: Copy, B: Copy, R: Copy>(
    shape: &[i64],
    out: Raw,
    a: Raw,
    b: Raw,
    f: impl Fn(A, B) -> R,
) {
    let (o, x, y) = (out.ptr as *mut R, a.ptr as *const A, b.ptr as *const B);
    let n = shape.iter().product::<i64>() as usize;
    if n == 1 {
        *o = f(*x, *y);
        return;
    }
    match flat(shape, [out.strides, a.strides, b.strides]) {
        Some([true, true, true]) => {
            for i in 0..n {
                *o.add(i) = f(*x.add(i), *y.add(i));
            }
        }
        Some([true, true, false]) => {
            let v = *y;
            for i in 0..n {
                *o.add(i) = f(*x.add(i), v);
            }
        }
        Some([true, false, true]) => {
            let u = *x;
            for i in 0..n {
                *o.add(i) = f(u, *y.add(i));
            }
        }
        _ => {
            // Row by row, with the row's strides hoisted so the common
            // cases (unit or broadcast) vectorize.
            let rank = shape.len();
            let (len, so, sx, sy) = (
                shape[rank - 1] as usize,
                out.strides[rank - 1],
                a.strides[rank - 1],
                b.strides[rank - 1],
            );
            each_row(shape, [out.strides, a.strides, b.strides], |[i, j, k]| {
                let (o, x, y) = (o.offset(i), x.offset(j), y.offset(k));
                match (so, sx, sy) {
                    (1, 1, 1) => (0..len).for_each(|t| *o.add(t) = f(*x.add(t), *y.add(t))),
                    (1, 1, 0) => {
                        let v = *y;
                        (0..len).for_each(|t| *o.add(t) = f(*x.add(t), v))
                    }
                    (1, 0, 1) => {
                        let u = *x;
                        (0..len).for_each(|t| *o.add(t) = f(u, *y.add(t)))
                    }
                    _ => (0..len as isize)
                        .for_each(|t| *o.offset(t * so) = f(*x.offset(t * sx), *y.offset(t * sy))),
                }
            })
        }
    }
}

/// `out = f(a, b, c)` elementwise, with broadcasting.
///
/// # Safety
/// As `map1`.
#[inline(always)]
pub unsafe fn map3<A: Copy, B: Copy, C: Copy, R: Copy>(
    shape: &[i64],
    out: Raw,
    a: Raw,
    b: Raw,
    c: Raw,
    f: impl Fn(A, B, C) -> R,
) {
    let (o, x, y, z) = (
        out.ptr as *mut R,
        a.ptr as *const A,
        b.ptr as *const B,
        c.ptr as *const C,
    );
    let n = shape.iter().product::<i64>() as usize;
    if n == 1 {
        *o = f(*x, *y, *z);
        return;
    }
    match flat(shape, [out.strides, a.strides, b.strides, c.strides]) {
        Some([true, true, true, true]) => {
            for i in 0..n {
                *o.add(i) = f(*x.add(i), *y.add(i), *z.add(i));
            }
        }
        _ => {
            let rank = shape.len();
            let last = |s: &[isize]| s[rank - 1];
            let (len, so, sx, sy, sz) = (
                shape[rank - 1] as usize,
                last(out.strides),
                last(a.strides),
                last(b.strides),
                last(c.strides),
            );
            each_row(
                shape,
                [out.strides, a.strides, b.strides, c.strides],
                |[i, j, k, l]| {
                    let (o, x, y, z) = (o.offset(i), x.offset(j), y.offset(k), z.offset(l));
                    match (so, sx, sy, sz) {
                        (1, 1, 1, 1) => {
                            (0..len).for_each(|t| *o.add(t) = f(*x.add(t), *y.add(t), *z.add(t)))
                        }
                        (1, 1, 0, 1) => {
                            let v = *y;
                            (0..len).for_each(|t| *o.add(t) = f(*x.add(t), v, *z.add(t)))
                        }
                        (1, 1, 1, 0) => {
                            let v = *z;
                            (0..len).for_each(|t| *o.add(t) = f(*x.add(t), *y.add(t), v))
                        }
                        _ => (0..len as isize).for_each(|t| {
                            *o.offset(t * so) =
                                f(*x.offset(t * sx), *y.offset(t * sy), *z.offset(t * sz))
                        }),
                    }
                },
            )
        }
    }
}

/// `out = a` for elements of `item` bytes.
///
/// # Safety
/// As `map1`; `out` does not overlap `a` at all.
pub unsafe fn copy(shape: &[i64], item: usize, out: Raw, a: Raw) {
    if shape.iter().all(|&n| n == 1) {
        std::ptr::copy_nonoverlapping(a.ptr as *const u8, out.ptr, item);
        return;
    }
    if let Some([true, true]) = flat(shape, [out.strides, a.strides]) {
        let n = shape.iter().product::<i64>() as usize;
        std::ptr::copy_nonoverlapping(a.ptr as *const u8, out.ptr, n * item);
        return;
    }
    match item {
        1 => map1(shape, out, a, |v: u8| v),
        2 => map1(shape, out, a, |v: u16| v),
        4 => map1(shape, out, a, |v: u32| v),
        8 => map1(shape, out, a, |v: u64| v),
        _ => each_index(shape, [out.strides, a.strides], |[i, j]| {
            std::ptr::copy_nonoverlapping(
                a.ptr.offset(j * item as isize) as *const u8,
                out.ptr.offset(i * item as isize),
                item,
            );
        }),
    }
}

/// `out = cond ? a : b` for elements of `item` bytes (`cond` is bool).
///
/// # Safety
/// As `map1`.
pub unsafe fn select(shape: &[i64], item: usize, out: Raw, cond: Raw, a: Raw, b: Raw) -> bool {
    macro_rules! sel {
        ($t:ty) => {
            map3(
                shape,
                out,
                cond,
                a,
                b,
                |c: u8, x: $t, y: $t| if c != 0 { x } else { y },
            )
        };
    }
    match item {
        1 => sel!(u8),
        2 => sel!(u16),
        4 => sel!(u32),
        8 => sel!(u64),
        16 => sel!(u128),
        _ => return false,
    }
    true
}

/// The byte range `[lo, hi)` an operand of `shape` touches.
pub fn extent(ptr: *const u8, shape: &[i64], strides: &[isize], item: usize) -> (usize, usize) {
    let (mut lo, mut hi) = (ptr as isize, ptr as isize);
    if shape.contains(&0) {
        return (lo as usize, lo as usize);
    }
    for (&n, &s) in shape.iter().zip(strides) {
        let span = (n as isize - 1) * s * item as isize;
        if span < 0 {
            lo += span;
        } else {
            hi += span;
        }
    }
    (lo as usize, hi as usize + item)
}

/// `acc[o] = f(acc[o], x[i])` at every index of `shape` (the operand's), in
/// C order, where `acc`'s strides are 0 along the reduced axes (each result
/// element holds its fold so far). A contiguous run that folds into one
/// element goes through accumulators started at `id` and joined into it by
/// `join`, so the loop vectorizes: `f` and `join` must make the order of
/// a run's elements not matter (integer wraparound, NaN-propagating
/// max/min, and/or).
///
/// # Safety
/// `x` addresses valid `A`s and `acc` valid `R`s at every index of `shape`;
/// they do not overlap.
#[inline(always)]
pub unsafe fn fold<A: Copy, R: Copy>(
    shape: &[i64],
    acc: Raw,
    x: Raw,
    id: R,
    f: impl Fn(R, A) -> R,
    join: impl Fn(R, R) -> R,
) {
    let (o, p) = (acc.ptr as *mut R, x.ptr as *const A);
    if shape.contains(&0) {
        return;
    }
    let rank = shape.len();
    if rank == 0 {
        *o = f(*o, *p);
        return;
    }
    let n = shape[rank - 1] as usize;
    let (so, sx) = (acc.strides[rank - 1], x.strides[rank - 1]);
    each_row(shape, [acc.strides, x.strides], |[a, b]| {
        let (o, p) = (o.offset(a), p.offset(b));
        if so == 0 && sx == 1 {
            let xs = std::slice::from_raw_parts(p, n);
            // Long runs: enough accumulators to hide the latency of a
            // compare-and-select chain (32: 0.34 ns an element for a float64
            // max, 8: 0.58); short ones: fewer to join.
            *o = if n >= 256 {
                fold_run::<A, R, 32>(xs, *o, id, &f, &join)
            } else {
                fold_run::<A, R, 8>(xs, *o, id, &f, &join)
            };
        } else if so == 1 && sx == 1 {
            // Rows accumulated into one row (a reduction over a leading axis).
            let (os, xs) = (
                std::slice::from_raw_parts_mut(o, n),
                std::slice::from_raw_parts(p, n),
            );
            for (q, &v) in os.iter_mut().zip(xs) {
                *q = f(*q, v);
            }
        } else if so == 0 {
            let mut r = *o;
            for j in 0..n as isize {
                r = f(r, *p.offset(j * sx));
            }
            *o = r;
        } else {
            for j in 0..n as isize {
                let q = o.offset(j * so);
                *q = f(*q, *p.offset(j * sx));
            }
        }
    });
}

/// `r` folded with the elements of `xs`, through `L` accumulators.
#[inline(always)]
fn fold_run<A: Copy, R: Copy, const L: usize>(
    xs: &[A],
    r: R,
    id: R,
    f: &impl Fn(R, A) -> R,
    join: &impl Fn(R, R) -> R,
) -> R {
    let mut lanes = [id; L];
    let mut chunks = xs.chunks_exact(L);
    for c in &mut chunks {
        for l in 0..L {
            lanes[l] = f(lanes[l], c[l]);
        }
    }
    let mut r = r;
    for v in lanes {
        r = join(r, v);
    }
    for &v in chunks.remainder() {
        r = f(r, v);
    }
    r
}

/// `out[i, j] = sum over l of a[i, l] * b[l, j]` for an `m x n` result of
/// `m x k` and `k x n` operands at any strides (a vector is a matrix with a
/// length-1 axis at stride 0): each element's products added in `l` order
/// (NumPy's own loop for integers; for floats one of the orders a BLAS may
/// take), one vector's dot product through four accumulators.
///
/// # Safety
/// Every operand addresses valid `T`s at every index of its shape.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn matmul<T: Copy>(
    [m, n, k]: [usize; 3],
    (out, so): (*mut u8, [isize; 2]),
    (a, sa): (*const u8, [isize; 2]),
    (b, sb): (*const u8, [isize; 2]),
    zero: T,
    mul: impl Fn(T, T) -> T,
    add: impl Fn(T, T) -> T,
) {
    let (o, a, b) = (out as *mut T, a as *const T, b as *const T);
    for i in 0..m as isize {
        let ai = a.offset(i * sa[0]);
        if n == 1 {
            let mut s = [zero; 4];
            let whole = k / 4 * 4;
            for l in (0..whole as isize).step_by(4) {
                for (q, v) in s.iter_mut().enumerate() {
                    let l = l + q as isize;
                    *v = add(*v, mul(*ai.offset(l * sa[1]), *b.offset(l * sb[0])));
                }
            }
            let mut r = add(add(s[0], s[1]), add(s[2], s[3]));
            for l in whole as isize..k as isize {
                r = add(r, mul(*ai.offset(l * sa[1]), *b.offset(l * sb[0])));
            }
            *o.offset(i * so[0]) = r;
            continue;
        }
        let oi = o.offset(i * so[0]);
        for j in 0..n as isize {
            *oi.offset(j * so[1]) = zero;
        }
        for l in 0..k as isize {
            let (x, bl) = (*ai.offset(l * sa[1]), b.offset(l * sb[0]));
            if so[1] == 1 && sb[1] == 1 {
                for j in 0..n {
                    *oi.add(j) = add(*oi.add(j), mul(x, *bl.add(j)));
                }
            } else {
                for j in 0..n as isize {
                    let q = oi.offset(j * so[1]);
                    *q = add(*q, mul(x, *bl.offset(j * sb[1])));
                }
            }
        }
    }
}

/// NumPy's float `maximum`/`minimum`: NaN-propagating, returning the second
/// operand where they compare equal unless `keep_first` (float16's tie).
/// One compare and one select an element, so the loop vectorizes.
#[allow(clippy::eq_op)]
#[inline(always)]
pub fn pick<T: Copy + PartialOrd, const MAX: bool, const KEEP_FIRST: bool>(p: T, q: T) -> T {
    let (k, o) = if KEEP_FIRST { (q, p) } else { (p, q) };
    let beyond = if MAX { k > o } else { k < o };
    if beyond || k != k {
        k
    } else {
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_strides_and_broadcasting() {
        assert_eq!(c_strides(&[2, 3, 4]).as_slice(), &[12, 4, 1]);
        assert_eq!(c_strides(&[]).as_slice(), &[] as &[isize]);
        // A row broadcast down a matrix; a column across it; a scalar.
        assert_eq!(broadcast_strides(&[5, 4], &[4], &[1]).as_slice(), &[0, 1]);
        assert_eq!(
            broadcast_strides(&[5, 4], &[5, 1], &[1, 1]).as_slice(),
            &[1, 0]
        );
        assert_eq!(broadcast_strides(&[5, 4], &[], &[]).as_slice(), &[0, 0]);
    }

    #[test]
    fn each_index_walks_c_order_with_any_strides() {
        let mut seen = vec![];
        // A 2x3 view of a 3x4 array, transposed strides, offsets in elements.
        each_index(&[2, 3], [&[1, 4], &[3, 1]], |[i, j]| seen.push((i, j)));
        assert_eq!(seen, vec![(0, 0), (4, 1), (8, 2), (1, 3), (5, 4), (9, 5)]);
        let mut n = 0;
        each_index(&[3, 0, 2], [&[0, 0, 0]], |_| n += 1);
        assert_eq!(n, 0);
        each_index(&[], [&[]], |_| n += 1);
        assert_eq!(n, 1);
    }

    #[test]
    fn map2_broadcasts_rows_and_negative_strides() {
        let x = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
        let row = [10.0f64, 20.0, 30.0];
        let mut out = [0.0f64; 6];
        // out[i, j] = x[1 - i, j] + row[j]: x read upwards (a negative stride).
        unsafe {
            map2(
                &[2, 3],
                Raw {
                    ptr: out.as_mut_ptr() as *mut u8,
                    strides: &[3, 1],
                },
                Raw {
                    ptr: x.as_ptr().add(3) as *mut u8,
                    strides: &[-3, 1],
                },
                Raw {
                    ptr: row.as_ptr() as *mut u8,
                    strides: &[0, 1],
                },
                |a: f64, b: f64| a + b,
            )
        };
        assert_eq!(out, [14.0, 25.0, 36.0, 11.0, 22.0, 33.0]);
    }

    #[test]
    fn fold_reduces_rows_and_columns() {
        // A 3x10 array (rows longer than the lanes) summed along each axis.
        let x: Vec<i64> = (0..30).collect();
        let mut rows = [0i64; 3];
        let mut cols = [0i64; 10];
        let add = |r: i64, v: i64| r.wrapping_add(v);
        unsafe {
            let xr = Raw {
                ptr: x.as_ptr() as *mut u8,
                strides: &[10, 1],
            };
            fold(
                &[3, 10],
                Raw {
                    ptr: rows.as_mut_ptr() as *mut u8,
                    strides: &[1, 0],
                },
                xr,
                0,
                add,
                add,
            );
            fold(
                &[3, 10],
                Raw {
                    ptr: cols.as_mut_ptr() as *mut u8,
                    strides: &[0, 1],
                },
                xr,
                0,
                add,
                add,
            );
        }
        assert_eq!(rows, [45, 145, 245]);
        assert_eq!(cols[0], 30);
        assert_eq!(cols[9], 9 + 19 + 29);
        // NaN wins a max wherever it is, in a lane or in the tail.
        for at in [0, 5, 8, 10] {
            let mut v = vec![1.0f64; 11];
            v[at] = f64::NAN;
            let mut r = f64::NEG_INFINITY;
            unsafe {
                fold(
                    &[11],
                    Raw {
                        ptr: &mut r as *mut f64 as *mut u8,
                        strides: &[0],
                    },
                    Raw {
                        ptr: v.as_ptr() as *mut u8,
                        strides: &[1],
                    },
                    f64::NEG_INFINITY,
                    pick::<f64, true, false>,
                    pick::<f64, true, false>,
                )
            };
            assert!(r.is_nan(), "NaN at {at}");
        }
    }

    #[test]
    fn matmul_of_vectors_and_matrices() {
        // [[1, 2, 3], [4, 5, 6]] @ [1, 0, -1] and [1, 1] @ the same matrix.
        let a = [1i64, 2, 3, 4, 5, 6];
        let v = [1i64, 0, -1];
        let w = [1i64, 1];
        let (mut mv, mut vm) = ([0i64; 2], [0i64; 3]);
        let (mul, add) = (|p: i64, q: i64| p * q, |p: i64, q: i64| p + q);
        unsafe {
            matmul(
                [2, 1, 3],
                (mv.as_mut_ptr() as *mut u8, [1, 0]),
                (a.as_ptr() as *const u8, [3, 1]),
                (v.as_ptr() as *const u8, [1, 0]),
                0,
                mul,
                add,
            );
            matmul(
                [1, 3, 2],
                (vm.as_mut_ptr() as *mut u8, [0, 1]),
                (w.as_ptr() as *const u8, [0, 1]),
                (a.as_ptr() as *const u8, [3, 1]),
                0,
                mul,
                add,
            );
        }
        assert_eq!(mv, [-2, -2]);
        assert_eq!(vm, [5, 7, 9]);
    }

    #[test]
    fn pick_follows_numpy_nan_and_ties() {
        let (z, nz) = (0.0f64, -0.0f64);
        assert!(pick::<f64, true, false>(f64::NAN, 1.0).is_nan());
        assert!(pick::<f64, true, false>(1.0, f64::NAN).is_nan());
        // Ties return the second operand (float32/float64) or the first (float16's rule).
        assert!(pick::<f64, true, false>(z, nz).is_sign_negative());
        assert!(pick::<f64, true, true>(z, nz).is_sign_positive());
        assert_eq!(pick::<f64, false, false>(2.0, 3.0), 2.0);
    }
}
