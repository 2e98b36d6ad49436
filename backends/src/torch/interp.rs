//! libtorch's interpreter: a plan's instructions run one libtorch call each
//! (`exec`, `exec_into`), over tensor slots, with the plan's buffers kept from
//! call to call; and the primitives' libtorch forms that the native executor
//! also calls where it has no loop of its own.

use crate::plan::{Dest, Executor, Instr, Plan, PlanError, Prim};
use ir::DType;
use smallvec::SmallVec;
use std::fmt;
use std::sync::Mutex;
use tch::{Device, Kind, Tensor};

/// Runs a host kernel: (kernel, operands on the CPU, their IR dtypes, the
/// result's IR dtype). Installed once by the Python extension.
pub type HostKernels = fn(&str, &[&Tensor], &[DType], DType) -> Result<Tensor, PlanError>;

static HOST_KERNELS: std::sync::OnceLock<HostKernels> = std::sync::OnceLock::new();

/// Install the host-kernel hook (the first call wins).
pub fn set_host_kernels(run: HostKernels) {
    let _ = HOST_KERNELS.set(run);
}

pub use crate::plan::{cast_shares_storage, storage_kind};

/// Runs every instruction as its libtorch call.
#[derive(Default)]
pub struct Interpreter {
    /// The buffers of the last run, for the next (a run that finds them taken
    /// by another thread allocates its own).
    pool: Mutex<Option<Vec<Tensor>>>,
}

impl Executor for Interpreter {
    fn run(
        &self,
        plan: &Plan,
        inputs: Vec<Tensor>,
        outs: &[Option<Tensor>],
    ) -> Result<Vec<Tensor>, PlanError> {
        // The buffers: this plan's own, unless another thread is running it.
        let mut held = self.pool.try_lock().ok();
        let mut own = held.as_mut().and_then(|g| g.take());
        if own.is_none() && !plan.buffers.is_empty() {
            own = Some(
                plan.buffers
                    .iter()
                    .map(|(kind, shape)| Tensor::f_empty(shape.as_slice(), (*kind, plan.device)))
                    .collect::<Result<_, _>>()?,
            );
        }
        let buffers = own.unwrap_or_default();
        let result = execute(plan, inputs, &buffers, outs);
        if let Some(g) = held.as_mut() {
            **g = Some(buffers);
        }
        let values = result?;
        values
            .into_iter()
            .enumerate()
            .map(|(j, t)| {
                if let Some(Some(out)) = outs.get(j) {
                    if !same_memory(&t, out) {
                        out.shallow_clone().f_copy_(&t)?;
                    }
                    return Ok(out.shallow_clone());
                }
                Ok(if plan.copy_out[j] || plan.output_in_buffer[j] {
                    t.f_to_dtype(t.kind(), false, true)?
                } else {
                    t.f_contiguous()?
                })
            })
            .collect()
    }

    fn summary(&self, plan: &Plan, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !plan.buffers.is_empty() {
            let bufs: Vec<String> = plan
                .buffers
                .iter()
                .enumerate()
                .map(|(b, (kind, shape))| format!("buf{b}: {kind:?}{shape:?}"))
                .collect();
            write!(f, "\nbuffers (kept from call to call): {}", bufs.join(", "))?;
        }
        Ok(())
    }
}

/// The instructions, in order; the outputs' values as they stand.
fn execute(
    plan: &Plan,
    inputs: Vec<Tensor>,
    buffers: &[Tensor],
    outs: &[Option<Tensor>],
) -> Result<Vec<Tensor>, PlanError> {
    // Per input written in place: the caller's memory, its snapshot, and
    // whether the plan has begun writing it.
    let mut written: SmallVec<[(Tensor, Option<Tensor>, bool); 2]> = plan
        .written_inputs
        .iter()
        .map(|&(_, slot, _)| (inputs[slot as usize].shallow_clone(), None, false))
        .collect();
    let mut slots: Vec<Option<Tensor>> = Vec::with_capacity(plan.n_slots);
    slots.extend(inputs.into_iter().map(Some));
    slots.resize_with(plan.n_slots, || None);
    for (slot, t) in &plan.consts {
        slots[*slot as usize] = Some(t.shallow_clone());
    }
    for (i, (instr, frees)) in plan.instrs.iter().zip(&plan.frees).enumerate() {
        for (w, &(at, _, snapshot)) in written.iter_mut().zip(&plan.written_inputs) {
            if at == i {
                w.2 = true;
                if snapshot {
                    match w.0.f_to_dtype(w.0.kind(), false, true) {
                        Ok(t) => w.1 = Some(t),
                        Err(e) => return Err(restore(&written, e.into())),
                    }
                }
            }
        }
        let Instr::Op {
            op,
            args,
            out,
            dest,
        } = instr;
        let target = match *dest {
            Dest::Fresh => None,
            Dest::Buffer(b) => buffers.get(b as usize),
            Dest::Output(j) => outs.get(j as usize).and_then(Option::as_ref),
        };
        let result = args
            .iter()
            .map(|&a| {
                slots[a as usize]
                    .as_ref()
                    .ok_or_else(|| PlanError::Torch(format!("slot {a} is empty")))
            })
            .collect::<Result<SmallVec<[&Tensor; 3]>, _>>()
            .and_then(|argv| {
                let t0 = crate::profile::start();
                let r = match target {
                    Some(t) => exec_into(op, &argv, t).map(|()| t.shallow_clone()),
                    None => exec(op, &argv),
                };
                crate::profile::record(t0, || crate::profile::label("torch ", op));
                r
            });
        match result {
            Ok(t) => slots[*out as usize] = Some(t),
            Err(e) => return Err(restore(&written, e)),
        }
        for &f in frees {
            slots[f as usize] = None;
        }
    }
    plan.outputs
        .iter()
        .map(|&o| {
            slots[o as usize]
                .as_ref()
                .map(Tensor::shallow_clone)
                .ok_or_else(|| PlanError::Torch(format!("output slot {o} is empty")))
        })
        .collect()
}

/// Whether two tensors are the same elements of the same memory.
pub fn same_memory(a: &Tensor, b: &Tensor) -> bool {
    let (size, sa, sb) = (a.size(), a.stride(), b.stride());
    a.data_ptr() == b.data_ptr()
        && size == b.size()
        // The stride of a length-1 axis steps nowhere.
        && (0..size.len()).all(|d| size[d] <= 1 || sa[d] == sb[d])
}

/// Ops `exec_into` writes into a given tensor: libtorch's `_out` kernels (the
/// functional ones' own), NumPy's BLAS, and copies. Lowering gives only these a
/// `Dest` other than `Fresh`.
pub fn writes_into(op: &Prim) -> bool {
    use Prim::*;
    matches!(
        op,
        Neg | Abs
            | Sin
            | Cos
            | Tan
            | Exp
            | Log
            | Tanh
            | Exp2
            | Expm1
            | Log2
            | Log10
            | Log1p
            | Floor
            | Ceil
            | Trunc
            | Add
            | Sub
            | Mul
            | Div
            | Square
            | Maximum
            | Minimum
            | LogicalOr
            | LogicalAnd
            | LogicalNot
            | BitAnd
            | BitOr
            | BitXor
            | Eq
            | Ne
            | Lt
            | Le
            | Gt
            | Ge
            | Where
            | AddCMul
            | MatMul
            | Gemm { .. }
            | Sqrt
            | FloatMaximum { .. }
            | FloatMinimum { .. }
            | SliceScatter(_)
            | Copy
    ) || matches!(op, Cast { from, to } if plain_cast(*from, *to))
}

/// A cast libtorch's copy makes exactly as `cast` does: between the dtypes
/// that have their own kind, to anything but bool, not from complex.
fn plain_cast(from: DType, to: DType) -> bool {
    let own = |d: DType| !(d.is_unsigned() && d != DType::U8) && !d.is_complex();
    own(from) && own(to) && to != DType::Bool && !cast_shares_storage(from, to)
}

