//! Shape and dtype rules, one arm per primitive. They run when a node is recorded,
//! so a bad call fails at the user's line with NumPy's exception class and words.

use crate::dtype::{promote_types, result_type, DType, Kind, Operand};
use crate::error::{ErrorKind, IrError, Result};
use crate::op::{ArgReduceOp, BinaryOp, CumOp, Op, ReduceOp, Scalar, UnaryOp};
use crate::types::{broadcast_shapes, PyTuple, Shape, TensorType};
use smallvec::{smallvec, SmallVec};

/// What a rule knows of an operand: its type, and its value when it is a weak Python scalar.
#[derive(Clone, Debug)]
pub struct Arg<'a> {
    pub ty: &'a TensorType,
    pub weak: Option<Scalar>,
}

impl Arg<'_> {
    fn operand(&self) -> Operand {
        match self.weak {
            Some(v) => Operand::Weak(v.kind()),
            None => Operand::Strong(self.ty.dtype),
        }
    }
}

/// The type of `op` applied to `args`.
pub fn infer(op: &Op, args: &[Arg]) -> Result<TensorType> {
    check_arity(op, args)?;
    Ok(match op {
        Op::Input { .. } => {
            return Err(IrError::internal(
                "input types come from the graph signature",
            ))
        }
        Op::Const { dtype, .. } => TensorType::scalar(*dtype),
        Op::Unary(u) => TensorType {
            dtype: unary_dtype(*u, args[0].ty.dtype)?,
            shape: args[0].ty.shape.clone(),
        },
        Op::Binary(_) | Op::Compare(_) => {
            let (result, _) = elementwise_dtypes(op, args)?;
            TensorType {
                dtype: result,
                shape: broadcast_shapes(&[&args[0].ty.shape, &args[1].ty.shape])?,
            }
        }
        Op::Where => {
            let (result, _) = elementwise_dtypes(op, args)?;
            let shapes: Vec<&[i64]> = args.iter().map(|a| a.ty.shape.as_slice()).collect();
            TensorType {
                dtype: result,
                shape: broadcast_shapes(&shapes)?,
            }
        }
        Op::Sort { axis } => {
            if *axis < 0 || *axis as usize >= args[0].ty.ndim().max(1) {
                return Err(IrError::internal(format!("sort axis {axis} out of range")));
            }
            args[0].ty.clone()
        }
        Op::Take { axis } => {
            let (a, idx) = (args[0].ty, args[1].ty);
            let ax = *axis as usize;
            if ax >= a.ndim() {
                return Err(IrError::internal(format!("take axis {ax} out of range")));
            }
            if !idx.dtype.is_exact() || idx.dtype.is_bool() {
                return Err(IrError::new(
                    ErrorKind::IndexError,
                    "arrays used as indices must be of integer (or boolean) type",
                ));
            }
            if a.shape[ax] == 0 && idx.numel() > 0 {
                return Err(IrError::new(
                    ErrorKind::IndexError,
                    format!("cannot do a non-empty take from an empty axes."),
                ));
            }
            let mut shape: Shape = a.shape[..ax].iter().copied().collect();
            shape.extend(idx.shape.iter().copied());
            shape.extend(a.shape[ax + 1..].iter().copied());
            TensorType {
                dtype: a.dtype,
                shape,
            }
        }
        Op::Concat { axis, .. } => {
            let first = args[0].ty;
            let ax = *axis as usize;
            if first.ndim() == 0 {
                return Err(IrError::value(
                    "zero-dimensional arrays cannot be concatenated",
                ));
            }
            if ax >= first.ndim() {
                return Err(IrError::internal(format!("concat axis {ax} out of range")));
            }
            let mut shape = first.shape.clone();
            for (i, a) in args.iter().enumerate().skip(1) {
                if a.ty.ndim() != first.ndim() {
                    return Err(IrError::value(format!(
                        "all the input array dimensions except for the concatenation axis must match exactly, but along dimension 0, the array at index 0 has {} dimension(s) and the array at index {i} has {} dimension(s)",
                        first.ndim(),
                        a.ty.ndim()
                    )));
                }
                for d in 0..first.ndim() {
                    if d != ax && a.ty.shape[d] != first.shape[d] {
                        return Err(IrError::value(format!(
                            "all the input array dimensions except for the concatenation axis must match exactly, but along dimension {d}, the array at index 0 has size {} and the array at index {i} has size {}",
                            first.shape[d], a.ty.shape[d]
                        )));
                    }
                }
                shape[ax] += a.ty.shape[ax];
            }
            let operands: Vec<Operand> = args.iter().map(|a| Operand::Strong(a.ty.dtype)).collect();
            TensorType {
                dtype: result_type(&operands),
                shape,
            }
        }
        Op::AddCMul => {
            let dtype = args[0].ty.dtype;
            if args.iter().any(|a| a.ty.dtype != dtype) {
                return Err(IrError::internal("addcmul operands must share one dtype"));
            }
            let shapes: Vec<&[i64]> = args.iter().map(|a| a.ty.shape.as_slice()).collect();
            TensorType {
                dtype,
                shape: broadcast_shapes(&shapes)?,
            }
        }
        Op::Cast { to } => args[0].ty.with_dtype(*to),
        Op::CheckInt { to } => {
            let d = args[0].ty.dtype;
            if !to.is_int()
                || to.is_unsigned()
                || !(d.is_int() || d.is_float())
                || args[0].ty.ndim() != 0
            {
                return Err(IrError::internal(format!("check_int of {d} into {to}")));
            }
            args[0].ty.clone()
        }
        Op::Reduce {
            op: r,
            axes,
            keepdims,
            ..
        } => reduce_type(*r, args[0].ty, axes, *keepdims)?,
        Op::ArgReduce {
            op: r,
            axis,
            keepdims,
        } => arg_reduce_type(*r, args[0].ty, *axis, *keepdims)?,
        Op::Cumulative { op: c, axis } => {
            let ty = args[0].ty;
            if *axis < 0 || *axis as usize >= ty.ndim() {
                return Err(IrError::internal(format!(
                    "{} axis {axis} out of range for ndim {}",
                    c.name(),
                    ty.ndim()
                )));
            }
            TensorType {
                dtype: cumulative_dtype(*c, ty.dtype)?,
                shape: ty.shape.clone(),
            }
        }
        Op::Linalg(l) => linalg_type(*l, args)?,
        Op::ArgSort { axis } => {
            let a = args[0].ty;
            if *axis < 0 || *axis as usize >= a.ndim() || a.dtype.is_complex() {
                return Err(IrError::internal(format!("argsort along {axis} of {:?}{:?}", a.dtype, a.shape)));
            }
            TensorType {
                dtype: DType::I64,
                shape: a.shape.clone(),
            }
        }
        Op::BinCount { length, weighted } => {
            let x = args[0].ty;
            let weights_ok = !*weighted || (args[1].ty.dtype == DType::F64 && args[1].ty.shape == x.shape);
            if x.ndim() != 1 || x.dtype != DType::I64 || !weights_ok || *length < 0 {
                return Err(IrError::internal("bincount of other than 1-D int64 positions and float64 weights"));
            }
            TensorType {
                dtype: if *weighted { DType::F64 } else { DType::I64 },
                shape: [*length].into_iter().collect(),
            }
        }
        Op::SearchSorted { .. } => {
            let (seq, values) = (args[0].ty, args[1].ty);
            if seq.ndim() != 1 || seq.dtype != values.dtype || seq.dtype.is_complex() {
                return Err(IrError::internal("searchsorted of a non-1-D sequence or mixed dtypes"));
            }
            TensorType {
                dtype: DType::I64,
                shape: values.shape.clone(),
            }
        }
        Op::Fft { op, n, axis } => {
            use crate::FftOp as F;
            let a = args[0].ty;
            let ax = *axis as usize;
            if *axis < 0 || ax >= a.ndim() || *n < 1 {
                return Err(IrError::internal(format!("{} of length {n} along {axis}", op.name())));
            }
            let (input_ok, dtype, len) = match op {
                F::Fft | F::Ifft => (a.dtype.is_complex(), a.dtype, *n),
                F::Rfft => (
                    matches!(a.dtype, DType::F32 | DType::F64),
                    if a.dtype == DType::F32 { DType::C64 } else { DType::C128 },
                    n / 2 + 1,
                ),
                F::Irfft => (a.dtype.is_complex(), a.dtype.real_of(), *n),
            };
            if !input_ok || !matches!(dtype, DType::F32 | DType::F64 | DType::C64 | DType::C128) {
                return Err(IrError::internal(format!("{} of {:?}", op.name(), a.dtype)));
            }
            let mut shape = a.shape.clone();
            shape[ax] = len;
            TensorType { dtype, shape }
        }
        Op::Check { .. } => {
            if !args[0].ty.dtype.is_bool() {
                return Err(IrError::internal("check of a non-bool operand"));
            }
            TensorType {
                dtype: DType::Bool,
                shape: Shape::new(),
            }
        }
        Op::Host { dtype, shape, .. } => TensorType {
            dtype: *dtype,
            shape: shape.iter().copied().collect(),
        },
        Op::MatMul => {
            // A Python int must fit the other operand's dtype before any shape check.
            let operands: Vec<Operand> = args.iter().map(Arg::operand).collect();
            let common = result_type(&operands);
            for a in args {
                check_weak_fits(a, common)?;
            }
            matmul_type(args[0].ty, args[1].ty)?
        }
        Op::Reshape { shape } => {
            let ty = args[0].ty;
            let numel: i64 = shape.iter().product();
            if shape.iter().any(|&d| d < 0) || numel != ty.numel() {
                return Err(IrError::value(format!(
                    "cannot reshape array of size {} into shape {}",
                    ty.numel(),
                    PyTuple(shape)
                )));
            }
            TensorType {
                dtype: ty.dtype,
                shape: shape.clone(),
            }
        }
        Op::Permute { perm } => {
            let ty = args[0].ty;
            let mut seen = vec![false; ty.ndim()];
            for &p in perm {
                if p < 0 || p as usize >= ty.ndim() || seen[p as usize] {
                    return Err(IrError::value("axes don't match array"));
                }
                seen[p as usize] = true;
            }
            if perm.len() != ty.ndim() {
                return Err(IrError::value("axes don't match array"));
            }
            TensorType {
                dtype: ty.dtype,
                shape: perm.iter().map(|&p| ty.shape[p as usize]).collect(),
            }
        }
        Op::Slice { dims } => slice_type(args[0].ty, dims)?,
        Op::SliceScatter { dims } => {
            let region = slice_type(args[0].ty, dims)?;
            let shape = broadcast_shapes(&[&args[1].ty.shape, &region.shape])?;
            if shape != region.shape {
                return Err(IrError::value(format!(
                    "could not broadcast input array from shape {} into shape {}",
                    PyTuple(&args[1].ty.shape),
                    PyTuple(&region.shape)
                )));
            }
            args[0].ty.clone()
        }
    })
}

