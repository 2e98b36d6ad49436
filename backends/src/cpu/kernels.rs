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
    let rank = shape.len();
    let (inner, step) = match rank {
        0 => (1, [0; K]),
        _ => (shape[rank - 1], std::array::from_fn(|k| st[k][rank - 1])),
    };
    for mut off in Rows::new(shape, st) {
        for _ in 0..inner {
            f(off);
            for k in 0..K {
                off[k] += step[k];
            }
        }
    }
}

/// The element offsets of `K` operands at the start of every row (the last
/// axis) of `shape`, in C order. An iterator rather than a callback: a
/// kernel's loop over rows stays in the kernel's own function, compiled for
/// its vector width (a closure is a function of its own, compiled for the
/// baseline CPU, and LLVM declines to inline a large one).
pub struct Rows<'a, const K: usize> {
    shape: &'a [i64],
    st: [&'a [isize]; K],
    idx: SmallVec<[i64; 6]>,
    base: [isize; K],
    done: bool,
}

impl<'a, const K: usize> Rows<'a, K> {
    #[inline(always)]
    pub fn new(shape: &'a [i64], st: [&'a [isize]; K]) -> Self {
        let outer = shape.len().saturating_sub(1);
        Rows {
            shape: &shape[..outer],
            st,
            idx: SmallVec::from_elem(0, outer),
            base: [0; K],
            done: shape.contains(&0),
        }
    }
}

impl<const K: usize> Iterator for Rows<'_, K> {
    type Item = [isize; K];
    #[inline(always)]
    fn next(&mut self) -> Option<[isize; K]> {
        if self.done {
            return None;
        }
        let here = self.base;
        // The next row: the odometer over the outer axes.
        let mut d = self.shape.len();
        loop {
            if d == 0 {
                self.done = true;
                break;
            }
            d -= 1;
            self.idx[d] += 1;
            for k in 0..K {
                self.base[k] += self.st[k][d];
            }
            if self.idx[d] < self.shape[d] {
                break;
            }
            for k in 0..K {
                self.base[k] -= self.st[k][d] * self.shape[d] as isize;
            }
            self.idx[d] = 0;
        }
        Some(here)
    }
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

/// Whether `n` elements of `R` at `o` share no byte with `m` elements of
/// `A` at `x`.
#[inline(always)]
fn apart<R, A>(o: *mut R, n: usize, x: *const A, m: usize) -> bool {
    let (o0, x0) = (o as usize, x as usize);
    o0 + n * std::mem::size_of::<R>() <= x0 || x0 + m * std::mem::size_of::<A>() <= o0
}

/// One operand of a contiguous run: `n` elements at stride 1, or one
/// element broadcast.
#[derive(Clone, Copy)]
struct Run<T> {
    p: *const T,
    unit: bool,
}

impl<T: Copy> Run<T> {
    #[inline(always)]
    fn len(self, n: usize) -> usize {
        if self.unit {
            n
        } else {
            1
        }
    }
    /// The run as `n` elements to zip with: a slice, or one value repeated.
    #[inline(always)]
    unsafe fn get(self, i: usize) -> T {
        if self.unit {
            *self.p.add(i)
        } else {
            *self.p
        }
    }
}