/// `exec(op, a)` written into `out` (of the result's shape and kind).
pub(crate) fn exec_into(op: &Prim, a: &[&Tensor], out: &Tensor) -> Result<(), PlanError> {
    use Prim::*;
    if crate::cpu::host::exec_into(op, a, out)? {
        return Ok(());
    }
    let _written: Tensor = match op {
        Neg => a[0].f_neg_out(out)?,
        Abs => a[0].f_abs_out(out)?,
        Sin => a[0].f_sin_out(out)?,
        Cos => a[0].f_cos_out(out)?,
        Tan => a[0].f_tan_out(out)?,
        Exp => a[0].f_exp_out(out)?,
        Log => a[0].f_log_out(out)?,
        Tanh => a[0].f_tanh_out(out)?,
        Exp2 => a[0].f_exp2_out(out)?,
        Expm1 => a[0].f_expm1_out(out)?,
        Log2 => a[0].f_log2_out(out)?,
        Log10 => a[0].f_log10_out(out)?,
        Log1p => a[0].f_log1p_out(out)?,
        Floor => a[0].f_floor_out(out)?,
        Ceil => a[0].f_ceil_out(out)?,
        Trunc => a[0].f_trunc_out(out)?,
        Add => a[0].f_add_out(out, a[1])?,
        Sub => a[0].f_sub_out(out, a[1])?,
        Mul => a[0].f_mul_out(out, a[1])?,
        Div => a[0].f_div_out(out, a[1])?,
        Square => a[0].f_mul_out(out, a[0])?,
        Maximum => a[0].f_maximum_out(out, a[1])?,
        Minimum => a[0].f_minimum_out(out, a[1])?,
        LogicalOr => a[0].f_logical_or_out(out, a[1])?,
        LogicalAnd => a[0].f_logical_and_out(out, a[1])?,
        LogicalNot => a[0].f_logical_not_out(out)?,
        BitAnd => a[0].f_bitwise_and_tensor_out(out, a[1])?,
        BitOr => a[0].f_bitwise_or_tensor_out(out, a[1])?,
        BitXor => a[0].f_bitwise_xor_tensor_out(out, a[1])?,
        Eq => a[0].f_eq_tensor_out(out, a[1])?,
        Ne => a[0].f_ne_tensor_out(out, a[1])?,
        Lt => a[0].f_lt_tensor_out(out, a[1])?,
        Le => a[0].f_le_tensor_out(out, a[1])?,
        Gt => a[0].f_gt_tensor_out(out, a[1])?,
        Ge => a[0].f_ge_tensor_out(out, a[1])?,
        Where => a[1].f_where_self_out(out, a[0], a[2])?,
        AddCMul => a[0].f_addcmul_out(out, a[1], a[2])?,
        Gemm { alpha, beta } => {
            gemm_into(a, *alpha, *beta, out)?;
            return Ok(());
        }
        MatMul => {
            if !matmul_into(a[0], a[1], out)? {
                out.shallow_clone().f_copy_(&matmul(a[0], a[1])?)?;
            }
            return Ok(());
        }

        Sqrt => return settle(sqrt_exact(a[0], Some(out))?, out),
        FloatMaximum { tie } => {
            return settle(float_extreme(a[0], a[1], true, *tie, Some(out))?, out)
        }
        FloatMinimum { tie } => {
            return settle(float_extreme(a[0], a[1], false, *tie, Some(out))?, out)
        }
        SliceScatter(dims) => {
            copy_into(out, a[0])?;
            scatter_into(out, a[1], dims)?;
            return Ok(());
        }
        // `writes_into` takes only the casts libtorch's copy makes exactly.
        Copy | Cast { .. } => {
            copy_into(out, a[0])?;
            return Ok(());
        }
        _ => {
            // Not an `_out` op (lowering does not send these here): copy.
            let t = exec(op, a)?;
            out.shallow_clone().f_copy_(&t)?;
            return Ok(());
        }
    };
    Ok(())
}

/// After a failed instruction: copy each snapshot back into the caller's array
/// it was taken of. Where an input was written without one, NumPy cannot re-run
/// the call on the arrays the caller passed: say so instead of falling back.
pub(crate) fn restore(written: &[(Tensor, Option<Tensor>, bool)], e: PlanError) -> PlanError {
    let mut lost = false;
    for (target, snapshot, started) in written {
        match snapshot {
            Some(s) => {
                if let Err(err) = target.shallow_clone().f_copy_(s) {
                    return PlanError::InputsWritten(format!("{e}; restoring an argument: {err}"));
                }
            }
            None => lost |= *started,
        }
    }
    match e {
        PlanError::Torch(m) if lost => PlanError::InputsWritten(m),
        e => e,
    }
}

fn zero_like(t: &Tensor) -> Result<Tensor, PlanError> {
    Ok(t.f_zeros_like()?)
}