fn slice_type(ty: &TensorType, dims: &[crate::op::SliceDim]) -> Result<TensorType> {
    if dims.len() > ty.ndim() {
        return Err(IrError::new(
            ErrorKind::IndexError,
            "too many indices for array",
        ));
    }
    let mut shape = ty.shape.clone();
    for (axis, d) in dims.iter().enumerate() {
        let n = ty.shape[axis];
        let last = d.start + (d.len - 1).max(0) * d.step;
        let ok = d.step != 0
            && d.len >= 0
            && (d.len == 0 || (0..n).contains(&d.start) && (0..n).contains(&last));
        if !ok {
            return Err(IrError::internal(format!(
                "slice {d:?} out of range for axis {axis} of size {n}"
            )));
        }
        shape[axis] = d.len;
    }
    Ok(TensorType {
        dtype: ty.dtype,
        shape,
    })
}

fn check_arity(op: &Op, args: &[Arg]) -> Result<()> {
    if args.len() != op.arity() {
        return Err(IrError::internal(format!(
            "{} takes {} operands, got {}",
            op.name(),
            op.arity(),
            args.len()
        )));
    }
    Ok(())
}

fn no_loop(name: &str, dtypes: &[DType]) -> IrError {
    let names: Vec<String> = dtypes
        .iter()
        .map(|d| format!("dtype('{}')", d.numpy_name()))
        .collect();
    IrError::type_(format!(
        "ufunc '{name}' not supported for the input types, and the inputs could not be safely coerced to any supported types according to the casting rule ''safe'' (got {})",
        names.join(", ")
    ))
}