/// `o[i] = f(x[i], y[i], z[i])` over a contiguous run of `n` results; the
/// operands past the first `K` are absent (never read but as one element).
/// Where the result shares no memory with an operand, the loop goes over
/// slices (`&mut` tells LLVM nothing aliases: it vectorizes without runtime
/// overlap checks, 3-4x on comparisons and selects); else over pointers (an
/// op in place: the same element read, then written).
#[inline(always)]
unsafe fn run3<A: Copy, B: Copy, C: Copy, R: Copy, const K: usize>(
    o: *mut R,
    n: usize,
    x: Run<A>,
    y: Run<B>,
    z: Run<C>,
    f: &impl Fn(A, B, C) -> R,
    disjoint: bool,
) {
    if disjoint
        || (apart(o, n, x.p, x.len(n)) && apart(o, n, y.p, y.len(n)) && apart(o, n, z.p, z.len(n)))
    {
        let os = std::slice::from_raw_parts_mut(o, n);
        macro_rules! go {
            ($xu:expr, $yu:expr, $zu:expr) => {{
                let (xs, ys, zs) = (
                    std::slice::from_raw_parts(x.p, if $xu { n } else { 1 }),
                    std::slice::from_raw_parts(y.p, if $yu { n } else { 1 }),
                    std::slice::from_raw_parts(z.p, if $zu { n } else { 1 }),
                );
                for (i, q) in os.iter_mut().enumerate() {
                    *q = f(
                        if $xu { xs[i] } else { xs[0] },
                        if $yu { ys[i] } else { ys[0] },
                        if $zu { zs[i] } else { zs[0] },
                    );
                }
            }};
        }
        match (x.unit, y.unit && K > 1, z.unit && K > 2) {
            (true, false, false) => go!(true, false, false),
            (false, _, _) if K == 1 => os.fill(f(*x.p, *y.p, *z.p)),
            (true, true, false) if K > 1 => go!(true, true, false),
            (false, true, false) if K > 1 => go!(false, true, false),
            (false, false, false) if K == 2 => os.fill(f(*x.p, *y.p, *z.p)),
            (true, true, true) if K > 2 => go!(true, true, true),
            (true, false, true) if K > 2 => go!(true, false, true),
            (false, true, true) if K > 2 => go!(false, true, true),
            (false, false, true) if K > 2 => go!(false, false, true),
            _ => os.fill(f(*x.p, *y.p, *z.p)),
        }
    } else if x.unit
        && x.p as usize == o as usize
        && std::mem::size_of::<A>() == std::mem::size_of::<R>()
        && (K < 2 || apart(o, n, y.p, y.len(n)))
        && (K < 3 || apart(o, n, z.p, z.len(n)))
    {
        // In place on the first operand (`a += b`, a store over the view it
        // reads): each element read through the result, then written.
        let os = std::slice::from_raw_parts_mut(o, n);
        macro_rules! in_place {
            ($yu:expr, $zu:expr) => {{
                let (ys, zs) = (
                    std::slice::from_raw_parts(y.p, if $yu { n } else { 1 }),
                    std::slice::from_raw_parts(z.p, if $zu { n } else { 1 }),
                );
                for (i, q) in os.iter_mut().enumerate() {
                    *q = f(
                        std::mem::transmute_copy::<R, A>(q),
                        if $yu { *ys.get_unchecked(i) } else { ys[0] },
                        if $zu { *zs.get_unchecked(i) } else { zs[0] },
                    );
                }
            }};
        }
        match (y.unit && K > 1, z.unit && K > 2) {
            (true, true) => in_place!(true, true),
            (true, false) => in_place!(true, false),
            (false, true) => in_place!(false, true),
            (false, false) => in_place!(false, false),
        }
    } else {
        for i in 0..n {
            *o.add(i) = f(x.get(i), y.get(i), z.get(i));
        }
    }
}

/// Zero strides for the operands a map lacks (NumPy's 64 axes at most).
const ZEROS: [isize; 64] = [0; 64];