pub(crate) fn exec(op: &Prim, a: &[&Tensor]) -> Result<Tensor, PlanError> {
    use Prim::*;
    Ok(match op {
        Neg => a[0].f_neg()?,
        Abs => a[0].f_abs()?,
        BitNot => a[0].f_bitwise_not()?,
        LogicalNot => a[0].f_logical_not()?,
        Sin => a[0].f_sin()?,
        Cos => a[0].f_cos()?,
        Tan => a[0].f_tan()?,
        Exp => a[0].f_exp()?,
        Log => a[0].f_log()?,
        Sqrt => sqrt_exact(a[0], None)?,
        Tanh => a[0].f_tanh()?,
        Asin => a[0].f_asin()?,
        Acos => a[0].f_acos()?,
        Atan => a[0].f_atan()?,
        Sinh => a[0].f_sinh()?,
        Cosh => a[0].f_cosh()?,
        Asinh => a[0].f_asinh()?,
        Acosh => a[0].f_acosh()?,
        Atanh => a[0].f_atanh()?,
        Exp2 => a[0].f_exp2()?,
        Expm1 => a[0].f_expm1()?,
        Log2 => a[0].f_log2()?,
        Log10 => a[0].f_log10()?,
        Log1p => a[0].f_log1p()?,
        Cbrt => {
            let ax = a[0].f_abs()?;
            let y = ax.f_pow_tensor_scalar(1.0 / 3.0)?;
            let y2 = y.f_mul(&y)?;
            let refined = y.f_sub(&y2.f_mul(&y)?.f_sub(&ax)?.f_div(&y2.f_mul_scalar(3.0)?)?)?;
            let ok = y.f_isfinite()?.f_logical_and(&y.f_ne(0.0)?)?;
            refined.f_where_self(&ok, &y)?.f_copysign(a[0])?
        }
        Round => a[0].f_round()?,
        Deg2Rad => a[0].f_deg2rad()?,
        Rad2Deg => a[0].f_rad2deg()?,
        Square => a[0].f_mul(a[0])?,
        Reciprocal => a[0].f_reciprocal()?,
        IntReciprocal { at_zero } => {
            let unit = a[0].f_abs()?.f_eq(1)?;
            a[0].f_where_scalarother(&unit, 0)?
                .f_masked_fill(&a[0].f_eq(0)?, *at_zero)?
        }
        Sign => a[0].f_sign()?,
        FloatSign => a[0].f_where_self(&a[0].f_isnan()?, &a[0].f_sign()?)?,
        Floor => a[0].f_floor()?,
        Ceil => a[0].f_ceil()?,
        Trunc => a[0].f_trunc()?,
        IsNan => a[0].f_isnan()?,
        IsInf => a[0].f_isinf()?,
        IsFinite => a[0].f_isfinite()?,
        SignBit => a[0].f_signbit()?,
        Widened { op, via, back } => {
            let wide = a
                .iter()
                .map(|t| t.f_to_kind(*via))
                .collect::<Result<SmallVec<[Tensor; 3]>, _>>()?;
            let refs: SmallVec<[&Tensor; 3]> = wide.iter().collect();
            exec(op, &refs)?.f_to_kind(*back)?
        }
        Add => a[0].f_add(a[1])?,
        Sub => a[0].f_sub(a[1])?,
        Mul => a[0].f_mul(a[1])?,
        Div => a[0].f_div(a[1])?,
        FloorDiv => a[0].f_div_tensor_mode(a[1], "floor")?,
        // NumPy's npy_divmod: fmod, moved into the divisor's sign; a zero
        // remainder takes the divisor's sign.
        Rem => {
            let (x, y) = (a[0], a[1]);
            let m = fmod_exact(x, y)?;
            let moved = m
                .f_ne(0)?
                .f_logical_and(&y.f_lt(0)?.f_ne_tensor(&m.f_lt(0)?)?)?
                .f_logical_and(&y.f_ne(0)?)?;
            let m = m.f_add(y)?.f_where_self(&moved, &m)?;
            let zero = m.f_eq(0)?.f_logical_and(&y.f_ne(0)?)?;
            m.f_copysign(y)?.f_where_self(&zero, &m)?
        }
        IntFloorDiv | IntRem => {
            let zero = a[1].f_eq(0)?;
            let one = a[1].f_ones_like()?;
            let safe = one.f_where_self(&zero, a[1])?;
            let r = if matches!(op, IntFloorDiv) {
                a[0].f_div_tensor_mode(&safe, "floor")?
            } else {
                a[0].f_remainder_tensor(&safe)?
            };
            zero_like(&r)?.f_where_self(&zero, &r)?
        }
        IntFMod => {
            let zero = a[1].f_eq(0)?;
            let safe = a[1].f_masked_fill(&zero, 1)?;
            a[0].f_fmod_tensor(&safe)?.f_masked_fill(&zero, 0)?
        }
        FMod => fmod_exact(a[0], a[1])?,
        U64FloorDiv => u64_divrem(a[0], a[1])?.0,
        U64Rem => u64_divrem(a[0], a[1])?.1,
        U64RightShift => u64_right_shift(a[0], a[1])?,
        U64Gcd => u64_gcd(a[0], a[1])?,
        U64Lcm => {
            let g = u64_gcd(a[0], a[1])?;
            let zero = g.f_eq(0)?;
            let q = u64_divrem(a[0], &g.f_masked_fill(&zero, 1)?)?.0;
            q.f_mul(a[1])?.f_masked_fill(&zero, 0)?
        }
        U64Pow => u64_pow(a[0], a[1])?,
        ConjPhysical => a[0].f_conj_physical()?,
        ComplexSign => super::complex::sign(a[0])?,
        ComplexSquare => super::complex::mul(a[0], a[0])?,
        ComplexReciprocal => super::complex::reciprocal(a[0])?,
        ComplexNeg => super::complex::neg(a[0])?,
        ComplexLog1p => super::complex::log1p(a[0])?,
        ComplexAcos => super::complex::acos(a[0])?,
        ComplexLogScaled(c) => super::complex::log_scaled(a[0], *c)?,
        Real => a[0].f_real()?,
        Imag => a[0].f_imag()?,
        ComplexPow => super::complex::pow(a[0], a[1])?,
        ComplexAdd => super::complex::add(a[0], a[1])?,
        ComplexSub => super::complex::sub(a[0], a[1])?,
        ComplexMul => super::complex::mul(a[0], a[1])?,
        ComplexDiv => super::complex::div(a[0], a[1])?,
        ComplexMatMul => super::complex::matmul(a[0], a[1])?,
        U64Sign => a[0].f_ne(0)?.f_to_kind(a[0].kind())?,
        U64Reciprocal => a[0].f_eq(1)?.f_to_kind(a[0].kind())?,
        IntPow => {
            // NumPy checks each element it computes: none where the result is empty.
            let empty = a[0].numel() == 0 || a[1].numel() == 0;
            if !empty && a[1].f_lt(0)?.f_any()?.f_int64_value(&[])? != 0 {
                return Err(PlanError::Value(
                    "Integers to negative integer powers are not allowed.".into(),
                ));
            }
            a[0].f_pow(a[1])?
        }
        Pow => a[0].f_pow(a[1])?,
        Maximum => a[0].f_maximum(a[1])?,
        Minimum => a[0].f_minimum(a[1])?,
        FloatMaximum { tie } => float_extreme(a[0], a[1], true, *tie, None)?,
        FloatMinimum { tie } => float_extreme(a[0], a[1], false, *tie, None)?,
        LogicalOr => a[0].f_logical_or(a[1])?,
        LogicalAnd => a[0].f_logical_and(a[1])?,
        BitAnd => a[0].f_bitwise_and_tensor(a[1])?,
        BitOr => a[0].f_bitwise_or_tensor(a[1])?,
        BitXor => a[0].f_bitwise_xor_tensor(a[1])?,
        Atan2 => a[0].f_atan2(a[1])?,
        Hypot => a[0].f_hypot(a[1])?,
        CopySign => a[0].f_copysign(a[1])?,
        LogAddExp => a[0].f_logaddexp(a[1])?,
        // NumPy's is exact where x == y (x + 1); libtorch's rounds there.
        LogAddExp2 => a[0]
            .f_add_scalar(1)?
            .f_where_self(&a[0].f_eq_tensor(a[1])?, &a[0].f_logaddexp2(a[1])?)?,
        Heaviside => {
            let step = a[0].f_gt(0)?.f_to_kind(a[0].kind())?;
            let r = a[1].f_where_self(&a[0].f_eq(0)?, &step)?;
            a[0].f_where_self(&a[0].f_isnan()?, &r)?
        }
        FMax => a[0].f_fmax(a[1])?,
        FMin => a[0].f_fmin(a[1])?,
        LogicalXor => a[0].f_logical_xor(a[1])?,
        LeftShift => a[0].f_bitwise_left_shift(a[1])?,
        RightShift => a[0].f_bitwise_right_shift(a[1])?,
        Gcd => gcd(a[0], a[1])?,
        Lcm => lcm(a[0], a[1])?,
        NextAfter => a[0].f_nextafter(a[1])?,
        Eq => a[0].f_eq_tensor(a[1])?,
        Ne => a[0].f_ne_tensor(a[1])?,
        Lt => a[0].f_lt_tensor(a[1])?,
        Le => a[0].f_le_tensor(a[1])?,
        Gt => a[0].f_gt_tensor(a[1])?,
        Ge => a[0].f_ge_tensor(a[1])?,
        Where => a[1].f_where_self(a[0], a[2])?,
        Cast { from, to } => cast(a[0], *from, *to)?,
        Sum { dims, keepdim } => reduce(a[0], dims, |t| {
            t.f_sum_dim_intlist(dims.as_slice(), *keepdim, None::<Kind>)
        })?,
        Mean { dims, keepdim } => reduce(a[0], dims, |t| {
            t.f_mean_dim(dims.as_slice(), *keepdim, None::<Kind>)
        })?,
        HostSum {
            dims,
            keepdim,
            mean,
            buffered,
            view,
        } => {
            let layout = a.get(1).copied();
            crate::cpu::sum::host_sum(a[0], layout, view, dims, *keepdim, *mean, *buffered)?
        }
        Amax { dims, keepdim } => reduce(a[0], dims, |t| t.f_amax(dims.as_slice(), *keepdim))?,
        Amin { dims, keepdim } => reduce(a[0], dims, |t| t.f_amin(dims.as_slice(), *keepdim))?,
        Any { dims, keepdim } => reduce(a[0], dims, |t| t.f_any_dims(dims.as_slice(), *keepdim))?,
        All { dims, keepdim } => reduce(a[0], dims, |t| t.f_all_dims(dims.as_slice(), *keepdim))?,
        Prod { dims, keepdim }
            if !dims.is_empty()
                && a[0].device() == tch::Device::Cpu
                && matches!(a[0].kind(), Kind::Float | Kind::Double) =>
        {
            prod_in_order(a[0], dims, *keepdim)?
        }
        Prod { dims, keepdim } => reduce(a[0], dims, |t| {
            // libtorch's prod takes one dim at a time; go from the last so indices hold.
            let mut acc = t.shallow_clone();
            for &d in dims.iter().rev() {
                acc = acc.f_prod_dim_int(d, *keepdim, None::<Kind>)?;
            }
            Ok(acc)
        })?,
        CumSum { dim, kind } if *kind == Kind::Double => cumsum_f64(a[0], *dim)?,
        // Complex sums add part by part: each part as NumPy's float loop.
        CumSum { dim, kind } if matches!(kind, Kind::ComplexFloat | Kind::ComplexDouble) => {
            let (re, im) = (a[0].f_real()?, a[0].f_imag()?);
            let part = |t: &Tensor| {
                if *kind == Kind::ComplexFloat {
                    sequential_cum(t, *dim, false)
                } else {
                    cumsum_f64(t, *dim)
                }
            };
            Tensor::f_complex(&part(&re)?, &part(&im)?)?
        }
        CumSum { dim, kind } => a[0].f_cumsum(*dim, *kind)?,
        CumProd { dim, kind } => a[0].f_cumprod(*dim, *kind)?,
        SeqCumSum(dim) => sequential_cum(a[0], *dim, false)?,
        SeqCumProd(dim) => sequential_cum(a[0], *dim, true)?,
        ComplexCumProd(dim) => complex_cumprod(a[0], *dim)?,
        ComplexArg {
            dim,
            out_shape,
            max,
        } => complex_arg(a[0], *dim, out_shape, *max)?,
        MakeComplex => {
            let parts = Tensor::f_broadcast_tensors(&[a[0], a[1]])?;
            Tensor::f_complex(&parts[0], &parts[1])?
        }
        CheckInt { from, to } => {
            check_int(a[0], *from, *to)?;
            a[0].shallow_clone()
        }
        ComplexRint => Tensor::f_complex(&a[0].f_real()?.f_round()?, &a[0].f_imag()?.f_round()?)?,
        ComplexMaxMin { dims, keepdim, max } => reduce(a[0], dims, |t| Ok(t.shallow_clone()))
            .and_then(|t| {
                if dims.is_empty() {
                    Ok(t)
                } else {
                    complex_extreme(a[0], dims, *keepdim, *max)
                }
            })?,
        ComplexProd { dims, keepdim } => complex_prod(a[0], dims, *keepdim)?,
        ArgMax {
            dim,
            keepdim,
            out_shape,
            via,
        }
        | ArgMin {
            dim,
            keepdim,
            out_shape,
            via,
        } => {
            let src = match via {
                Some(k) => a[0].f_to_kind(*k)?,
                None => a[0].shallow_clone(),
            };
            let r = match (op, dim) {
                (ArgMax { .. }, Some(d)) => src.f_argmax(*d, *keepdim)?,
                (ArgMin { .. }, Some(d)) => src.f_argmin(*d, *keepdim)?,
                (ArgMax { .. }, None) => src.f_reshape([-1i64])?.f_argmax(0i64, false)?,
                _ => src.f_reshape([-1i64])?.f_argmin(0i64, false)?,
            };
            if dim.is_none() {
                r.f_reshape(out_shape.as_slice())?
            } else {
                r
            }
        }
        MatMul => matmul(a[0], a[1])?,
        Gemm { alpha, beta } => {
            let shape = [a[0].size()[0], a[1].size()[1]];
            let out = Tensor::f_empty(shape, (a[0].kind(), a[0].device()))?;
            gemm_into(a, *alpha, *beta, &out)?;
            out
        }
        BoolMatMul => a[0]
            .f_to_kind(Kind::Int64)?
            .f_matmul(&a[1].f_to_kind(Kind::Int64)?)?
            .f_ne(0)?,
        Reshape(shape) => a[0].f_reshape(shape.as_slice())?,
        Permute(perm) => a[0].f_permute(perm.as_slice())?,
        SliceView(dims) => slice_view(a[0], dims)?,
        Restride(shape) => restride(a[0], shape)?,
        Slice(dims) => {
            let mut t = a[0].shallow_clone();
            for &(dim, start, len, step) in dims {
                let n = t.size()[dim as usize];
                if step > 0 {
                    t = t.f_slice(dim, start, start + (len - 1).max(0) * step + 1, step)?;
                    if len == 0 {
                        t = t.f_narrow(dim, 0, 0)?;
                    }
                } else {
                    // libtorch has no negative steps: flip, then step forward.
                    let s = n - 1 - start;
                    t = t.f_flip([dim])?.f_slice(
                        dim,
                        s,
                        s + (len - 1).max(0) * -step + 1,
                        -step,
                    )?;
                    if len == 0 {
                        t = t.f_narrow(dim, 0, 0)?;
                    }
                }
            }
            t
        }
        SliceScatter(dims) => {
            let out = a[0].f_to_dtype(a[0].kind(), false, true)?;
            scatter_into(&out, a[1], dims)?;
            out
        }
        SliceScatterInPlace(dims) => {
            scatter_into(a[0], a[1], dims)?;
            a[0].shallow_clone()
        }
        Concat(axis) => Tensor::f_cat(a, *axis)?,
        Sort { dim, via } => match via {
            Some(k) => a[0]
                .f_to_kind(*k)?
                .f_sort_stable(true, *dim, false)?
                .0
                .f_to_kind(a[0].kind())?,
            None if a[0].dim() == 0 => a[0].f_to_dtype(a[0].kind(), false, true)?,
            None => a[0].f_sort_stable(true, *dim, false)?.0,
        },
        Take {
            dim,
            size,
            out_shape,
        } => {
            let idx = a[1].f_reshape([-1i64])?;
            let bad = idx.f_ge(*size)?.f_logical_or(&idx.f_lt(-*size)?)?;
            if bad.f_any()?.f_int64_value(&[])? != 0 {
                let first = idx.f_masked_select(&bad)?.f_int64_value(&[0])?;
                return Err(PlanError::Index(format!(
                    "index {first} is out of bounds for axis {dim} with size {size}"
                )));
            }
            let idx = if *size > 0 {
                idx.f_remainder(*size)?
            } else {
                idx
            };
            a[0].f_index_select(*dim, &idx)?
                .f_reshape(out_shape.as_slice())?
        }
        AddCMul => a[0].f_addcmul(a[1], a[2])?,
        Linalg(l) => linalg(*l, a)?,
        ArgSort { dim, via } => match via {
            Some(k) => a[0].f_to_kind(*k)?.f_sort_stable(true, *dim, false)?.1,
            None => a[0].f_sort_stable(true, *dim, false)?.1,
        },
        SearchSorted { right, via } => {
            let side = if *right { "right" } else { "left" };
            let (seq, values) = match via {
                Some(k) => (a[0].f_to_kind(*k)?, a[1].f_to_kind(*k)?),
                None => (a[0].shallow_clone(), a[1].shallow_clone()),
            };
            values.f_searchsorted(&seq.f_contiguous()?, false, *right, side, None::<Tensor>)?
        }
        Fft { op, n, dim } => {
            use ir::FftOp as F;
            // Unnormalized both ways: "backward" scales only the inverse,
            // "forward" only the forward transform.
            match op {
                F::Fft => a[0].f_fft_fft(*n, *dim, "backward")?,
                F::Ifft => a[0].f_fft_ifft(*n, *dim, "forward")?,
                F::Rfft => a[0].f_fft_rfft(*n, *dim, "backward")?,
                F::Irfft => a[0].f_fft_irfft(*n, *dim, "forward")?,
            }
        }
        BinCount { length } => {
            let r = a[0].f_bincount(a.get(1).copied(), *length)?;
            if r.size()[0] != *length {
                return Err(PlanError::Torch("bincount position out of range".into()));
            }
            if a.len() > 1 {
                r.f_to_kind(Kind::Double)?
            } else {
                r
            }
        }
        Check { kind } => {
            let any = a[0].f_any()?;
            if any.f_int64_value(&[])? != 0 {
                let message = kind.message().to_string();
                return Err(if kind.is_zero_division() {
                    PlanError::ZeroDivision(message)
                } else if kind.is_speculation() {
                    PlanError::Deopt(message)
                } else if kind.is_index_error() {
                    PlanError::Index(message)
                } else {
                    PlanError::Value(message)
                });
            }
            any
        }
        Host {
            kernel,
            args,
            dtype,
        } => {
            let run = HOST_KERNELS
                .get()
                .ok_or_else(|| PlanError::Torch("no host kernels installed".into()))?;
            let device = a.first().map_or(Device::Cpu, |t| t.device());
            let on_host: Vec<Tensor> = a
                .iter()
                .map(|t| t.f_to(Device::Cpu))
                .collect::<Result<_, _>>()?;
            let refs: Vec<&Tensor> = on_host.iter().collect();
            let r = run(kernel, &refs, args, *dtype)?;
            if device == Device::Cpu {
                r
            } else {
                r.f_to(device)?
            }
        }
        Copy => a[0].f_to_dtype(a[0].kind(), false, true)?,
    })
}