pub fn unary_dtype(op: UnaryOp, d: DType) -> Result<DType> {
    unary_dtypes(op, d).map(|(result, _)| result)
}

/// `(result dtype, compute dtype)` of a unary op: the operand is cast to the compute dtype.
pub fn unary_dtypes(op: UnaryOp, d: DType) -> Result<(DType, DType)> {
    use UnaryOp::*;
    let same = |t: DType| Ok((t, t));
    match op {
        Neg if d.is_bool() => Err(IrError::type_(
            "The numpy boolean negative, the `-` operator, is not supported, use the `~` operator or the logical_not function instead.",
        )),
        Invert if !d.is_exact() => Err(no_loop(op.name(), &[d])),
        Sign if d.is_bool() => Err(no_loop(op.name(), &[d])),
        _ if op.is_real_only() && d.is_complex() => Err(no_loop(op.name(), &[d])),
        Real | Imag if d.is_complex() => Ok((d.real_of(), d)),
        // The surface takes the parts of real arrays itself.
        Real | Imag => Err(IrError::internal(format!("np.{} of a real array is not an op", op.name()))),
        Abs if d.is_complex() => Ok((d.real_of(), d)),
        // No bool loop: NumPy picks int8's.
        Conj if d.is_bool() => same(DType::I8),
        Neg | Abs | Invert | Conj => same(d),
        _ if op.is_float_only() => same(d.to_inexact()),
        // No bool loop: NumPy picks int8's.
        Square | Reciprocal if d.is_bool() => same(DType::I8),
        // signbit has float loops only: ints compute in NumPy's float for them.
        SignBit if d.is_exact() => Ok((DType::Bool, d.to_inexact())),
        IsNan | IsInf | IsFinite | SignBit => Ok((DType::Bool, d)),
        LogicalNot => Ok((DType::Bool, DType::Bool)),
        _ => same(d),
    }
}