/// `out = f(a, b, c)` over `shape`, each operand at its strides (0 along
/// broadcast axes), the first `K` operands present: one flat run where every
/// operand is C-ordered or one element, else row by row with the row's
/// strides hoisted so the common cases (unit or broadcast) run as
/// contiguous runs.
///
/// # Safety
/// Every operand addresses valid elements of its type at every index of
/// `shape`; `out` does not overlap an operand except at the same index.
#[inline(always)]
unsafe fn map_n<A: Copy, B: Copy, C: Copy, R: Copy, const K: usize>(
    shape: &[i64],
    out: Raw,
    ops: [Raw; 3],
    f: impl Fn(A, B, C) -> R,
) {
    let o = out.ptr as *mut R;
    let (x, y, z) = (
        ops[0].ptr as *const A,
        ops[1].ptr as *const B,
        ops[2].ptr as *const C,
    );
    let n = shape.iter().product::<i64>() as usize;
    if n == 1 {
        *o = f(*x, *y, *z);
        return;
    }
    if n == 0 {
        return;
    }
    let rank = shape.len();
    let st = |k: usize| -> &[isize] {
        if k < K {
            ops[k].strides
        } else {
            &ZEROS[..rank]
        }
    };
    let strides: [&[isize]; 4] = [out.strides, st(0), st(1), st(2)];
    if let Some([true, ux, uy, uz]) = flat(shape, strides) {
        let (x, y, z) = (
            Run { p: x, unit: ux },
            Run { p: y, unit: uy },
            Run { p: z, unit: uz },
        );
        return run3::<A, B, C, R, K>(o, n, x, y, z, &f, false);
    }
    let len = shape[rank - 1] as usize;
    let [so, sx, sy, sz] = strides.map(|s| s[rank - 1]);
    if len < 16 && rank >= 2 {
        // Short rows (points in 3-D, pairs): blocks of the last two axes,
        // walked by plain loops; a row at a time would pay the walk's and
        // the run's set-up per two or three elements.
        let rows = shape[rank - 2] as usize;
        let [ro, rx, ry, rz] = strides.map(|s| s[rank - 2]);
        for [i, j, k, l] in Rows::new(&shape[..rank - 1], strides) {
            for r in 0..rows as isize {
                let (o, x, y, z) = (
                    o.offset(i + r * ro),
                    x.offset(j + r * rx),
                    y.offset(k + r * ry),
                    z.offset(l + r * rz),
                );
                for t in 0..len as isize {
                    *o.offset(t * so) = f(*x.offset(t * sx), *y.offset(t * sy), *z.offset(t * sz));
                }
            }
        }
        return;
    }
    let runs = so == 1 && [sx, sy, sz].iter().all(|&s| s == 0 || s == 1);
    // Whole operands apart from the result: no row can meet one (checked
    // once here rather than per row: 15 ns a row of 126 float64s).
    let whole = |p: *const u8, k: usize, item: usize| extent(p, shape, strides[k], item);
    let (olo, ohi) = whole(o as *const u8, 0, std::mem::size_of::<R>());
    let away = |(lo, hi): (usize, usize)| hi <= olo || ohi <= lo;
    let disjoint = runs
        && away(whole(x as *const u8, 1, std::mem::size_of::<A>()))
        && away(whole(y as *const u8, 2, std::mem::size_of::<B>()))
        && away(whole(z as *const u8, 3, std::mem::size_of::<C>()));
    for [i, j, k, l] in Rows::new(shape, strides) {
        let (o, x, y, z) = (o.offset(i), x.offset(j), y.offset(k), z.offset(l));
        if runs {
            let (x, y, z) = (
                Run {
                    p: x,
                    unit: sx == 1,
                },
                Run {
                    p: y,
                    unit: sy == 1,
                },
                Run {
                    p: z,
                    unit: sz == 1,
                },
            );
            run3::<A, B, C, R, K>(o, len, x, y, z, &f, disjoint)
        } else {
            for t in 0..len as isize {
                *o.offset(t * so) = f(*x.offset(t * sx), *y.offset(t * sy), *z.offset(t * sz));
            }
        }
    }
}

/// How an elementwise kernel walks its operands: whole arrays (`Arrays`:
/// broadcasting, strides, vector loops) or one element each (`One`: the
/// scalar instructions of element-at-a-time programs, where a kernel is the
/// few instructions of one element, not a dispatch over layouts).
pub trait Walk {
    /// # Safety
    /// As `map1`.
    unsafe fn map1<A: Copy, R: Copy>(shape: &[i64], out: Raw, a: Raw, f: impl Fn(A) -> R);
    /// # Safety
    /// As `map2`.
    unsafe fn map2<A: Copy, B: Copy, R: Copy>(shape: &[i64], out: Raw, a: Raw, b: Raw, f: impl Fn(A, B) -> R);
    /// # Safety
    /// As `map3`.
    unsafe fn map3<A: Copy, B: Copy, C: Copy, R: Copy>(
        shape: &[i64],
        out: Raw,
        a: Raw,
        b: Raw,
        c: Raw,
        f: impl Fn(A, B, C) -> R,
    );
}

/// Arrays of any shape and layout (`map1`, `map2`, `map3`).
pub struct Arrays;

/// One element per operand: `shape` has none but unit axes.
pub struct One;

