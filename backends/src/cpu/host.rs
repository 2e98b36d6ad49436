//! Native loops for small elementwise instructions. On a few thousand elements
//! a libtorch call spends most of its ~1 us in dispatch and TensorIterator set-up;
//! these loops read the operands' memory directly. They cover float32/float64
//! and int32/int64 arithmetic (and `abs`) on operands laid out in rows with a
//! unit-stride last axis, or single elements (see `rows_of`), writing into a
//! C-ordered plan destination, with NumPy's bits (IEEE
//! arithmetic, integer wraparound, `s + t1 * t2` rounded twice as NumPy's
//! separate ufuncs do). Anything else returns `false` and goes to libtorch.

use crate::plan::{PlanError, Prim};
use smallvec::SmallVec;
use tch::{Kind, Tensor};

/// Past this many elements libtorch's vectorized kernels win.
pub const SMALL: usize = 4096;

trait Element: Copy {
    /// Whether `div` is true division (floats) rather than refused (ints).
    const DIVIDES: bool;
    fn zero() -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Option<Self>;
    fn neg(self) -> Self;
    fn abs(self) -> Self;
}

macro_rules! float_element {
    ($t:ty) => {
        impl Element for $t {
            const DIVIDES: bool = true;
            fn zero() -> Self {
                0.0
            }
            fn add(self, o: Self) -> Self {
                self + o
            }
            fn sub(self, o: Self) -> Self {
                self - o
            }
            fn mul(self, o: Self) -> Self {
                self * o
            }
            fn div(self, o: Self) -> Option<Self> {
                Some(self / o)
            }
            fn neg(self) -> Self {
                -self
            }
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
        }
    };
}