/// `(result dtype, compute dtype)` of an elementwise op with several operands.
/// The compute dtype is the one every (non-condition) operand is cast to.
pub fn elementwise_dtypes(op: &Op, args: &[Arg]) -> Result<(DType, DType)> {
    let values = match op {
        Op::Where => &args[1..],
        _ => args,
    };
    let operands: Vec<Operand> = values.iter().map(Arg::operand).collect();
    let common = result_type(&operands);
    let dtypes: Vec<DType> = values.iter().map(|a| a.ty.dtype).collect();
    let (result, compute) = match op {
        Op::Binary(b) => {
            use BinaryOp::*;
            let compute = match b {
                Sub if common.is_bool() => {
                    return Err(IrError::type_(
                        "numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` operator, or the logical_xor function instead.",
                    ))
                }
                TrueDiv if common.is_exact() => DType::F64,
                FloorDiv | Rem | FMod | Pow if common.is_bool() => DType::I8,
                FloorDiv | Rem | FMod if common.is_complex() => return Err(no_loop(b.name(), &dtypes)),
                BitAnd | BitOr | BitXor | LeftShift | RightShift if !common.is_exact() => {
                    return Err(no_loop(b.name(), &dtypes))
                }
                LeftShift | RightShift if common.is_bool() => DType::I8,
                // Integer loops only: no bool, float or complex loop.
                Gcd | Lcm if !common.is_int() => return Err(no_loop(b.name(), &dtypes)),
                _ if b.is_float_only() => {
                    let compute = float_loop_dtype(values);
                    if compute.is_complex() {
                        return Err(no_loop(b.name(), &dtypes));
                    }
                    compute
                }
                FloatPower if common.is_complex() => DType::C128,
                FloatPower => DType::F64,
                // NumPy converts a Python int straight to bool here: only C long's range is checked.
                LogicalAnd | LogicalOr | LogicalXor => {
                    for a in values {
                        check_weak_fits(a, DType::I64)?;
                    }
                    DType::Bool
                }
                // Not a ufunc: a complex array from its parts (float operands).
                Complex if !common.is_float() => {
                    return Err(IrError::internal(format!("complex of {}", common.numpy_name())))
                }
                Complex => common.complex_of().real_of(),
                _ => common,
            };
            let result = match b {
                _ if b.is_logical() => DType::Bool,
                Complex => compute.complex_of(),
                _ => compute,
            };
            (result, compute)
        }
        Op::Compare(_) => (DType::Bool, comparison_dtype(common, values)?),
        Op::Where => (common, common),
        _ => {
            return Err(IrError::internal(format!(
                "{} is not elementwise",
                op.name()
            )))
        }
    };
    if !matches!(op, Op::Compare(_)) {
        for a in values {
            check_weak_fits(a, compute)?;
        }
    }
    Ok((result, compute))
}

/// The float loop NumPy picks for a float-only binary ufunc: each operand's own
/// float (a weak Python scalar takes the dtype NEP 50 gives it beside the others),
/// promoted: `arctan2(int8, uint8)` is float16, not `int16`'s float32.
fn float_loop_dtype(values: &[Arg]) -> DType {
    let strong: Vec<Operand> = values
        .iter()
        .filter(|a| a.weak.is_none())
        .map(Arg::operand)
        .collect();
    values
        .iter()
        .map(|a| match a.weak {
            None => a.ty.dtype.to_inexact(),
            Some(v) => {
                let mut ops = strong.clone();
                ops.push(Operand::Weak(v.kind()));
                result_type(&ops).to_inexact()
            }
        })
        .reduce(promote_types)
        .unwrap_or(DType::F64)
}

/// NumPy compares a Python int outside the array's range exactly; do it in int64.
fn comparison_dtype(common: DType, values: &[Arg]) -> Result<DType> {
    let mut dtype = common;
    for a in values {
        if let (Some(Scalar::Int(v)), Some((lo, hi))) = (a.weak, common.int_range()) {
            let fits_i64 = (i64::MIN as i128..=i64::MAX as i128).contains(&v);
            if v < lo || v > hi {
                if !fits_i64 || common == DType::I64 || common == DType::U64 {
                    return Err(IrError::unsupported(format!(
                        "comparing {} with the Python integer {v} outside its range",
                        common.numpy_name()
                    )));
                }
                dtype = DType::I64;
            }
        }
    }
    Ok(dtype)
}

/// NumPy 2 raises when a weak Python int does not fit the dtype it is used at.
fn check_weak_fits(a: &Arg, dtype: DType) -> Result<()> {
    if let (Some(Scalar::Int(v)), Some((lo, hi))) = (a.weak, dtype.int_range()) {
        if v < lo || v > hi {
            return Err(IrError::new(
                ErrorKind::OverflowError,
                format!(
                    "Python integer {v} out of bounds for {}",
                    dtype.numpy_name()
                ),
            ));
        }
    }
    Ok(())
}

/// The dtype a reduction accumulates and returns in (NumPy's defaults).
pub fn reduce_dtype(op: ReduceOp, d: DType) -> DType {
    use ReduceOp::*;
    match op {
        Sum | Prod if d.is_bool() || (d.is_int() && d.itemsize() < 8) => {
            if d.is_unsigned() {
                DType::U64
            } else {
                DType::I64
            }
        }
        Mean if d.is_exact() => DType::F64,
        Any | All => DType::Bool,
        _ => d,
    }
}

/// The dtype `np.cumsum`/`np.cumprod` accumulate and return in: as `sum`/`prod`
/// (bool and ints narrower than 64 bits in int64, unsigned ones in uint64).
pub fn cumulative_dtype(op: CumOp, d: DType) -> Result<DType> {
    Ok(reduce_dtype(
        if op == CumOp::CumSum {
            ReduceOp::Sum
        } else {
            ReduceOp::Prod
        },
        d,
    ))
}

fn reduced_shape(shape: &[i64], axes: &[i64], keepdims: bool) -> Shape {
    shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&(i as i64)), keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

fn check_axes(axes: &[i64], ndim: usize) -> Result<()> {
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != axes.len()
        || axes.iter().any(|&a| a < 0 || a as usize >= ndim)
        || sorted != axes
    {
        return Err(IrError::internal(format!(
            "axes {axes:?} are not normalized for ndim {ndim}"
        )));
    }
    Ok(())
}