/// `np.linalg` through libtorch's `linalg_*` (LAPACK), NumPy's `LinAlgError`
/// where a matrix of the stack is singular or not positive definite.
fn linalg(op: ir::LinalgOp, a: &[&Tensor]) -> Result<Tensor, PlanError> {
    use ir::LinalgOp as L;
    let failed = |info: &Tensor, message: &str| -> Result<(), PlanError> {
        if info.numel() > 0 && info.f_ne(0)?.f_any()?.f_int64_value(&[])? != 0 {
            return Err(PlanError::LinAlg(message.to_string()));
        }
        Ok(())
    };
    Ok(match op {
        L::Cholesky => {
            let (l, info) = a[0].f_linalg_cholesky_ex(false, false)?;
            failed(&info, "Matrix is not positive definite")?;
            l
        }
        L::Inv => {
            let (inv, info) = Tensor::f_linalg_inv_ex(a[0], false)?;
            failed(&info, "Singular matrix")?;
            inv
        }
        L::Det => Tensor::f_linalg_det(a[0])?,
        L::SlogDetSign => Tensor::f_linalg_slogdet(a[0])?.0,
        L::SlogDetLog => Tensor::f_linalg_slogdet(a[0])?.1,
        L::EigvalsLower => a[0].f_linalg_eigvalsh("L")?,
        L::EigvalsUpper => a[0].f_linalg_eigvalsh("U")?,
        L::SvdVals => a[0].f_svd(true, false)?.1, // svdvals: its `driver` string is CUDA-only in tch
        L::Solve => {
            let (x, info) = Tensor::f_linalg_solve_ex(a[0], a[1], true, false)?;
            failed(&info, "Singular matrix")?;
            x
        }
        L::SolveVector => {
            let (x, info) = Tensor::f_linalg_solve_ex(a[0], &a[1].f_unsqueeze(-1)?, true, false)?;
            failed(&info, "Singular matrix")?;
            x.f_squeeze_dim(-1)?
        }
    })
}

fn cast(t: &Tensor, from: DType, to: DType) -> Result<Tensor, PlanError> {
    use DType::*;
    let kind = storage_kind(to);
    if cast_shares_storage(from, to) {
        // The same bits (lowering marks the result a view of its operand).
        return Ok(t.f_to_kind(kind)?);
    }
    if to == Bool {
        return Ok(t.f_ne(0)?);
    }
    let exact = match from {
        U16 => t.f_to_kind(Kind::Int)?.f_bitwise_and(0xFFFF)?,
        U32 => t.f_to_kind(Kind::Int64)?.f_bitwise_and(0xFFFF_FFFF)?,
        U64 if !to.is_exact() => return u64_to_float(t, to),
        _ => t.shallow_clone(),
    };
    let exact_from = if from.is_unsigned() && from != U8 {
        I64
    } else {
        from
    };
    if to.is_unsigned() && to != U8 {
        // Complex: its real part.
        let src = if exact_from.is_complex() {
            exact.f_real()?
        } else {
            exact.shallow_clone()
        };
        let wide = if to == U64 && !exact_from.is_exact() {
            float_to_u64_bits(&src)?
        } else if to == U16 && !exact_from.is_exact() {
            // As x86-64's C conversion: through int32 (out of its range: 0x80000000).
            src.f_to_kind(Kind::Int)?
        } else {
            src.f_to_kind(Kind::Int64)?
        };
        return Ok(wide.f_to_kind(kind)?);
    }
    if exact_from.is_complex() && !to.is_complex() {
        // A copy: `real()` is a view, and `to_kind` of its own kind is that view.
        return Ok(exact.f_real()?.f_to_dtype(kind, false, true)?);
    }
    Ok(exact.f_to_kind(kind)?)
}

/// NumPy's running sum starts from the first element: -0.0 stays -0.0 while
/// every element so far is -0.0 (libtorch's starts from +0.0).
fn cumsum_f64(x: &Tensor, dim: i64) -> Result<Tensor, PlanError> {
    let r = x.f_cumsum(dim, Kind::Double)?;
    let negative_zero = x.f_eq(0)?.f_logical_and(&x.f_signbit()?)?;
    let all_so_far = negative_zero
        .f_to_kind(Kind::Int64)?
        .f_cumprod(dim, Kind::Int64)?
        .f_ne(0)?;
    Ok(r.f_neg()?.f_where_self(&all_so_far, &r)?)
}