impl Walk for Arrays {
    #[inline(always)]
    unsafe fn map1<A: Copy, R: Copy>(shape: &[i64], out: Raw, a: Raw, f: impl Fn(A) -> R) {
        map1(shape, out, a, f)
    }
    #[inline(always)]
    unsafe fn map2<A: Copy, B: Copy, R: Copy>(shape: &[i64], out: Raw, a: Raw, b: Raw, f: impl Fn(A, B) -> R) {
        map2(shape, out, a, b, f)
    }
    #[inline(always)]
    unsafe fn map3<A: Copy, B: Copy, C: Copy, R: Copy>(
        shape: &[i64],
        out: Raw,
        a: Raw,
        b: Raw,
        c: Raw,
        f: impl Fn(A, B, C) -> R,
    ) {
        map3(shape, out, a, b, c, f)
    }
}

impl Walk for One {
    #[inline(always)]
    unsafe fn map1<A: Copy, R: Copy>(_: &[i64], out: Raw, a: Raw, f: impl Fn(A) -> R) {
        *(out.ptr as *mut R) = f(*(a.ptr as *const A))
    }
    #[inline(always)]
    unsafe fn map2<A: Copy, B: Copy, R: Copy>(_: &[i64], out: Raw, a: Raw, b: Raw, f: impl Fn(A, B) -> R) {
        *(out.ptr as *mut R) = f(*(a.ptr as *const A), *(b.ptr as *const B))
    }
    #[inline(always)]
    unsafe fn map3<A: Copy, B: Copy, C: Copy, R: Copy>(
        _: &[i64],
        out: Raw,
        a: Raw,
        b: Raw,
        c: Raw,
        f: impl Fn(A, B, C) -> R,
    ) {
        *(out.ptr as *mut R) = f(*(a.ptr as *const A), *(b.ptr as *const B), *(c.ptr as *const C))
    }
}

/// `out = f(a)` elementwise.
///
/// # Safety
/// Every operand addresses valid elements of its type at every index of
/// `shape`; `out` does not overlap an operand except at the same index.
#[inline(always)]
pub unsafe fn map1<A: Copy, R: Copy>(shape: &[i64], out: Raw, a: Raw, f: impl Fn(A) -> R) {
    let none = Raw {
        ptr: a.ptr,
        strides: &[],
    };
    map_n::<A, A, A, R, 1>(shape, out, [a, none, none], |p: A, _: A, _: A| f(p))
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
    let none = Raw {
        ptr: a.ptr,
        strides: &[],
    };
    map_n::<A, B, A, R, 2>(shape, out, [a, b, none], |p: A, q: B, _: A| f(p, q))
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
    map_n::<A, B, C, R, 3>(shape, out, [a, b, c], f)
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
    // Long runs: enough accumulators to hide the latency of a
    // compare-and-select chain (32: 0.34 ns an element for a float64
    // max, 8: 0.58); short ones: fewer to join.
    fold_by(
        shape,
        acc,
        x,
        &f,
        &Lanes {
            id,
            f: &f,
            join: &join,
        },
    )
}

/// How `fold_by` folds a contiguous run into one element. A trait, not a
/// closure: its `#[inline(always)]` method is compiled into the calling
/// kernel, for its vector width (a large closure stays a baseline function).
pub trait RunFold<A, R> {
    fn run(&self, xs: &[A], r: R) -> R;
}

/// `fold`'s runs: `f` through independent accumulators joined by `join`.
pub struct Lanes<'a, R, F, J> {
    id: R,
    f: &'a F,
    join: &'a J,
}

impl<A: Copy, R: Copy, F: Fn(R, A) -> R, J: Fn(R, R) -> R> RunFold<A, R> for Lanes<'_, R, F, J> {
    #[inline(always)]
    fn run(&self, xs: &[A], r: R) -> R {
        if xs.len() >= 256 {
            fold_run::<A, R, 32>(xs, r, self.id, self.f, self.join)
        } else {
            fold_run::<A, R, 8>(xs, r, self.id, self.f, self.join)
        }
    }
}

/// NumPy's float `max` (`MAX`) or `min` of runs (`extreme_run`).
pub struct Extreme<T, const MAX: bool> {
    pub id: T,
    pub zero: T,
}