fn reduce_type(op: ReduceOp, ty: &TensorType, axes: &[i64], keepdims: bool) -> Result<TensorType> {
    check_axes(axes, ty.ndim())?;
    let shape = reduced_shape(&ty.shape, axes, keepdims);
    // NumPy raises for any reduced axis of length 0, even where the result is empty.
    let empty_axis = axes.iter().any(|&a| ty.shape[a as usize] == 0);
    if matches!(op, ReduceOp::Max | ReduceOp::Min) && empty_axis {
        let name = if op == ReduceOp::Max {
            "maximum"
        } else {
            "minimum"
        };
        return Err(IrError::value(format!(
            "zero-size array to reduction operation {name} which has no identity"
        )));
    }
    Ok(TensorType {
        dtype: reduce_dtype(op, ty.dtype),
        shape,
    })
}

fn arg_reduce_type(
    op: ArgReduceOp,
    ty: &TensorType,
    axis: Option<i64>,
    keepdims: bool,
) -> Result<TensorType> {
    let (empty, shape): (bool, Shape) = match axis {
        None => (
            ty.numel() == 0,
            if keepdims {
                smallvec![1; ty.ndim()]
            } else {
                Shape::new()
            },
        ),
        Some(a) => {
            check_axes(&[a], ty.ndim())?;
            let shape = reduced_shape(&ty.shape, &[a], keepdims);
            (ty.shape[a as usize] == 0, shape)
        }
    };
    if empty {
        return Err(IrError::value(format!(
            "attempt to get {} of an empty sequence",
            op.name()
        )));
    }
    Ok(TensorType {
        dtype: DType::I64,
        shape,
    })
}

fn matmul_type(a: &TensorType, b: &TensorType) -> Result<TensorType> {
    const SIG: &str = "(n?,k),(k,m?)->(n?,m?)";
    for (i, t) in [a, b].iter().enumerate() {
        if t.ndim() == 0 {
            return Err(IrError::value(format!(
                "matmul: Input operand {i} does not have enough dimensions (has 0, gufunc core with signature {SIG} requires 1)"
            )));
        }
    }
    let operands = [Operand::Strong(a.dtype), Operand::Strong(b.dtype)];
    let dtype = result_type(&operands);
    let (ka, kb) = (
        a.shape[a.ndim() - 1],
        if b.ndim() == 1 {
            b.shape[0]
        } else {
            b.shape[b.ndim() - 2]
        },
    );
    if ka != kb {
        return Err(IrError::value(format!(
            "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature {SIG} (size {kb} is different from {ka})"
        )));
    }
    let batch_a: &[i64] = if a.ndim() > 2 {
        &a.shape[..a.ndim() - 2]
    } else {
        &[]
    };
    let batch_b: &[i64] = if b.ndim() > 2 {
        &b.shape[..b.ndim() - 2]
    } else {
        &[]
    };
    let mut shape = broadcast_shapes(&[batch_a, batch_b])?;
    if a.ndim() >= 2 {
        shape.push(a.shape[a.ndim() - 2]);
    }
    if b.ndim() >= 2 {
        shape.push(b.shape[b.ndim() - 1]);
    }
    Ok(TensorType { dtype, shape })
}

/// The dtype each operand must have when the op runs: passes insert casts until
/// every operand has it, so the backend's own promotion never decides a result.
pub fn operand_dtypes(op: &Op, args: &[Arg], result: &TensorType) -> Result<SmallVec<[DType; 3]>> {
    Ok(match op {
        Op::Unary(u) => smallvec![unary_dtypes(*u, args[0].ty.dtype)?.1],
        Op::Binary(_) | Op::Compare(_) => {
            let (_, compute) = elementwise_dtypes(op, args)?;
            smallvec![compute, compute]
        }
        Op::Where => smallvec![DType::Bool, result.dtype, result.dtype],
        Op::AddCMul => smallvec![result.dtype; 3],
        Op::Concat { .. } => smallvec![result.dtype; args.len()],
        Op::Take { .. } => smallvec![result.dtype, DType::I64],
        Op::MatMul => smallvec![result.dtype, result.dtype],
        // NumPy casts what is assigned to the array's dtype (unsafe casting).
        Op::SliceScatter { .. } => smallvec![result.dtype, result.dtype],
        Op::Cumulative { .. } => smallvec![result.dtype],
        Op::Reduce { op: r, .. } => smallvec![match r {
            ReduceOp::Any | ReduceOp::All => DType::Bool,
            _ => result.dtype,
        }],
        _ => args.iter().map(|a| a.ty.dtype).collect(),
    })
}

