//! Native loops for small elementwise instructions. On a few thousand elements
//! a libtorch call spends most of its ~1 us in dispatch and TensorIterator set-up;
//! these loops read the operands' memory directly. They cover float32/float64
//! and int32/int64 arithmetic on C-contiguous operands of the result's size or
//! single elements, writing into a plan destination, with NumPy's bits (IEEE
//! arithmetic, integer wraparound, `s + t1 * t2` rounded twice as NumPy's
//! separate ufuncs do). Anything else returns `false` and goes to libtorch.

use super::plan::{PlanError, TorchOp};
use tch::{Kind, Tensor};

/// Past this many elements libtorch's vectorized kernels win.
pub const SMALL: usize = 4096;

trait Element: Copy {
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Option<Self>;
    fn neg(self) -> Self;
}

macro_rules! float_element {
    ($t:ty) => {
        impl Element for $t {
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
        }
    };
}

macro_rules! int_element {
    ($t:ty) => {
        impl Element for $t {
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
        }
    };
}

float_element!(f64);
float_element!(f32);
int_element!(i64);
int_element!(i32);

/// An operand as a slice: the result's size, or one element broadcast.
enum Operand<'a, T> {
    Full(&'a [T]),
    One(T),
}

impl<T: Copy> Operand<'_, T> {
    #[inline(always)]
    fn at(&self, i: usize) -> T {
        match self {
            Operand::Full(s) => s[i],
            Operand::One(v) => *v,
        }
    }
}

/// `exec_into(op, a, out)` natively where it can; `Ok(false)` (nothing
/// written) where it cannot.
pub fn exec_into(op: &TorchOp, a: &[&Tensor], out: &Tensor) -> Result<bool, PlanError> {
    if !matches!(
        op,
        TorchOp::Add
            | TorchOp::Sub
            | TorchOp::Mul
            | TorchOp::Div
            | TorchOp::AddCMul
            | TorchOp::Neg
            | TorchOp::Square
    ) {
        return Ok(false);
    }
    let n = out.numel();
    if n == 0 || n > SMALL || out.device() != tch::Device::Cpu || !out.is_contiguous() {
        return Ok(false);
    }
    let kind = out.kind();
    for t in a {
        if t.kind() != kind || t.device() != tch::Device::Cpu {
            return Ok(false);
        }
        let m = t.numel();
        if !(m == 1 || (m == n && t.is_contiguous())) {
            return Ok(false);
        }
    }
    Ok(match kind {
        Kind::Double => run::<f64>(op, a, out, n),
        Kind::Float => run::<f32>(op, a, out, n),
        Kind::Int64 => run::<i64>(op, a, out, n),
        Kind::Int => run::<i32>(op, a, out, n),
        _ => false,
    })
}

fn run<T: Element>(op: &TorchOp, a: &[&Tensor], out: &Tensor, n: usize) -> bool {
    // SAFETY: every operand is a CPU tensor of `T`'s kind with `n` contiguous
    // elements or one element (checked by the caller), alive for the call; `out`
    // has `n` contiguous elements. `out` may be exactly an operand's memory (an
    // elementwise result written over a dying operand): each element is read
    // before it is written, at the same index.
    let operands: Vec<Operand<'_, T>> = a
        .iter()
        .map(|t| unsafe {
            let p = t.data_ptr() as *const T;
            if t.numel() == n && n != 1 {
                Operand::Full(std::slice::from_raw_parts(p, n))
            } else {
                Operand::One(*p)
            }
        })
        .collect();
    let dst = out.data_ptr() as *mut T;
    let write = |i: usize, v: T| unsafe { *dst.add(i) = v };
    match (op, operands.as_slice()) {
        (TorchOp::Add, [x, y]) => (0..n).for_each(|i| write(i, x.at(i).add(y.at(i)))),
        (TorchOp::Sub, [x, y]) => (0..n).for_each(|i| write(i, x.at(i).sub(y.at(i)))),
        (TorchOp::Mul, [x, y]) => (0..n).for_each(|i| write(i, x.at(i).mul(y.at(i)))),
        (TorchOp::Square, [x]) => (0..n).for_each(|i| write(i, x.at(i).mul(x.at(i)))),
        (TorchOp::Neg, [x]) => (0..n).for_each(|i| write(i, x.at(i).neg())),
        (TorchOp::AddCMul, [s, p, q]) => {
            (0..n).for_each(|i| write(i, s.at(i).add(p.at(i).mul(q.at(i)))))
        }
        (TorchOp::Div, [x, y]) => {
            if x.at(0).div(y.at(0)).is_none() {
                return false;
            }
            (0..n).for_each(|i| {
                if let Some(v) = x.at(i).div(y.at(i)) {
                    write(i, v)
                }
            })
        }
        _ => return false,
    }
    true
}