macro_rules! int_element {
    ($t:ty) => {
        impl Element for $t {
            const DIVIDES: bool = false;
            fn zero() -> Self {
                0
            }
            fn add(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            fn sub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            fn mul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
            fn div(self, _: Self) -> Option<Self> {
                None
            }
            fn neg(self) -> Self {
                self.wrapping_neg()
            }
            fn abs(self) -> Self {
                self.wrapping_abs()
            }
        }
    };
}

float_element!(f64);
float_element!(f32);
int_element!(i64);
int_element!(i32);

/// An operand: `n` elements at a pointer, or one element broadcast.
#[derive(Clone, Copy)]
enum Operand<T> {
    Full(*const T),
    One(T),
}

/// `out[i] = f(x[i], y[i])` with each operand's case hoisted out of the loop,
/// so it vectorizes. Raw pointers: `out` may be exactly an operand's memory
/// (each element is read before it is written, at the same index).
#[inline(always)]
unsafe fn binary<T: Copy, R: Copy>(
    x: Operand<T>,
    y: Operand<T>,
    out: *mut R,
    n: usize,
    f: impl Fn(T, T) -> R,
) {
    match (x, y) {
        (Operand::Full(p), Operand::Full(q)) => {
            for i in 0..n {
                *out.add(i) = f(*p.add(i), *q.add(i));
            }
        }
        (Operand::Full(p), Operand::One(v)) => {
            for i in 0..n {
                *out.add(i) = f(*p.add(i), v);
            }
        }
        (Operand::One(u), Operand::Full(q)) => {
            for i in 0..n {
                *out.add(i) = f(u, *q.add(i));
            }
        }
        (Operand::One(u), Operand::One(v)) => {
            let r = f(u, v);
            for i in 0..n {
                *out.add(i) = r;
            }
        }
    }
}

/// `exec_into(op, a, out)` natively where it can; `Ok(false)` (nothing
/// written) where it cannot.
pub fn exec_into(op: &Prim, a: &[&Tensor], out: &Tensor) -> Result<bool, PlanError> {
    use Prim::*;
    let compare = matches!(op, Eq | Ne | Lt | Le | Gt | Ge);
    if !compare
        && !matches!(
            op,
            Add | Sub | Mul | Div | AddCMul | Neg | Abs | Square | Where
        )
    {
        return Ok(false);
    }
    let n = out.numel();
    if n == 0 || n > SMALL || out.device() != tch::Device::Cpu || !out.is_contiguous() {
        return Ok(false);
    }
    let shape = out.size();
    let cols = *shape.last().unwrap_or(&1) as usize;
    // The operands' kind: the result's, but bool for a comparison's result
    // and a `where`'s condition.
    let kind = if compare { a[0].kind() } else { out.kind() };
    if compare && out.kind() != Kind::Bool {
        return Ok(false);
    }
    let mut rows = SmallVec::<[Rows; 3]>::new();
    for (k, t) in a.iter().enumerate() {
        let want = if matches!(op, Where) && k == 0 {
            Kind::Bool
        } else {
            kind
        };
        if t.kind() != want || t.device() != tch::Device::Cpu {
            return Ok(false);
        }
        match rows_of(t, &shape, cols, n) {
            Some(r) => rows.push(r),
            None => return Ok(false),
        }
    }
    Ok(match (compare, kind) {
        (true, Kind::Double) => run_compare::<f64>(op, a, &rows, out, n, cols),
        (true, Kind::Float) => run_compare::<f32>(op, a, &rows, out, n, cols),
        (true, Kind::Int64) => run_compare::<i64>(op, a, &rows, out, n, cols),
        (true, Kind::Int) => run_compare::<i32>(op, a, &rows, out, n, cols),
        (false, Kind::Double) => run::<f64>(op, a, &rows, out, n, cols),
        (false, Kind::Float) => run::<f32>(op, a, &rows, out, n, cols),
        (false, Kind::Int64) => run::<i64>(op, a, &rows, out, n, cols),
        (false, Kind::Int) => run::<i32>(op, a, &rows, out, n, cols),
        _ => false,
    })
}

/// A comparison of two `T` operands into a bool result (one byte, 0 or 1).
fn run_compare<T: Element + PartialOrd>(
    op: &Prim,
    a: &[&Tensor],
    rows: &[Rows],
    out: &Tensor,
    n: usize,
    cols: usize,
) -> bool {
    match op {
        Prim::Eq => compare_rows::<T>(a, rows, out, n, cols, |p, q| p == q),
        Prim::Ne => compare_rows::<T>(a, rows, out, n, cols, |p, q| p != q),
        Prim::Lt => compare_rows::<T>(a, rows, out, n, cols, |p, q| p < q),
        Prim::Le => compare_rows::<T>(a, rows, out, n, cols, |p, q| p <= q),
        Prim::Gt => compare_rows::<T>(a, rows, out, n, cols, |p, q| p > q),
        Prim::Ge => compare_rows::<T>(a, rows, out, n, cols, |p, q| p >= q),
        _ => return false,
    }
    true
}

#[inline(always)]
fn compare_rows<T: Element + PartialOrd>(
    a: &[&Tensor],
    rows: &[Rows],
    out: &Tensor,
    n: usize,
    cols: usize,
    f: impl Fn(T, T) -> bool,
) {
    let n_rows = n / cols.max(1);
    // SAFETY: as in `run_rows`; the bool result (bytes) never shares memory
    // with operands of another kind.
    unsafe {
        let (x, y) = (a[0].data_ptr() as *const T, a[1].data_ptr() as *const T);
        let dst = out.data_ptr() as *mut u8;
        for r in 0..n_rows {
            let row = |p: *const T, rs: Rows| match rs {
                Rows::One => Operand::One(*p),
                Rows::Strided(s) => Operand::Full(p.offset(r as isize * s as isize)),
            };
            let o = dst.add(r * cols);
            binary(row(x, rows[0]), row(y, rows[1]), o, cols, |p, q| {
                f(p, q) as u8
            });
        }
    }
}

/// How an operand maps onto the result's rows (its last axis): one element
/// broadcast, or rows of `cols` unit-stride elements `stride` apart (0: one
/// row broadcast over all).
#[derive(Clone, Copy)]
enum Rows {
    One,
    Strided(i64),
}

fn rows_of(t: &Tensor, shape: &[i64], cols: usize, n: usize) -> Option<Rows> {
    let m = t.numel();
    if m == 1 {
        return Some(Rows::One);
    }
    if m == n && t.is_contiguous() {
        return Some(Rows::Strided(cols as i64));
    }
    let (size, stride) = (t.size(), t.stride());
    let k = shape.len();
    if size.len() > k || k == 0 {
        return None;
    }
    // The operand's axes, aligned on the right with the result's.
    let pad = k - size.len();
    let dim = |d: usize| if d < pad { 1 } else { size[d - pad] };
    let step = |d: usize| if d < pad { 0 } else { stride[d - pad] };
    if dim(k - 1) as usize != cols || (cols > 1 && step(k - 1) != 1) {
        return None;
    }
    if k == 1 {
        return Some(Rows::Strided(cols as i64));
    }
    if (0..k - 1).all(|d| dim(d) == 1) {
        return Some(Rows::Strided(0));
    }
    // Every leading axis the result's, collapsing into one row index.
    if (0..k - 1).any(|d| dim(d) != shape[d]) {
        return None;
    }
    let mut expected = step(k - 2);
    for d in (0..k - 2).rev() {
        expected *= dim(d + 1);
        if dim(d) > 1 && step(d) != expected {
            return None;
        }
        expected = if dim(d) > 1 { step(d) } else { expected };
    }
    Some(Rows::Strided(step(k - 2)))
}

/// `run_rows` compiled for AVX2 where the CPU has it (the same IEEE
/// operations, twice as wide; Rust never contracts `a * b + c` into an FMA).
fn run<T: Element>(
    op: &Prim,
    a: &[&Tensor],
    rows: &[Rows],
    out: &Tensor,
    n: usize,
    cols: usize,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        unsafe fn wide<T: Element>(
            op: &Prim,
            a: &[&Tensor],
            rows: &[Rows],
            out: &Tensor,
            n: usize,
            cols: usize,
        ) -> bool {
            run_rows::<T>(op, a, rows, out, n, cols)
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { wide::<T>(op, a, rows, out, n, cols) };
        }
    }
    run_rows::<T>(op, a, rows, out, n, cols)
}