impl<T, const MAX: bool> RunFold<T, T> for Extreme<T, MAX>
where
    T: Copy + PartialOrd + std::ops::Mul<Output = T> + std::ops::Add<Output = T>,
{
    #[inline(always)]
    fn run(&self, xs: &[T], r: T) -> T {
        extreme_run::<T, MAX>(xs, r, self.id, self.zero)
    }
}

/// `fold`, where `run(xs, r)` folds a contiguous run into one element.
///
/// # Safety
/// As `fold`.
#[inline(always)]
pub unsafe fn fold_by<A: Copy, R: Copy>(
    shape: &[i64],
    acc: Raw,
    x: Raw,
    f: impl Fn(R, A) -> R,
    run: &impl RunFold<A, R>,
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
    for [a, b] in Rows::new(shape, [acc.strides, x.strides]) {
        let (o, p) = (o.offset(a), p.offset(b));
        if so == 0 && sx == 1 {
            *o = run.run(std::slice::from_raw_parts(p, n), *o);
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
    }
}

/// NumPy's float `max`/`min` of `r` and a contiguous run, NaN-propagating,
/// the later of equal elements kept (as `pick`). Two chains LLVM vectorizes
/// (a NaN-propagating select does not: 0.6 ns an element, this 0.1): the
/// extreme by a plain compare and select, and `sum(v * 0)`, NaN where an
/// element is NaN or infinite; only then is the run searched for a NaN.
#[inline(always)]
pub fn extreme_run<T, const MAX: bool>(xs: &[T], r: T, id: T, zero: T) -> T
where
    T: Copy + PartialOrd + std::ops::Mul<Output = T> + std::ops::Add<Output = T>,
{
    const L: usize = 16;
    #[allow(clippy::eq_op)]
    let nan = |v: T| v != v;
    let mut m = [id; L];
    let mut odd = [zero; L];
    let mut chunks = xs.chunks_exact(L);
    for c in &mut chunks {
        for l in 0..L {
            let v = c[l];
            let keep = if MAX { m[l] > v } else { m[l] < v };
            m[l] = if keep { m[l] } else { v };
            odd[l] = odd[l] + v * zero;
        }
    }
    if odd.iter().any(|&o| nan(o)) {
        if let Some(&v) = xs.iter().find(|&&v| nan(v)) {
            return v;
        }
    }
    let mut r = r;
    for v in m {
        r = pick::<T, MAX, false>(r, v);
    }
    for &v in chunks.remainder() {
        r = pick::<T, MAX, false>(r, v);
    }
    r
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

/// NumPy's `searchsorted` of `v` in the `n` sorted elements `at(0..n)`:
/// the first position whose element is not less than `v` (`right`: greater
/// than `v`), in NumPy's order, where NaN sorts after every number.
#[inline(always)]
pub fn search_sorted<T: Copy + PartialOrd>(
    n: usize,
    at: impl Fn(usize) -> T,
    v: T,
    right: bool,
) -> usize {
    #[allow(clippy::eq_op)]
    let less = |a: T, b: T| a < b || (b != b && a == a);
    let before = |i: usize| {
        if right {
            !less(v, at(i))
        } else {
            less(at(i), v)
        }
    };
    if n == 0 {
        return 0;
    }
    // Halving without a branch on the comparison (a select): random values
    // would mispredict half the steps, 3x the time of the loads.
    let (mut base, mut size) = (0usize, n);
    while size > 1 {
        let half = size / 2;
        base = std::hint::select_unpredictable(before(base + half - 1), base + half, base);
        size -= half;
    }
    base + before(base) as usize
}

/// NumPy's float `maximum`/`minimum`: NaN-propagating, returning the second
/// operand where they compare equal unless `keep_first` (float16's tie).
/// One compare and one select an element, so the loop vectorizes.
#[allow(clippy::eq_op)]
#[inline(always)]
pub fn pick<T: Copy + PartialOrd, const MAX: bool, const KEEP_FIRST: bool>(p: T, q: T) -> T {
    let (k, o) = if KEEP_FIRST { (q, p) } else { (p, q) };
    let beyond = if MAX { k > o } else { k < o };
    // `|`, not `||`: no branch, so LLVM makes it a compare and a blend.
    if beyond | (k != k) {
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
    fn runs_of_every_length_in_place_and_apart() {
        // Lengths across LLVM's unrolled vector loops and their scalar
        // remainders: out of place, in place on the first operand (read
        // through the result), an operand broadcast, and bytes.
        for n in 0..300usize {
            let x: Vec<f64> = (0..n).map(|i| i as f64 * 0.5 - 3.0).collect();
            let y: Vec<f64> = (0..n).map(|i| (i * i % 17) as f64).collect();
            let want: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a * 2.0 - b).collect();
            let f = |a: f64, b: f64| a * 2.0 - b;
            let flat = &[1isize][..];
            let raw = |p: *const f64| Raw {
                ptr: p as *mut u8,
                strides: flat,
            };
            let mut out = vec![0.0f64; n];
            let mut inplace = x.clone();
            unsafe {
                map2(&[n as i64], raw(out.as_mut_ptr()), raw(x.as_ptr()), raw(y.as_ptr()), f);
                let p = inplace.as_mut_ptr();
                map2(&[n as i64], raw(p), raw(p), raw(y.as_ptr()), f);
            }
            assert_eq!(out, want, "apart, n = {n}");
            assert_eq!(inplace, want, "in place, n = {n}");
            let mut scaled = x.clone();
            let three = [3.0f64];
            let zero = &[0isize][..];
            unsafe {
                let p = scaled.as_mut_ptr();
                let c = Raw {
                    ptr: three.as_ptr() as *mut u8,
                    strides: zero,
                };
                map2(&[n as i64], raw(p), raw(p), c, |a: f64, b: f64| a - b);
            }
            assert!(scaled.iter().zip(&x).all(|(s, a)| *s == a - 3.0), "broadcast, n = {n}");
            let bytes: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
            let mut wrapped = bytes.clone();
            unsafe {
                let p = wrapped.as_mut_ptr();
                let at = |ptr: *mut u8| Raw { ptr, strides: flat };
                let b = at(bytes.as_ptr() as *mut u8);
                map2(&[n as i64], at(p), at(p), b, |a: u8, b: u8| a.wrapping_add(b));
            }
            assert!(wrapped.iter().zip(&bytes).all(|(w, b)| *w == b.wrapping_add(*b)), "bytes, n = {n}");
        }
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
    fn search_sorted_is_numpys_left_and_right_with_nan_last() {
        let a = [1.0, 2.0, 2.0, 3.0, f64::NAN, f64::NAN];
        let at = |i: usize| a[i];
        let find = |v: f64, right| search_sorted(a.len(), at, v, right);
        assert_eq!((find(2.0, false), find(2.0, true)), (1, 3));
        assert_eq!((find(0.0, false), find(9.0, true)), (0, 4));
        assert_eq!((find(f64::NAN, false), find(f64::NAN, true)), (4, 6));
        assert_eq!(search_sorted(0, at, 1.0, false), 0);
    }

    #[test]
    fn extreme_runs_propagate_nan_and_see_through_infinities() {
        let mut xs: Vec<f64> = (0..40).map(|i| i as f64).collect();
        let max = |xs: &[f64]| extreme_run::<f64, true>(xs, f64::NEG_INFINITY, f64::NEG_INFINITY, 0.0);
        let min = |xs: &[f64]| extreme_run::<f64, false>(xs, f64::INFINITY, f64::INFINITY, 0.0);
        assert_eq!((max(&xs), min(&xs)), (39.0, 0.0));
        xs[20] = f64::INFINITY;
        xs[3] = f64::NEG_INFINITY;
        assert_eq!((max(&xs), min(&xs)), (f64::INFINITY, f64::NEG_INFINITY));
        xs[37] = f64::NAN; // in the remainder
        assert!(max(&xs).is_nan() && min(&xs).is_nan());
        xs[37] = 1.0;
        xs[5] = f64::NAN; // in a lane
        assert!(max(&xs).is_nan() && min(&xs).is_nan());
        // A NaN carried in from an earlier run stays.
        assert!(extreme_run::<f64, true>(&[1.0; 40], f64::NAN, f64::NEG_INFINITY, 0.0).is_nan());
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