/// NumPy's float `maximum` (`max`) or `minimum`: NaN-propagating, and operand
/// `tie` where the two compare equal (zeros of both signs). On the CPU, for
/// float32/float64 operands of one shape or against a single value, one host
/// pass; elsewhere libtorch's kernel and a `where` that picks the tie.
/// `dest` where it is a C-ordered tensor of `like`'s kind and shape (a plan
/// destination: it shares no memory with a live value), else a new one.
fn fresh_or(dest: Option<&Tensor>, like: &Tensor) -> Result<Tensor, PlanError> {
    Ok(match dest {
        Some(d) if d.kind() == like.kind() && d.size() == like.size() && d.is_contiguous() => {
            d.shallow_clone()
        }
        _ => like.f_empty_like()?,
    })
}

fn float_extreme(
    a: &Tensor,
    b: &Tensor,
    max: bool,
    tie: usize,
    dest: Option<&Tensor>,
) -> Result<Tensor, PlanError> {
    let kind = a.kind();
    let cpu = a.device() == tch::Device::Cpu && b.device() == tch::Device::Cpu;
    let (na, nb) = (a.numel(), b.numel());
    let shapes_fit =
        a.size() == b.size() || (nb == 1 && b.dim() <= a.dim()) || (na == 1 && a.dim() <= b.dim());
    if !cpu || kind != b.kind() || !matches!(kind, Kind::Float | Kind::Double) || !shapes_fit {
        let r = if max {
            a.f_maximum(b)?
        } else {
            a.f_minimum(b)?
        };
        let pick = if tie == 0 { a } else { b };
        return Ok(pick.f_where_self(&a.f_eq_tensor(b)?, &r)?);
    }
    let (a, b) = (a.f_contiguous()?, b.f_contiguous()?);
    let a_shaped = a.size() == b.size() || (nb == 1 && b.dim() <= a.dim());
    let out = fresh_or(dest, if a_shaped { &a } else { &b })?;
    let n = out.numel();
    if n == 0 {
        return Ok(out);
    }
    use crate::cpu::kernels::pick;
    fn run<T: Copy + PartialOrd, const MAX: bool, const KEEP_FIRST: bool>(
        x: &[T],
        y: &[T],
        out: &mut [T],
    ) {
        let f = pick::<T, MAX, KEEP_FIRST>;
        match (x.len(), y.len()) {
            (nx, ny) if nx == ny => out
                .iter_mut()
                .zip(x.iter().zip(y))
                .for_each(|(o, (&p, &q))| *o = f(p, q)),
            (1, _) => out.iter_mut().zip(y).for_each(|(o, &q)| *o = f(x[0], q)),
            _ => out.iter_mut().zip(x).for_each(|(o, &p)| *o = f(p, y[0])),
        }
    }
    fn pass<T: Copy + PartialOrd>(x: &[T], y: &[T], out: &mut [T], max: bool, tie: usize) {
        // `k` is the operand returned on ties: the first where tie == 0.
        match (max, tie == 0) {
            (true, true) => run::<T, true, true>(x, y, out),
            (true, false) => run::<T, true, false>(x, y, out),
            (false, true) => run::<T, false, true>(x, y, out),
            (false, false) => run::<T, false, false>(x, y, out),
        }
    }
    // SAFETY: contiguous CPU tensors of `kind` holding `na`, `nb` and `n`
    // elements (n = max(na, nb), the other side is n or 1), alive until the end.
    unsafe {
        if kind == Kind::Float {
            let (x, y) = (
                std::slice::from_raw_parts(a.data_ptr() as *const f32, na),
                std::slice::from_raw_parts(b.data_ptr() as *const f32, nb),
            );
            pass(
                x,
                y,
                std::slice::from_raw_parts_mut(out.data_ptr() as *mut f32, n),
                max,
                tie,
            );
        } else {
            let (x, y) = (
                std::slice::from_raw_parts(a.data_ptr() as *const f64, na),
                std::slice::from_raw_parts(b.data_ptr() as *const f64, nb),
            );
            pass(
                x,
                y,
                std::slice::from_raw_parts_mut(out.data_ptr() as *mut f64, n),
                max,
                tie,
            );
        }
    }
    Ok(out)
}

/// IEEE's correctly rounded square root, as NumPy's (x86's `sqrtps`/`sqrtpd`).
/// libtorch's vectorized CPU kernel is an ulp off for some float32 and float64
/// values (about 0.7% of random large arrays), which `cos`, `floor` or a
/// comparison downstream can turn into a visible difference: on the CPU the
/// square root of float32/float64 is a host loop over Rust's `sqrt`.
fn sqrt_exact(x: &Tensor, dest: Option<&Tensor>) -> Result<Tensor, PlanError> {
    let kind = x.kind();
    if x.device() != tch::Device::Cpu || !matches!(kind, Kind::Float | Kind::Double) {
        return Ok(x.f_sqrt()?);
    }
    let x = x.f_contiguous()?;
    let out = fresh_or(dest, &x)?;
    let n = x.numel();
    if n == 0 {
        return Ok(out); // an empty tensor's data pointer may be null
    }
    // SAFETY: both tensors are contiguous, of `kind`, with `n` elements, and
    // live until the loop ends; `out` is freshly allocated (no aliasing).
    unsafe {
        match kind {
            Kind::Float => {
                let src = std::slice::from_raw_parts(x.data_ptr() as *const f32, n);
                let dst = std::slice::from_raw_parts_mut(out.data_ptr() as *mut f32, n);
                dst.iter_mut().zip(src).for_each(|(d, s)| *d = s.sqrt());
            }
            _ => {
                let src = std::slice::from_raw_parts(x.data_ptr() as *const f64, n);
                let dst = std::slice::from_raw_parts_mut(out.data_ptr() as *mut f64, n);
                dst.iter_mut().zip(src).for_each(|(d, s)| *d = s.sqrt());
            }
        }
    }
    Ok(out)
}

/// C's fmod, exactly. libtorch's vectorized fmod gives nan where |x / y|
/// overflows (a finite x far beyond a finite y): those lanes are recomputed on
/// the host (Rust's `%` on floats is C's fmod).
fn fmod_exact(x: &Tensor, y: &Tensor) -> Result<Tensor, PlanError> {
    let r = x.f_fmod_tensor(y)?;
    let bad = r
        .f_isnan()?
        .f_logical_and(&x.f_isfinite()?)?
        .f_logical_and(&y.f_isfinite()?)?
        .f_logical_and(&y.f_ne(0)?)?;
    if bad.f_any()?.f_int64_value(&[])? == 0 {
        return Ok(r);
    }
    let shape = r.size();
    let host = |t: &Tensor| -> Result<Vec<f64>, PlanError> {
        let lanes = t.f_broadcast_to(shape.as_slice())?.f_masked_select(&bad)?;
        Ok(Vec::<f64>::try_from(
            &lanes
                .f_to_kind(Kind::Double)?
                .f_to_device(tch::Device::Cpu)?,
        )?)
    };
    let fixed: Vec<f64> = host(x)?.iter().zip(host(y)?).map(|(p, q)| p % q).collect();
    let fixed = Tensor::f_from_slice(&fixed)?
        .f_to_kind(r.kind())?
        .f_to_device(r.device())?;
    Ok(r.f_masked_scatter(&bad, &fixed)?)
}

/// uint64 bits to a float, rounded once: a value of 2^63 or more is halved
/// keeping its lowest bit sticky, converted, and doubled (exact).
fn u64_to_float(t: &Tensor, to: DType) -> Result<Tensor, PlanError> {
    let real = if to.is_complex() { to.real_of() } else { to };
    let kind = storage_kind(real);
    let big = t.f_lt(0)?;
    let halved = t
        .f_bitwise_right_shift_tensor_scalar(1)?
        .f_bitwise_and(i64::MAX)?
        .f_bitwise_or_tensor(&t.f_bitwise_and(1)?)?;
    let f = t.f_to_kind(kind)?.f_where_self(
        &big.f_logical_not()?,
        &halved.f_to_kind(kind)?.f_mul_scalar(2)?,
    )?;
    Ok(if to.is_complex() {
        f.f_to_kind(storage_kind(to))?
    } else {
        f
    })
}

/// A float to uint64 bits as x86-64's conversion does: values from 2^63 up go
/// through `x - 2^63` with the top bit set back.
fn float_to_u64_bits(x: &Tensor) -> Result<Tensor, PlanError> {
    let x = if x.kind() == Kind::Double {
        x.shallow_clone()
    } else {
        x.f_to_kind(Kind::Double)?
    };
    let two63 = 9_223_372_036_854_775_808.0f64;
    let high = x.f_ge(two63)?;
    let low_part = x.f_to_kind(Kind::Int64)?;
    let high_part = x
        .f_sub_scalar(two63)?
        .f_to_kind(Kind::Int64)?
        .f_bitwise_xor(i64::MIN)?;
    Ok(high_part.f_where_self(&high, &low_part)?)
}

/// uint64 bits whose signed order is the unsigned one.
fn u64_key(t: &Tensor) -> Result<Tensor, PlanError> {
    Ok(t.f_bitwise_xor(i64::MIN)?)
}

fn u64_ge(a: &Tensor, b: &Tensor) -> Result<Tensor, PlanError> {
    Ok(u64_key(a)?.f_ge_tensor(&u64_key(b)?)?)
}