#[inline(always)]
fn run_rows<T: Element>(
    op: &Prim,
    a: &[&Tensor],
    rows: &[Rows],
    out: &Tensor,
    n: usize,
    cols: usize,
) -> bool {
    if matches!(op, Prim::Div) && !T::DIVIDES {
        return false;
    }
    let n_rows = n / cols.max(1);
    // SAFETY: each operand is a CPU tensor of `T`'s kind whose elements lie
    // where `rows` says (checked by `rows_of`), alive for the call; `out` has
    // `n` contiguous elements and shares memory with no operand except,
    // possibly, one it exactly coincides with (see `binary`).
    unsafe {
        let base: SmallVec<[*const T; 3]> = a.iter().map(|t| t.data_ptr() as *const T).collect();
        let dst = out.data_ptr() as *mut T;
        for r in 0..n_rows {
            let operand = |k: usize| match rows[k] {
                Rows::One => Operand::One(*base[k]),
                Rows::Strided(s) => Operand::Full(base[k].offset(r as isize * s as isize)),
            };
            let o = dst.add(r * cols);
            match (op, a.len()) {
                (Prim::Add, 2) => binary(operand(0), operand(1), o, cols, T::add),
                (Prim::Sub, 2) => binary(operand(0), operand(1), o, cols, T::sub),
                (Prim::Mul, 2) => binary(operand(0), operand(1), o, cols, T::mul),
                (Prim::Div, 2) => binary(operand(0), operand(1), o, cols, |p, q| {
                    p.div(q).unwrap_or(p)
                }),
                (Prim::Square, 1) => binary(operand(0), operand(0), o, cols, T::mul),
                (Prim::Neg, 1) => {
                    binary(operand(0), Operand::One(T::zero()), o, cols, |p, _| p.neg())
                }
                (Prim::Abs, 1) => {
                    binary(operand(0), Operand::One(T::zero()), o, cols, |p, _| p.abs())
                }
                (Prim::AddCMul, 3) => {
                    // s + p * q element by element: `o` may be `s`'s memory.
                    let (s, p, q) = (operand(0), operand(1), operand(2));
                    let at = |x: Operand<T>, i: usize| match x {
                        Operand::Full(ptr) => *ptr.add(i),
                        Operand::One(v) => v,
                    };
                    match (s, p, q) {
                        (Operand::Full(sp), Operand::Full(pp), Operand::Full(qp)) => {
                            for i in 0..cols {
                                *o.add(i) = (*sp.add(i)).add((*pp.add(i)).mul(*qp.add(i)));
                            }
                        }
                        _ => {
                            for i in 0..cols {
                                *o.add(i) = at(s, i).add(at(p, i).mul(at(q, i)));
                            }
                        }
                    }
                }
                (Prim::Where, 3) => {
                    // where(cond, x, y): the condition is bytes, 0 or 1.
                    let c = match rows[0] {
                        Rows::One => Operand::One(*(a[0].data_ptr() as *const u8)),
                        Rows::Strided(st) => Operand::Full(
                            (a[0].data_ptr() as *const u8).offset(r as isize * st as isize),
                        ),
                    };
                    match (c, operand(1), operand(2)) {
                        (Operand::Full(cp), Operand::Full(xp), Operand::Full(yp)) => {
                            for i in 0..cols {
                                *o.add(i) = if *cp.add(i) != 0 {
                                    *xp.add(i)
                                } else {
                                    *yp.add(i)
                                };
                            }
                        }
                        (Operand::Full(cp), Operand::Full(xp), Operand::One(v)) => {
                            for i in 0..cols {
                                *o.add(i) = if *cp.add(i) != 0 { *xp.add(i) } else { v };
                            }
                        }
                        (Operand::Full(cp), Operand::One(u), Operand::Full(yp)) => {
                            for i in 0..cols {
                                *o.add(i) = if *cp.add(i) != 0 { u } else { *yp.add(i) };
                            }
                        }
                        (c, x, y) => {
                            let at = |o: Operand<T>, i: usize| match o {
                                Operand::Full(ptr) => *ptr.add(i),
                                Operand::One(v) => v,
                            };
                            for i in 0..cols {
                                let pick = match c {
                                    Operand::Full(p) => *p.add(i),
                                    Operand::One(v) => v,
                                };
                                *o.add(i) = if pick != 0 { at(x, i) } else { at(y, i) };
                            }
                        }
                    }
                }
                _ => return false,
            }
        }
    }
    true
}