/// True where `kind` of Python scalar needs no cast to meet `dtype`.
pub fn weak_kind_fits(kind: Kind, dtype: DType) -> bool {
    kind <= dtype.kind()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::F64 as Bits;
    use DType::*;

    fn strong(t: &TensorType) -> Arg<'_> {
        Arg { ty: t, weak: None }
    }

    #[test]
    fn binary_rules_follow_numpy() {
        let (i4, f4, b) = (
            TensorType::new(I32, [3]),
            TensorType::new(F32, [3]),
            TensorType::new(Bool, [3]),
        );
        let add: Op = "add".parse().unwrap();
        assert_eq!(infer(&add, &[strong(&i4), strong(&f4)]).unwrap().dtype, F64);
        let div: Op = "true_divide".parse().unwrap();
        assert_eq!(infer(&div, &[strong(&i4), strong(&i4)]).unwrap().dtype, F64);
        let fdiv: Op = "floor_divide".parse().unwrap();
        assert_eq!(infer(&fdiv, &[strong(&b), strong(&b)]).unwrap().dtype, I8);
        let sub: Op = "subtract".parse().unwrap();
        assert_eq!(
            infer(&sub, &[strong(&b), strong(&b)]).unwrap_err().kind,
            ErrorKind::TypeError
        );
        let and: Op = "bitwise_and".parse().unwrap();
        assert_eq!(
            infer(&and, &[strong(&f4), strong(&i4)]).unwrap_err().kind,
            ErrorKind::TypeError
        );
        let lt: Op = "less".parse().unwrap();
        let t = infer(&lt, &[strong(&i4), strong(&f4)]).unwrap();
        assert_eq!(t.dtype, Bool);
        assert_eq!(
            operand_dtypes(&lt, &[strong(&i4), strong(&f4)], &t)
                .unwrap()
                .as_slice(),
            &[F64, F64]
        );
    }

    #[test]
    fn weak_python_ints_must_fit() {
        let i4 = TensorType::new(I32, [2]);
        let c = TensorType::scalar(I64);
        let add: Op = "add".parse().unwrap();
        let big = Arg {
            ty: &c,
            weak: Some(Scalar::Int(1 << 40)),
        };
        let e = infer(&add, &[strong(&i4), big.clone()]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::OverflowError);
        assert_eq!(
            e.message,
            "Python integer 1099511627776 out of bounds for int32"
        );
        let lt: Op = "less".parse().unwrap();
        let t = infer(&lt, &[strong(&i4), big.clone()]).unwrap();
        assert_eq!(
            operand_dtypes(&lt, &[strong(&i4), big], &t).unwrap()[0],
            I64
        );
        let half = Arg {
            ty: &c,
            weak: Some(Scalar::Float(Bits(0.5))),
        };
        assert_eq!(infer(&add, &[strong(&i4), half]).unwrap().dtype, F64);
    }

    #[test]
    fn transcendentals_pick_numpys_float() {
        assert_eq!(unary_dtype(UnaryOp::Sin, Bool).unwrap(), F16);
        assert_eq!(unary_dtype(UnaryOp::Sin, I8).unwrap(), F16);
        assert_eq!(unary_dtype(UnaryOp::Exp, I16).unwrap(), F32);
        assert_eq!(unary_dtype(UnaryOp::Log, I32).unwrap(), F64);
        assert_eq!(unary_dtype(UnaryOp::Sqrt, F32).unwrap(), F32);
        assert!(unary_dtype(UnaryOp::Neg, Bool).is_err());
    }

    #[test]
    fn per_op_unary_rules_follow_numpy() {
        use UnaryOp::*;
        assert_eq!(unary_dtypes(Square, Bool).unwrap(), (I8, I8));
        assert_eq!(unary_dtypes(Reciprocal, U8).unwrap(), (U8, U8));
        assert_eq!(unary_dtypes(Floor, I32).unwrap(), (I32, I32));
        assert_eq!(unary_dtypes(Trunc, Bool).unwrap(), (Bool, Bool));
        assert_eq!(unary_dtypes(Rint, I16).unwrap(), (F32, F32));
        assert_eq!(unary_dtypes(Cbrt, U8).unwrap(), (F16, F16));
        assert_eq!(unary_dtypes(IsNan, F16).unwrap(), (Bool, F16));
        assert_eq!(unary_dtypes(LogicalNot, F32).unwrap(), (Bool, Bool));
        assert_eq!(
            unary_dtypes(Sign, Bool).unwrap_err().kind,
            ErrorKind::TypeError
        );
        assert_eq!(
            unary_dtypes(Floor, C128).unwrap_err().kind,
            ErrorKind::TypeError
        );
    }

    #[test]
    fn float_only_binary_ufuncs_pick_numpys_loop() {
        let (i8_, u8_, b, f16) = (
            TensorType::new(I8, [2]),
            TensorType::new(U8, [2]),
            TensorType::new(Bool, [2]),
            TensorType::new(F16, [2]),
        );
        let c = TensorType::scalar(I64);
        let atan2: Op = "arctan2".parse().unwrap();
        let dtype = |x: Arg, y: Arg| infer(&atan2, &[x, y]).map(|t| t.dtype);
        // Each operand's own float, promoted: not promote(int8, uint8) = int16's float32.
        assert_eq!(dtype(strong(&i8_), strong(&u8_)).unwrap(), F16);
        assert_eq!(dtype(strong(&f16), strong(&u8_)).unwrap(), F16);
        // A Python int takes int8 beside int8 (no overflow check: it becomes float16) and int64 beside bool.
        assert_eq!(
            dtype(
                strong(&i8_),
                Arg {
                    ty: &c,
                    weak: Some(Scalar::Int(300))
                }
            )
            .unwrap(),
            F16
        );
        assert_eq!(
            dtype(
                strong(&b),
                Arg {
                    ty: &c,
                    weak: Some(Scalar::Int(2))
                }
            )
            .unwrap(),
            F64
        );
        let shift: Op = "left_shift".parse().unwrap();
        assert_eq!(infer(&shift, &[strong(&b), strong(&b)]).unwrap().dtype, I8);
        assert_eq!(
            infer(&shift, &[strong(&f16), strong(&i8_)])
                .unwrap_err()
                .kind,
            ErrorKind::TypeError
        );
        let and: Op = "logical_and".parse().unwrap();
        let t = infer(
            &and,
            &[
                strong(&i8_),
                Arg {
                    ty: &c,
                    weak: Some(Scalar::Int(300)),
                },
            ],
        )
        .unwrap();
        assert_eq!(t.dtype, Bool);
        let huge = Arg {
            ty: &c,
            weak: Some(Scalar::Int(1 << 70)),
        };
        assert_eq!(
            infer(&and, &[strong(&i8_), huge]).unwrap_err().kind,
            ErrorKind::OverflowError
        );
        let fp: Op = "float_power".parse().unwrap();
        assert_eq!(
            infer(&fp, &[strong(&i8_), strong(&f16)]).unwrap().dtype,
            F64
        );
    }

    #[test]
    fn reductions_accumulate_like_numpy() {
        let t = TensorType::new(I32, [2, 3]);
        let sum: Op = "sum[axes=(1,),keepdims=true]".parse().unwrap();
        assert_eq!(
            infer(&sum, &[strong(&t)]).unwrap(),
            TensorType::new(I64, [2, 1])
        );
        let mean: Op = "mean[axes=(0,1),keepdims=false]".parse().unwrap();
        assert_eq!(
            infer(&mean, &[strong(&t)]).unwrap(),
            TensorType::scalar(F64)
        );
        let empty = TensorType::new(F64, [3, 0]);
        let max: Op = "max[axes=(1,),keepdims=false]".parse().unwrap();
        assert_eq!(
            infer(&max, &[strong(&empty)]).unwrap_err().kind,
            ErrorKind::ValueError
        );
        let argmax: Op = "argmax[axis=None,keepdims=false]".parse().unwrap();
        assert!(infer(&argmax, &[strong(&empty)]).is_err());
    }

    #[test]
    fn cumulative_ops_accumulate_like_numpy() {
        let t = TensorType::new(I8, [2, 3]);
        let cs: Op = "cumsum[axis=1]".parse().unwrap();
        assert_eq!(
            infer(&cs, &[strong(&t)]).unwrap(),
            TensorType::new(I64, [2, 3])
        );
        let res = infer(&cs, &[strong(&t)]).unwrap();
        assert_eq!(
            operand_dtypes(&cs, &[strong(&t)], &res).unwrap().as_slice(),
            &[I64]
        );
        let cp: Op = "cumprod[axis=0]".parse().unwrap();
        assert_eq!(
            infer(&cp, &[strong(&TensorType::new(U8, [4]))])
                .unwrap()
                .dtype,
            U64
        );
        assert_eq!(
            infer(&cp, &[strong(&TensorType::new(Bool, [4]))])
                .unwrap()
                .dtype,
            I64
        );
        assert_eq!(
            infer(&cp, &[strong(&TensorType::new(F16, [4]))])
                .unwrap()
                .dtype,
            F16
        );
        assert_eq!(
            infer(&cs, &[strong(&TensorType::new(F32, [4]))])
                .unwrap_err()
                .kind,
            ErrorKind::Internal
        );
        assert_eq!(
            infer(&cp, &[strong(&TensorType::new(C64, [4]))])
                .unwrap()
                .dtype,
            C64
        );
    }

    #[test]
    fn gcd_lcm_nextafter_conj_follow_numpy() {
        let (i8_, u8_, b, f16) = (
            TensorType::new(I8, [2]),
            TensorType::new(U8, [2]),
            TensorType::new(Bool, [2]),
            TensorType::new(F16, [2]),
        );
        let gcd: Op = "gcd".parse().unwrap();
        assert_eq!(
            infer(&gcd, &[strong(&i8_), strong(&u8_)]).unwrap().dtype,
            I16
        );
        assert_eq!(infer(&gcd, &[strong(&b), strong(&i8_)]).unwrap().dtype, I8);
        assert_eq!(
            infer(&gcd, &[strong(&b), strong(&b)]).unwrap_err().kind,
            ErrorKind::TypeError
        );
        let lcm: Op = "lcm".parse().unwrap();
        assert_eq!(
            infer(&lcm, &[strong(&f16), strong(&i8_)]).unwrap_err().kind,
            ErrorKind::TypeError
        );
        let na: Op = "nextafter".parse().unwrap();
        assert_eq!(infer(&na, &[strong(&b), strong(&b)]).unwrap().dtype, F16);
        assert_eq!(
            infer(&na, &[strong(&i8_), strong(&u8_)]).unwrap().dtype,
            F16
        );
        assert_eq!(unary_dtypes(UnaryOp::Conj, Bool).unwrap(), (I8, I8));
        assert_eq!(unary_dtypes(UnaryOp::Conj, U8).unwrap(), (U8, U8));
        assert_eq!(unary_dtypes(UnaryOp::Conj, C64).unwrap(), (C64, C64));
        assert_eq!(unary_dtypes(UnaryOp::Abs, C128).unwrap(), (F64, C128));
        assert_eq!(unary_dtypes(UnaryOp::Real, C64).unwrap(), (F32, C64));
    }

    #[test]
    fn check_int_guards_one_scalar_into_a_signed_dtype() {
        let op: Op = "check_int[to=i8]".parse().unwrap();
        assert_eq!(op.to_string(), "check_int[to=i8]");
        let (s, v) = (TensorType::new(F64, []), TensorType::new(F64, [2]));
        assert_eq!(infer(&op, &[strong(&s)]).unwrap(), s);
        assert_eq!(
            infer(&op, &[strong(&v)]).unwrap_err().kind,
            ErrorKind::Internal
        );
        let unsigned: Op = "check_int[to=u8]".parse().unwrap();
        assert_eq!(
            infer(&unsigned, &[strong(&s)]).unwrap_err().kind,
            ErrorKind::Internal
        );
    }

    #[test]
    fn matmul_shapes_follow_numpy() {
        let mm: Op = "matmul".parse().unwrap();
        let (a, b, v) = (
            TensorType::new(F64, [2, 3]),
            TensorType::new(F32, [3, 4]),
            TensorType::new(I32, [3]),
        );
        assert_eq!(
            infer(&mm, &[strong(&a), strong(&b)]).unwrap(),
            TensorType::new(F64, [2, 4])
        );
        assert_eq!(
            infer(&mm, &[strong(&a), strong(&v)]).unwrap(),
            TensorType::new(F64, [2])
        );
        assert_eq!(
            infer(&mm, &[strong(&v), strong(&v)]).unwrap(),
            TensorType::scalar(I32)
        );
        assert_eq!(
            infer(&mm, &[strong(&b), strong(&a)]).unwrap_err().kind,
            ErrorKind::ValueError
        );
    }

    #[test]
    fn reshape_checks_size() {
        let t = TensorType::new(F64, [2, 3]);
        let r: Op = "reshape[shape=(4,)]".parse().unwrap();
        assert_eq!(
            infer(&r, &[strong(&t)]).unwrap_err().message,
            "cannot reshape array of size 6 into shape (4,)"
        );
    }
}