/// Unsigned quotient and remainder of uint64 bits, both 0 where the divisor is
/// 0 (NumPy's result there): the dividend is halved so signed division is exact,
/// and one correction step fixes the quotient (Hacker's Delight 9-3).
fn u64_divrem(n: &Tensor, d: &Tensor) -> Result<(Tensor, Tensor), PlanError> {
    let zero = d.f_eq(0)?;
    let big = d.f_lt(0)?;
    let safe = d.f_masked_fill(&zero.f_logical_or(&big)?, 1)?;
    let half = n
        .f_bitwise_right_shift_tensor_scalar(1)?
        .f_bitwise_and(i64::MAX)?;
    let q = half
        .f_div_tensor_mode(&safe, "trunc")?
        .f_bitwise_left_shift_tensor_scalar(1)?;
    let r = n.f_sub(&q.f_mul(&safe)?)?;
    let fix = u64_ge(&r, &safe)?;
    let q = q.f_add(&fix.f_to_kind(Kind::Int64)?)?;
    let r = r.f_sub(&safe)?.f_where_self(&fix, &r)?;
    // Divisors of 2^63 or more go at most once.
    let qb = u64_ge(n, d)?.f_to_kind(Kind::Int64)?;
    let rb = n.f_sub(&qb.f_mul(d)?)?;
    let q = qb.f_where_self(&big, &q)?.f_masked_fill(&zero, 0)?;
    let r = rb.f_where_self(&big, &r)?.f_masked_fill(&zero, 0)?;
    Ok((q, r))
}

/// Logical right shift of uint64 bits; shifts of 64 or more give 0.
fn u64_right_shift(n: &Tensor, s: &Tensor) -> Result<Tensor, PlanError> {
    let in_range = s.f_ge(0)?.f_logical_and(&s.f_lt(64)?)?;
    let s1 = s.f_clamp(1, 63)?;
    let half = n
        .f_bitwise_right_shift_tensor_scalar(1)?
        .f_bitwise_and(i64::MAX)?;
    let shifted = half.f_bitwise_right_shift(&s1.f_sub_scalar(1)?)?;
    let r = n
        .f_expand_as(&shifted)?
        .f_where_self(&s.f_eq(0)?, &shifted)?;
    Ok(r.f_masked_fill(&in_range.f_logical_not()?, 0)?)
}

/// `base ** exp` on uint64 bits, wrapping as NumPy's uint64 power does.
fn u64_pow(base: &Tensor, exp: &Tensor) -> Result<Tensor, PlanError> {
    let shape = Tensor::f_broadcast_tensors(&[base, exp])?;
    let (mut b, e) = (shape[0].f_contiguous()?, shape[1].f_contiguous()?);
    let mut r = b.f_ones_like()?;
    for bit in 0..64 {
        let set = e
            .f_bitwise_right_shift_tensor_scalar(bit)?
            .f_bitwise_and(1)?
            .f_ne(0)?;
        r = r.f_mul(&b)?.f_where_self(&set, &r)?;
        if bit < 63 {
            b = b.f_mul(&b)?;
        }
    }
    Ok(r)
}

/// Euclid's algorithm on uint64 bits, all lanes at once.
fn u64_gcd(a: &Tensor, b: &Tensor) -> Result<Tensor, PlanError> {
    let shape = tch::Tensor::f_broadcast_tensors(&[a, b])?;
    let (mut x, mut y) = (shape[0].f_contiguous()?, shape[1].f_contiguous()?);
    // At most ~93 steps for 64-bit operands (Fibonacci worst case).
    for _ in 0..100 {
        if y.f_ne(0)?.f_any()?.f_int64_value(&[])? == 0 {
            break;
        }
        let nz = y.f_ne(0)?;
        let r = u64_divrem(&x, &y.f_masked_fill(&nz.f_logical_not()?, 1)?)?.1;
        let nx = y.f_where_self(&nz, &x)?;
        let ny = r.f_masked_fill(&nz.f_logical_not()?, 0)?;
        x = nx;
        y = ny;
    }
    Ok(x)
}

fn int_min(kind: Kind) -> Result<i64, PlanError> {
    Ok(match kind {
        Kind::Int8 => i8::MIN as i64,
        Kind::Int16 => i16::MIN as i64,
        Kind::Int => i32::MIN as i64,
        Kind::Int64 => i64::MIN,
        k => return Err(PlanError::Torch(format!("gcd/lcm of {k:?}"))),
    })
}

/// NumPy's gcd: gcd(|a|, |b|) taken exactly, then wrapped into the dtype
/// (`gcd(int8 -128, 0)` is -128). libtorch's Euclid goes wrong (and its lcm
/// divides by -1, a SIGFPE) where an operand is the dtype's minimum, so those
/// lanes take the lowest set bit of the other operand (gcd(2^(n-1), x)).
fn gcd(a: &Tensor, b: &Tensor) -> Result<Tensor, PlanError> {
    let kind = a.kind();
    if kind == Kind::Uint8 {
        return Ok(a.f_gcd(b)?);
    }
    let min = int_min(kind)?;
    let (amin, bmin) = (a.f_eq(min)?, b.f_eq(min)?);
    let either = amin.f_logical_or(&bmin)?;
    let g = a
        .f_abs()?
        .f_masked_fill(&either, 1)?
        .f_gcd(&b.f_abs()?.f_masked_fill(&either, 1)?)?;
    let lowbit = |x: &Tensor| -> Result<Tensor, tch::TchError> {
        x.f_bitwise_and_tensor(&x.f_neg()?)?
            .f_masked_fill(&x.f_eq(0)?, min)
    };
    let at_min = lowbit(b)?.f_where_self(&amin, &lowbit(a)?)?;
    Ok(at_min.f_where_self(&either, &g)?)
}

/// NumPy's lcm: `|a / gcd| * |b|` (0 where gcd is 0), wrapped into the dtype
/// (`lcm(int8 127, 2)` is -2). Narrower ints compute exactly in int64; int64
/// wraps its product as NumPy does.
fn lcm(a: &Tensor, b: &Tensor) -> Result<Tensor, PlanError> {
    let kind = a.kind();
    let (a, b) = if kind == Kind::Int64 {
        (a.shallow_clone(), b.shallow_clone())
    } else {
        (a.f_to_kind(Kind::Int64)?, b.f_to_kind(Kind::Int64)?)
    };
    let g = gcd(&a, &b)?;
    let zero = g.f_eq(0)?;
    let q = a.f_div_tensor_mode(&g.f_masked_fill(&zero, 1)?, "trunc")?;
    let r = q.f_abs()?.f_mul(&b.f_abs()?)?.f_masked_fill(&zero, 0)?;
    Ok(if kind == Kind::Int64 {
        r
    } else {
        r.f_to_kind(kind)?
    })
}

/// A running sum/product one step at a time, rounding each step in the
/// tensor's dtype, as NumPy's `add.accumulate` does (libtorch's CPU kernels
/// carry float16 and float32 in a wider accumulator, so an overflow to inf
/// could come back to finite values). float16 steps compute in float32 and
/// round to half, as NumPy's half loops do. Runs on the host, one row at a time.
fn sequential_cum(x: &Tensor, dim: i64, prod: bool) -> Result<Tensor, PlanError> {
    let (kind, device, last) = (x.kind(), x.device(), x.dim() as i64 - 1);
    let moved = x.f_movedim([dim], [last])?;
    let shape = moved.size();
    let n = shape[last as usize];
    let flat = moved
        .f_to_device(tch::Device::Cpu)?
        .f_to_kind(Kind::Float)?
        .f_contiguous()?
        .f_reshape([-1i64])?;
    let mut v = Vec::<f32>::try_from(&flat)?;
    let half = kind == Kind::Half;
    if n > 0 {
        for row in v.chunks_mut(n as usize) {
            let mut acc = row[0];
            for e in row.iter_mut().skip(1) {
                let r = if prod { acc * *e } else { acc + *e };
                acc = if half {
                    half::f16::from_f32(r).to_f32()
                } else {
                    r
                };
                *e = acc;
            }
        }
    }
    let out = Tensor::f_from_slice(&v)?
        .f_reshape(shape.as_slice())?
        .f_to_kind(kind)?;
    Ok(out
        .f_movedim([last], [dim])?
        .f_contiguous()?
        .f_to_device(device)?)
}

/// `complex_cumprod` along `dim`: each step `acc * x` with NumPy's scalar
/// formula, rounded in the parts' own precision.
fn complex_cumprod(x: &Tensor, dim: i64) -> Result<Tensor, PlanError> {
    let (kind, device, last) = (x.kind(), x.device(), x.dim() as i64 - 1);
    let moved = x.f_movedim([dim], [last])?;
    let shape = moved.size();
    let n = shape[last as usize] as usize;
    let flat = moved
        .f_to_device(tch::Device::Cpu)?
        .f_contiguous()?
        .f_view_as_real()?
        .f_reshape([-1i64])?;
    let out = if kind == Kind::ComplexFloat {
        let mut v = Vec::<f32>::try_from(&flat)?;
        complex_running_product(&mut v, n);
        Tensor::f_from_slice(&v)?
    } else {
        let mut v = Vec::<f64>::try_from(&flat.f_to_kind(Kind::Double)?)?;
        complex_running_product(&mut v, n);
        Tensor::f_from_slice(&v)?
    };
    let mut real_shape = shape.clone();
    real_shape.push(2);
    let out = out.f_reshape(real_shape.as_slice())?.f_view_as_complex()?;
    Ok(out
        .f_movedim([last], [dim])?
        .f_contiguous()?
        .f_to_device(device)?)
}