/// `out[region] = value` by copying bytes, where `value` holds the region's
/// elements in C order (contiguous, of the region's size) or is one element,
/// of `out`'s kind, on the CPU, and every step is forward; `Ok(false)` (nothing
/// written) otherwise. `value` shares no memory with `out` (lowering's rule for
/// in-place writes, and destinations never hold a live value).
pub fn scatter_into(
    out: &Tensor,
    value: &Tensor,
    dims: &[(i64, i64, i64, i64)],
) -> Result<bool, PlanError> {
    if out.device() != tch::Device::Cpu
        || value.device() != tch::Device::Cpu
        || value.kind() != out.kind()
        || dims
            .iter()
            .any(|&(_, start, len, step)| step <= 0 || len <= 0 || start < 0)
    {
        return Ok(false);
    }
    let (size, stride) = (out.size(), out.stride());
    let k = size.len();
    let mut shape = size.clone();
    let mut steps = stride.clone();
    let mut offset = 0i64;
    for &(dim, start, len, step) in dims {
        let d = dim as usize;
        if d >= k || start + (len - 1) * step >= size[d] {
            return Ok(false);
        }
        offset += start * stride[d];
        shape[d] = len;
        steps[d] *= step;
    }
    let n: i64 = shape.iter().product();
    let m = value.numel() as i64;
    if n == 0 {
        return Ok(true);
    }
    if !(m == 1 || (m == n && value.is_contiguous())) {
        return Ok(false);
    }
    let item = out.kind().elt_size_in_bytes();
    // Rows along the last axis, unit-stride in `out` or element by element.
    let (cols, unit) = match k {
        0 => (1, true),
        _ => (shape[k - 1], steps[k - 1] == 1 || shape[k - 1] == 1),
    };
    let rows = n / cols;
    // SAFETY: every address is inside `out` (the region was checked against
    // its size) or inside `value` (`n` contiguous elements, or one); the two
    // do not overlap.
    unsafe {
        let dst = out.data_ptr() as *mut u8;
        let src = value.data_ptr() as *const u8;
        let mut index = vec![0i64; k.saturating_sub(1)];
        for r in 0..rows {
            let mut at = offset;
            for (d, &i) in index.iter().enumerate() {
                at += i * steps[d];
            }
            let row = dst.offset((at * item as i64) as isize);
            let from = |c: i64| {
                if m == 1 {
                    src
                } else {
                    src.add(((r * cols + c) as usize) * item)
                }
            };
            if unit && m != 1 {
                std::ptr::copy_nonoverlapping(from(0), row, cols as usize * item);
            } else {
                let step = if k == 0 { 0 } else { steps[k - 1] };
                for c in 0..cols {
                    std::ptr::copy_nonoverlapping(
                        from(c),
                        row.offset((c * step * item as i64) as isize),
                        item,
                    );
                }
            }
            // The next row's index over the leading axes, C order.
            for d in (0..index.len()).rev() {
                index[d] += 1;
                if index[d] < shape[d] {
                    break;
                }
                index[d] = 0;
            }
        }
    }
    Ok(true)
}

/// `out[...] = src` broadcast, by rows (`rows_of`'s layouts), for a C-ordered
/// CPU `out` of `src`'s kind; `Ok(false)` (nothing written) otherwise. `src`
/// shares no memory with `out` (a destination holds no live value).
pub fn copy_broadcast(out: &Tensor, src: &Tensor) -> Result<bool, PlanError> {
    let n = out.numel();
    if n == 0
        || out.device() != tch::Device::Cpu
        || src.device() != tch::Device::Cpu
        || src.kind() != out.kind()
        || !out.is_contiguous()
    {
        return Ok(false);
    }
    let shape = out.size();
    let cols = *shape.last().unwrap_or(&1) as usize;
    let Some(rows) = rows_of(src, &shape, cols, n) else {
        return Ok(false);
    };
    let item = out.kind().elt_size_in_bytes();
    // SAFETY: `rows_of` checked where `src`'s elements lie; `out` holds `n`
    // contiguous elements; the two do not overlap.
    unsafe {
        let (dst, from) = (out.data_ptr() as *mut u8, src.data_ptr() as *const u8);
        for r in 0..n / cols.max(1) {
            let row = dst.add(r * cols * item);
            match rows {
                Rows::One => {
                    for c in 0..cols {
                        std::ptr::copy_nonoverlapping(from, row.add(c * item), item);
                    }
                }
                Rows::Strided(s) => std::ptr::copy_nonoverlapping(
                    from.offset(r as isize * s as isize * item as isize),
                    row,
                    cols * item,
                ),
            }
        }
    }
    Ok(true)
}