/// The result of an `np.linalg` op: the surface has checked NumPy's errors
/// (dimensions, squareness, dtypes) and cast to float64/complex128.
fn linalg_type(op: crate::LinalgOp, args: &[Arg]) -> Result<TensorType> {
    use crate::LinalgOp as L;
    let a = args[0].ty;
    let n = a.ndim();
    if op == L::SvdVals {
        // Any m x n stack: min(m, n) singular values, real.
        if n < 2 || !matches!(a.dtype, DType::F64 | DType::C128) {
            return Err(IrError::internal(format!("svdvals of {:?}{:?}", a.dtype, a.shape)));
        }
        let mut shape: Shape = a.shape[..n - 2].iter().copied().collect();
        shape.push(a.shape[n - 1].min(a.shape[n - 2]));
        return Ok(TensorType { dtype: a.dtype.real_of(), shape });
    }
    if n < 2 || a.shape[n - 1] != a.shape[n - 2] {
        return Err(IrError::internal(format!("{} of a non-square stack {:?}", op.name(), a.shape)));
    }
    if !matches!(a.dtype, DType::F64 | DType::C128) {
        return Err(IrError::internal(format!("{} in {:?}", op.name(), a.dtype)));
    }
    let batch = &a.shape[..n - 2];
    let m = a.shape[n - 1];
    let (dtype, shape): (DType, Shape) = match op {
        L::Cholesky | L::Inv => (a.dtype, a.shape.clone()),
        L::Det | L::SlogDetSign => (a.dtype, batch.iter().copied().collect()),
        L::SlogDetLog => (a.dtype.real_of(), batch.iter().copied().collect()),
        L::EigvalsLower | L::EigvalsUpper => {
            let mut shape: Shape = batch.iter().copied().collect();
            shape.push(m);
            (a.dtype.real_of(), shape)
        }
        L::SvdVals => return Err(IrError::internal("svdvals is typed above")),
        L::Solve | L::SolveVector => {
            let b = args[1].ty;
            if b.dtype != a.dtype {
                return Err(IrError::internal("solve of mixed dtypes"));
            }
            if op == L::SolveVector {
                if b.shape.as_slice() != [m] {
                    return Err(IrError::internal("solve of a vector of the wrong length"));
                }
                let mut shape: Shape = batch.iter().copied().collect();
                shape.push(m);
                (a.dtype, shape)
            } else {
                let k = b.ndim();
                if k < 2 || b.shape[k - 2] != m {
                    return Err(IrError::internal("solve of a stack of the wrong shape"));
                }
                let mut shape = broadcast_shapes(&[batch, &b.shape[..k - 2]])?;
                shape.push(m);
                shape.push(b.shape[k - 1]);
                (a.dtype, shape)
            }
        }
    };
    Ok(TensorType { dtype, shape })
}