fn complex_running_product<
    T: Copy + std::ops::Mul<Output = T> + std::ops::Sub<Output = T> + std::ops::Add<Output = T>,
>(
    v: &mut [T],
    n: usize,
) {
    if n == 0 {
        return;
    }
    for row in v.chunks_mut(2 * n) {
        let (mut re, mut im) = (row[0], row[1]);
        for e in row.chunks_mut(2).skip(1) {
            let (br, bi) = (e[0], e[1]);
            let r = re * br - im * bi;
            let i = re * bi + im * br;
            re = r;
            im = i;
            e[0] = re;
            e[1] = im;
        }
    }
}

/// A complex tensor's elements in C order on the host, as (re, im) float64 pairs.
fn complex_on_host(t: &Tensor) -> Result<Vec<f64>, PlanError> {
    let flat = t
        .f_to_device(tch::Device::Cpu)?
        .f_contiguous()?
        .f_view_as_real()?;
    Ok(Vec::<f64>::try_from(
        &flat.f_to_kind(Kind::Double)?.f_reshape([-1i64])?,
    )?)
}

/// NumPy's setitem of a scalar into a signed integer array: `int(value)`, then
/// the dtype's range (C long's first), with NumPy's exception and words.
fn check_int(x: &Tensor, from: DType, to: DType) -> Result<(), PlanError> {
    let v = if from.is_float() {
        IntValue::Float(x.f_double_value(&[])?)
    } else {
        IntValue::Bits(x.f_int64_value(&[])?)
    };
    check_int_value(v, from, to)
}

/// A scalar setitem converts through a Python int: a float's value, or an
/// integer's storage bits (read as `from`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum IntValue {
    Float(f64),
    Bits(i64),
}

/// NumPy's errors for a scalar of `from` stored into `to` through a Python int.
pub(crate) fn check_int_value(x: IntValue, from: DType, to: DType) -> Result<(), PlanError> {
    let too_large = || PlanError::Overflow("Python int too large to convert to C long".into());
    let v: i128 = if let IntValue::Float(f) = x {
        if f.is_nan() {
            return Err(PlanError::Value(
                "cannot convert float NaN to integer".into(),
            ));
        }
        if f.is_infinite() {
            return Err(PlanError::Overflow(
                "cannot convert float infinity to integer".into(),
            ));
        }
        let t = f.trunc();
        if !(-9.223372036854775808e18..9.223372036854775808e18).contains(&t) {
            return Err(too_large());
        }
        t as i128
    } else {
        let bits = match x {
            IntValue::Bits(b) => b as i128,
            IntValue::Float(f) => f as i128,
        };
        match from {
            DType::U64 if bits < 0 => return Err(too_large()),
            DType::U16 => bits & 0xFFFF,
            DType::U32 => bits & 0xFFFF_FFFF,
            _ => bits,
        }
    };
    let bits = to.itemsize() as u32 * 8;
    let (lo, hi) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    if v < lo || v > hi {
        return Err(PlanError::Overflow(format!(
            "Python integer {v} out of bounds for {}",
            to.numpy_name()
        )));
    }
    Ok(())
}

/// NumPy's complex maximum.reduce (minimum with `max` false) over `dims`, on
/// the host: `acc` becomes `x` unless `acc` has a NaN part or `acc >= x`
/// lexicographically (`CGE`: a larger real part with no NaN imaginary part, or
/// equal real parts and a larger or equal imaginary part).
fn complex_extreme(
    x: &Tensor,
    dims: &[i64],
    keepdim: bool,
    max: bool,
) -> Result<Tensor, PlanError> {
    let (device, nd) = (x.device(), x.dim() as i64);
    let kept: Vec<i64> = (0..nd).filter(|d| !dims.contains(d)).collect();
    let order: Vec<i64> = kept.iter().chain(dims).copied().collect();
    let n: i64 = dims.iter().map(|&d| x.size()[d as usize]).product();
    let v = complex_on_host(&x.f_permute(order.as_slice())?)?;
    let ge = |(xr, xi): (f64, f64), (yr, yi): (f64, f64)| {
        let (a, b, c, d) = if max {
            (xr, xi, yr, yi)
        } else {
            (yr, yi, xr, xi)
        };
        (a > c && !b.is_nan() && !d.is_nan()) || (a == c && b >= d)
    };
    let mut out = Vec::with_capacity(2 * (v.len() / (2 * n.max(1) as usize)));
    for row in v.chunks(2 * n as usize) {
        let mut acc = (row[0], row[1]);
        for e in row.chunks(2).skip(1) {
            let cand = (e[0], e[1]);
            if !(acc.0.is_nan() || acc.1.is_nan() || ge(acc, cand)) {
                acc = cand;
            }
        }
        out.push(acc.0);
        out.push(acc.1);
    }
    let mut shape: Vec<i64> = kept.iter().map(|&d| x.size()[d as usize]).collect();
    shape.push(2);
    let mut r = Tensor::f_from_slice(&out)?
        .f_reshape(shape.as_slice())?
        .f_view_as_complex()?
        .f_to_kind(x.kind())?;
    if keepdim {
        let full: Vec<i64> = (0..nd)
            .map(|d| {
                if dims.contains(&d) {
                    1
                } else {
                    x.size()[d as usize]
                }
            })
            .collect();
        r = r.f_reshape(full.as_slice())?;
    }
    Ok(r.f_to_device(device)?)
}

/// NumPy's complex argmax (argmin with `max` false) along `dim` (`None`: the
/// flattened array), on the host: a later element wins where it is larger
/// lexicographically or has a NaN part; the first NaN ends the search.
fn complex_arg(
    x: &Tensor,
    dim: Option<i64>,
    out_shape: &[i64],
    max: bool,
) -> Result<Tensor, PlanError> {
    let device = x.device();
    let (src, d) = match dim {
        Some(d) => (x.shallow_clone(), d),
        None => (x.f_reshape([-1i64])?, 0),
    };
    let last = src.dim() as i64 - 1;
    let moved = src.f_movedim([d], [last])?;
    let n = moved.size()[last as usize] as usize;
    let v = complex_on_host(&moved)?;
    let nan = |(re, im): (f64, f64)| re.is_nan() || im.is_nan();
    let better = |(xr, xi): (f64, f64), (yr, yi): (f64, f64)| {
        if max {
            xr > yr || (xr == yr && xi > yi)
        } else {
            xr < yr || (xr == yr && xi < yi)
        }
    };
    let mut out: Vec<i64> = vec![];
    if n > 0 {
        for row in v.chunks(2 * n) {
            let mut best = (row[0], row[1]);
            let mut index = 0i64;
            if !nan(best) {
                for (i, e) in row.chunks(2).enumerate().skip(1) {
                    let cand = (e[0], e[1]);
                    if better(cand, best) || nan(cand) {
                        best = cand;
                        index = i as i64;
                        if nan(best) {
                            break;
                        }
                    }
                }
            }
            out.push(index);
        }
    }
    Ok(Tensor::f_from_slice(&out)?
        .f_reshape(out_shape)?
        .f_to_device(device)?)
}

/// NumPy's complex product over `dims`: its multiply loop starts from the
/// identity `1+0j` and multiplies the elements in C order of the reduced axes
/// (inner runs and outer accumulation alike), each step NumPy's formula: a
/// running product over the reduced elements, flattened last, after a leading 1.
fn complex_prod(x: &Tensor, dims: &[i64], keepdim: bool) -> Result<Tensor, PlanError> {
    let shape = x.size();
    let kept: Vec<i64> = (0..shape.len() as i64)
        .filter(|d| !dims.contains(d))
        .collect();
    let perm: Vec<i64> = kept.iter().chain(dims.iter()).copied().collect();
    let mut flat_shape: Vec<i64> = kept.iter().map(|&d| shape[d as usize]).collect();
    let n: i64 = dims.iter().map(|&d| shape[d as usize]).product();
    flat_shape.push(n);
    let last = flat_shape.len() as i64 - 1;
    let y = x
        .f_permute(perm.as_slice())?
        .f_contiguous()?
        .f_reshape(flat_shape.as_slice())?;
    let mut one_shape = flat_shape.clone();
    one_shape[last as usize] = 1;
    let one = Tensor::f_ones(one_shape.as_slice(), (x.kind(), x.device()))?;
    let y = Tensor::f_cat(&[one, y], last)?;
    let mut out_shape: Vec<i64> = shape.clone();
    for &d in dims {
        out_shape[d as usize] = 1;
    }
    let r = complex_cumprod(&y, last)?
        .f_narrow(last, n, 1)?
        .f_reshape(out_shape.as_slice())?;
    if keepdim {
        return Ok(r);
    }
    let squeezed: Vec<i64> = kept.iter().map(|&d| shape[d as usize]).collect();
    Ok(r.f_reshape(squeezed.as_slice())?)
}

/// NumPy's `axis=()` reduces nothing; libtorch's empty dim list reduces everything.
/// A real matrix product: NumPy's BLAS for float32/float64 matrices and
/// matrix-vector products on the CPU, libtorch's elsewhere.
fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor, PlanError> {
    let shape = match (a.dim(), b.dim()) {
        (2, 2) => Some(vec![a.size()[0], b.size()[1]]),
        (1, 2) => Some(vec![b.size()[1]]),
        (2, 1) => Some(vec![a.size()[0]]),
        _ => None,
    };
    let blas = matches!(a.kind(), Kind::Double | Kind::Float) && a.device() == Device::Cpu;
    if let (Some(shape), true) = (shape, blas) {
        let out = Tensor::f_empty(shape.as_slice(), (a.kind(), a.device()))?;
        if matmul_into(a, b, &out)? {
            return Ok(out);
        }
    }
    Ok(a.f_matmul(b)?)
}

/// The elements `dims` select of `t`, as a tensor over `t`'s memory that does
/// not own it (lowering only makes these of memory that outlives the run).
fn slice_view(t: &Tensor, dims: &[(i64, i64, i64, i64)]) -> Result<Tensor, PlanError> {
    let (mut size, mut stride) = (t.size(), t.stride());
    let mut offset = 0i64;
    for &(dim, start, len, step) in dims {
        let d = dim as usize;
        if d >= size.len()
            || step <= 0
            || len <= 0
            || start < 0
            || start + (len - 1) * step >= size[d]
        {
            return Err(PlanError::Torch(format!(
                "slice view out of range on axis {dim}"
            )));
        }
        offset += start * stride[d];
        size[d] = len;
        stride[d] *= step;
    }
    let kind = t.kind();
    let item = kind.elt_size_in_bytes() as i64;
    // SAFETY: every selected element lies inside `t` (checked above), whose
    // memory outlives the run; the new tensor does not free it.
    unsafe {
        let data = (t.data_ptr() as *const u8).offset((offset * item) as isize);
        Ok(Tensor::f_from_blob(data, &size, &stride, kind, t.device())?)
    }
}

/// `out` (a plan destination) = `src` of the same shape and kind: one memcpy
/// where both are C-ordered CPU tensors, libtorch's copy otherwise.
fn copy_into(out: &Tensor, src: &Tensor) -> Result<(), PlanError> {
    let cpu = out.device() == tch::Device::Cpu && src.device() == tch::Device::Cpu;
    if cpu
        && out.kind() == src.kind()
        && out.size() == src.size()
        && out.is_contiguous()
        && src.is_contiguous()
    {
        let bytes = out.numel() * out.kind().elt_size_in_bytes();
        if bytes > 0 {
            // SAFETY: both hold `bytes` contiguous bytes; a destination never
            // shares memory with a live value.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    src.data_ptr() as *const u8,
                    out.data_ptr() as *mut u8,
                    bytes,
                )
            };
        }
        return Ok(());
    }
    out.shallow_clone().f_copy_(src)?;
    Ok(())
}

/// `t` seen with length-1 axes added or dropped (`shape` has `t`'s other
/// axes, in order), over `t`'s memory without owning it.
fn restride(t: &Tensor, shape: &[i64]) -> Result<Tensor, PlanError> {
    if t.numel() == 0 {
        return Ok(t.f_reshape(shape)?);
    }
    let (size, stride) = (t.size(), t.stride());
    let mut kept = size
        .iter()
        .zip(&stride)
        .filter(|(&d, _)| d != 1)
        .map(|(_, &s)| s);
    let mut strides = Vec::with_capacity(shape.len());
    for &d in shape {
        strides.push(if d == 1 {
            1
        } else {
            kept.next()
                .ok_or_else(|| PlanError::Torch("restride to a larger shape".into()))?
        });
    }
    // SAFETY: the same elements as `t`'s, whose memory outlives the run.
    unsafe {
        Ok(Tensor::f_from_blob(
            t.data_ptr() as *const u8,
            shape,
            &strides,
            t.kind(),
            t.device(),
        )?)
    }
}

/// A float product over every axis of a C-ordered array in NumPy's order: its
/// multiply loop takes the elements one after another in memory order (no
/// pairwise or vector accumulators, unlike libtorch's), so `inf * tiny * tiny`
/// stays inf where a different grouping underflows to 0 first and gives nan.
/// (Other layouts keep libtorch's order: NumPy's follows the strides.)
fn prod_in_order(t: &Tensor, dims: &[i64], keepdim: bool) -> Result<Tensor, PlanError> {
    // Each result multiplies its lane's elements one after another, the
    // reduced axes in C order: NumPy's multiply loop (a tree or lanes would
    // underflow or overflow elsewhere: inf * tiny * tiny is inf, not nan).
    let size = t.size();
    let nd = size.len() as i64;
    let kept: Vec<i64> = (0..nd).filter(|d| !dims.contains(d)).collect();
    let perm: Vec<i64> = kept.iter().chain(dims.iter()).copied().collect();
    let x = t.f_permute(perm.as_slice())?.f_contiguous()?;
    let rows: i64 = kept.iter().map(|&d| size[d as usize]).product();
    let run = if rows > 0 { x.numel() as i64 / rows } else { 0 };
    let mut shape: Vec<i64> = Vec::with_capacity(size.len());
    for d in 0..nd {
        if !dims.contains(&d) {
            shape.push(size[d as usize]);
        } else if keepdim {
            shape.push(1);
        }
    }
    macro_rules! fold_rows {
        ($ty:ty) => {{
            let n = x.numel();
            // SAFETY: `x` is a contiguous CPU tensor of `n` elements of `$ty`
            // (checked by the caller's kind match; empty: no read).
            let s: &[$ty] = if n == 0 {
                &[]
            } else {
                unsafe { std::slice::from_raw_parts(x.data_ptr() as *const $ty, n) }
            };
            let out: Vec<$ty> = (0..rows as usize)
                .map(|r| {
                    s[r * run as usize..(r + 1) * run as usize]
                        .iter()
                        .fold(1 as $ty, |acc, &v| acc * v)
                })
                .collect();
            Tensor::f_from_slice(&out)?
        }};
    }
    let flat = match x.kind() {
        Kind::Float => fold_rows!(f32),
        _ => fold_rows!(f64),
    };
    Ok(flat.f_reshape(shape.as_slice())?)
}

/// A host pass's result, in `out` where it did not write there itself.
fn settle(t: Tensor, out: &Tensor) -> Result<(), PlanError> {
    if !same_memory(&t, out) {
        out.shallow_clone().f_copy_(&t)?;
    }
    Ok(())
}

/// `alpha * (a @ b) + beta * c` into `out` (m x n): `c` broadcast into `out`,
/// then one BLAS call that accumulates into it. Without NumPy's BLAS, NumPy's
/// own order: `(alpha * a) @ b + beta * c`.
fn gemm_into(a: &[&Tensor], alpha: f64, beta: f64, out: &Tensor) -> Result<(), PlanError> {
    let (x, y, c) = (a[0], a[1], a[2]);
    if !crate::cpu::host::copy_broadcast(out, c)? {
        out.shallow_clone()
            .f_copy_(&c.f_expand(out.size().as_slice(), false)?)?;
    }
    if super::blas::gemm_into(x, y, out, alpha, beta)? {
        return Ok(());
    }
    let product = matmul(&x.f_mul_scalar(alpha)?, y)?;
    out.shallow_clone()
        .f_copy_(&product.f_add(&c.f_mul_scalar(beta)?)?)?;
    Ok(())
}

/// `a @ b` straight into `out` through NumPy's BLAS, where it takes them.
fn matmul_into(a: &Tensor, b: &Tensor, out: &Tensor) -> Result<bool, PlanError> {
    Ok(match (a.dim(), b.dim()) {
        (2, 2) => super::blas::matmul_into(a, b, out)?,
        (1, 2) => {
            super::blas::gemv_into(b, a, out, false)?
                || super::blas::matmul_into(&a.f_unsqueeze(0)?, b, &out.f_unsqueeze(0)?)?
        }
        (2, 1) => {
            super::blas::gemv_into(a, b, out, true)?
                || super::blas::matmul_into(a, &b.f_unsqueeze(1)?, &out.f_unsqueeze(1)?)?
        }
        _ => false,
    })
}

/// `out[region] = value` in `out`'s memory; `dims` are (dim, start, len, step).
fn scatter_into(
    out: &Tensor,
    value: &Tensor,
    dims: &[(i64, i64, i64, i64)],
) -> Result<(), PlanError> {
    if crate::cpu::host::scatter_into(out, value, dims)? {
        return Ok(());
    }
    let mut region_shape = out.size();
    for &(dim, _, len, _) in dims {
        region_shape[dim as usize] = len;
    }
    if region_shape.contains(&0) {
        return Ok(());
    }
    let mut src = value.f_expand(region_shape.as_slice(), false)?;
    let mut region = out.shallow_clone();
    for &(dim, start, len, step) in dims {
        // libtorch views step forward only: take the same elements from
        // their low end, and flip the source to match.
        let (lo, step) = if step > 0 {
            (start, step)
        } else {
            src = src.f_flip([dim])?;
            (start + (len - 1) * step, -step)
        };
        region = region.f_slice(dim, lo, lo + (len - 1) * step + 1, step)?;
    }
    region.f_copy_(&src)?;
    Ok(())
}

fn reduce(
    t: &Tensor,
    dims: &[i64],
    f: impl FnOnce(&Tensor) -> Result<Tensor, tch::TchError>,
) -> Result<Tensor, PlanError> {
    if dims.is_empty() {
        return Ok(t.f_to_dtype(t.kind(), false, true)?);
    }
    Ok(f(t)?)
}
