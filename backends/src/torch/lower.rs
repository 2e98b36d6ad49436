use super::interp::{writes_into, Interpreter};
use crate::cpu::sum::ViewStep;
use crate::plan::{Dest, Instr, Plan, Prim};
use ir::{
    ArgReduceOp, BinaryOp, CompareOp, CumOp, DType, Graph, IrError, Op, ReduceOp, Scalar, UnaryOp,
};
use smallvec::SmallVec;
use tch::{Device, Kind, Tensor};

pub struct TorchBackend {
    pub device: Device,
}

impl crate::Backend for TorchBackend {
    type Plan = Plan;
    type Error = IrError;
    fn lower(&self, graph: &Graph) -> Result<Plan, IrError> {
        lower(graph, self.device, &LowerOptions::default())
    }
}

/// The libtorch kind holding a NumPy dtype (uint16/32/64: their signed storage,
/// see `ir::native`).
pub fn kind_of(d: DType) -> Result<Kind, IrError> {
    Ok(crate::plan::storage_kind(d))
}

fn torch_err(e: tch::TchError) -> IrError {
    IrError::internal(format!("libtorch: {e}"))
}

fn const_tensor(value: Scalar, dtype: DType, device: Device) -> Result<Tensor, IrError> {
    let kind = kind_of(dtype)?;
    let t = match value.cast(dtype) {
        Scalar::Bool(b) => Tensor::f_from_slice(&[b]),
        Scalar::Int(i) => Tensor::f_from_slice(&[i as i64]),
        Scalar::Float(f) => Tensor::f_from_slice(&[f.0]),
        Scalar::Complex(re, im) => {
            Tensor::f_from_slice(&[re.0, im.0]).and_then(|t| t.f_view_as_complex())
        }
    }
    .and_then(|t| t.f_to_kind(kind))
    .and_then(|t| t.f_reshape([0i64; 0]))
    .and_then(|t| t.f_to(device))
    .map_err(torch_err)?;
    Ok(t)
}

/// A float16 op computed in float32 and rounded to float16 once, as NumPy's
/// float16 loops (and its float16 product's accumulator) do.
fn in_float32(op: Prim) -> Prim {
    Prim::Widened {
        op: Box::new(op),
        via: Kind::Float,
        back: Kind::Half,
    }
}

/// Which operand NumPy's float `maximum`/`minimum` return where the operands
/// compare equal (zeros of both signs): the second for float32/float64, whose
/// SIMD and scalar loops follow x86's min/max instructions; the first for
/// float16, whose loop is `a <= b || isnan(a) ? a : b`.
fn float_tie(d: DType) -> usize {
    if d == DType::F16 {
        0
    } else {
        1
    }
}

/// What NumPy's integer `reciprocal` (`1.0 / x` converted to the int type) gives
/// for 0 on x86-64: the conversion of inf is the "integer indefinite" value of a
/// 32- or 64-bit conversion, truncated to narrower types.
fn int_reciprocal_of_zero(d: DType) -> i64 {
    match d {
        DType::I32 => i32::MIN as i64,
        DType::I64 => i64::MIN,
        _ => 0,
    }
}

fn op_for(graph: &Graph, v: ir::Value) -> Result<Prim, IrError> {
    use Prim as T;
    let node = graph.node(v);
    let args = graph.args(v);
    let arg_dtype = |i: usize| graph.node(args[i]).ty.dtype;
    let out = &node.ty;
    Ok(match &node.op {
        Op::Unary(u) => {
            let d = out.dtype;
            let exact_in = arg_dtype(0).is_exact();
            let base = match u {
                UnaryOp::Abs | UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Trunc | UnaryOp::Conj
                    if d == DType::U64 =>
                {
                    T::Copy
                }
                UnaryOp::Sign if d == DType::U64 => T::U64Sign,
                UnaryOp::Reciprocal if d == DType::U64 => T::U64Reciprocal,
                UnaryOp::Conj if d.is_complex() => T::ConjPhysical,
                UnaryOp::Sign if d.is_complex() => T::ComplexSign,
                UnaryOp::Square if d.is_complex() => T::ComplexSquare,
                UnaryOp::Neg if d.is_complex() => T::ComplexNeg,
                UnaryOp::Log1p if d.is_complex() => T::ComplexLog1p,
                UnaryOp::ArcCos if d.is_complex() => T::ComplexAcos,
                UnaryOp::Reciprocal if d.is_complex() => T::ComplexReciprocal,
                UnaryOp::Log2 if d.is_complex() => T::ComplexLogScaled(std::f64::consts::LOG2_E),
                UnaryOp::Log10 if d.is_complex() => T::ComplexLogScaled(std::f64::consts::LOG10_E),
                UnaryOp::Real => T::Real,
                UnaryOp::Imag => T::Imag,
                UnaryOp::Neg => T::Neg,
                UnaryOp::Abs if d.is_bool() => T::Copy,
                UnaryOp::Abs => T::Abs,
                UnaryOp::Invert if d.is_bool() => T::LogicalNot,
                UnaryOp::Invert => T::BitNot,
                UnaryOp::Sin => T::Sin,
                UnaryOp::Cos => T::Cos,
                UnaryOp::Tan => T::Tan,
                UnaryOp::Exp => T::Exp,
                UnaryOp::Log => T::Log,
                UnaryOp::Sqrt => T::Sqrt,
                UnaryOp::Tanh => T::Tanh,
                UnaryOp::ArcSin => T::Asin,
                UnaryOp::ArcCos => T::Acos,
                UnaryOp::ArcTan => T::Atan,
                UnaryOp::Sinh => T::Sinh,
                UnaryOp::Cosh => T::Cosh,
                UnaryOp::ArcSinh => T::Asinh,
                UnaryOp::ArcCosh => T::Acosh,
                UnaryOp::ArcTanh => T::Atanh,
                UnaryOp::Exp2 => T::Exp2,
                UnaryOp::Expm1 => T::Expm1,
                UnaryOp::Log2 => T::Log2,
                UnaryOp::Log10 => T::Log10,
                UnaryOp::Log1p => T::Log1p,
                // Refined in float64 so float32 (and float16) round from an exact enough cube root.
                UnaryOp::Cbrt if d != DType::F64 => {
                    return Ok(T::Widened {
                        op: Box::new(T::Cbrt),
                        via: Kind::Double,
                        back: kind_of(d)?,
                    })
                }
                UnaryOp::Cbrt => T::Cbrt,
                UnaryOp::Rint if d.is_complex() => T::ComplexRint,
                UnaryOp::Rint => T::Round,
                UnaryOp::Deg2Rad => T::Deg2Rad,
                UnaryOp::Rad2Deg => T::Rad2Deg,
                UnaryOp::Square => T::Square,
                UnaryOp::Reciprocal if exact_in => T::IntReciprocal {
                    at_zero: int_reciprocal_of_zero(d),
                },
                UnaryOp::Reciprocal => T::Reciprocal,
                UnaryOp::Sign if exact_in => T::Sign,
                UnaryOp::Sign => T::FloatSign,
                UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Trunc if exact_in => T::Copy,
                UnaryOp::Floor => T::Floor,
                UnaryOp::Ceil => T::Ceil,
                UnaryOp::Trunc => T::Trunc,
                UnaryOp::IsNan => T::IsNan,
                UnaryOp::IsInf => T::IsInf,
                UnaryOp::IsFinite => T::IsFinite,
                UnaryOp::SignBit => T::SignBit,
                UnaryOp::LogicalNot => T::LogicalNot,
                // Real operands (complex ones take `ConjPhysical` above): a copy.
                UnaryOp::Conj => T::Copy,
            };
            // NumPy computes float16 math in float32 and rounds once.
            if u.is_float_only() && d == DType::F16 {
                in_float32(base)
            } else {
                base
            }
        }
        Op::Binary(b) => {
            let d = arg_dtype(0);
            let base = match b {
                BinaryOp::Pow | BinaryOp::FloatPower if d.is_complex() => T::ComplexPow,
                BinaryOp::Add if d.is_complex() => T::ComplexAdd,
                BinaryOp::Sub if d.is_complex() => T::ComplexSub,
                BinaryOp::Mul if d.is_complex() => T::ComplexMul,
                BinaryOp::TrueDiv if d.is_complex() => T::ComplexDiv,
                BinaryOp::FloorDiv if d == DType::U64 => T::U64FloorDiv,
                BinaryOp::Rem | BinaryOp::FMod if d == DType::U64 => T::U64Rem,
                BinaryOp::RightShift if d == DType::U64 => T::U64RightShift,
                BinaryOp::Gcd if d == DType::U64 => T::U64Gcd,
                BinaryOp::Lcm if d == DType::U64 => T::U64Lcm,
                BinaryOp::Pow if d == DType::U64 => T::U64Pow,
                BinaryOp::Add | BinaryOp::Maximum | BinaryOp::FMax if d.is_bool() => T::LogicalOr,
                BinaryOp::Mul | BinaryOp::Minimum | BinaryOp::FMin if d.is_bool() => T::LogicalAnd,
                BinaryOp::Add => T::Add,
                BinaryOp::Sub => T::Sub,
                BinaryOp::Mul => T::Mul,
                BinaryOp::TrueDiv => T::Div,
                BinaryOp::FloorDiv if d.is_exact() => T::IntFloorDiv,
                BinaryOp::FloorDiv => T::FloorDiv,
                BinaryOp::Rem if d.is_exact() => T::IntRem,
                BinaryOp::FMod if d.is_exact() => T::IntFMod,
                BinaryOp::FMod => T::FMod,
                BinaryOp::Rem => T::Rem,
                BinaryOp::Pow if d.is_exact() => T::IntPow,
                BinaryOp::Pow | BinaryOp::FloatPower => T::Pow,
                BinaryOp::Maximum if d.is_float() => T::FloatMaximum { tie: float_tie(d) },
                BinaryOp::Minimum if d.is_float() => T::FloatMinimum { tie: float_tie(d) },
                BinaryOp::Maximum => T::Maximum,
                BinaryOp::Minimum => T::Minimum,
                BinaryOp::BitAnd => T::BitAnd,
                BinaryOp::BitOr => T::BitOr,
                BinaryOp::BitXor => T::BitXor,
                BinaryOp::ArcTan2 => T::Atan2,
                BinaryOp::Hypot => T::Hypot,
                BinaryOp::CopySign => T::CopySign,
                BinaryOp::LogAddExp => T::LogAddExp,
                BinaryOp::LogAddExp2 => T::LogAddExp2,
                BinaryOp::Heaviside => T::Heaviside,
                BinaryOp::FMax => T::FMax,
                BinaryOp::FMin => T::FMin,
                BinaryOp::LogicalAnd => T::LogicalAnd,
                BinaryOp::LogicalOr => T::LogicalOr,
                BinaryOp::LogicalXor => T::LogicalXor,
                BinaryOp::LeftShift => T::LeftShift,
                BinaryOp::RightShift => T::RightShift,
                BinaryOp::Gcd => T::Gcd,
                BinaryOp::Lcm => T::Lcm,
                BinaryOp::NextAfter => T::NextAfter,
                BinaryOp::Complex => T::MakeComplex,
            };
            // nextafter steps in the operand's own dtype, and copysign is exact
            // (float16 -> float32 -> float16 would drop a NaN's sign): never widened.
            if b.is_float_only()
                && d == DType::F16
                && !matches!(b, BinaryOp::NextAfter | BinaryOp::CopySign)
            {
                in_float32(base)
            } else {
                base
            }
        }
        Op::Compare(c) => match c {
            CompareOp::Eq => T::Eq,
            CompareOp::Ne => T::Ne,
            CompareOp::Lt => T::Lt,
            CompareOp::Le => T::Le,
            CompareOp::Gt => T::Gt,
            CompareOp::Ge => T::Ge,
        },
        Op::Where => T::Where,
        Op::CheckInt { to } => T::CheckInt {
            from: arg_dtype(0),
            to: *to,
        },
        Op::Cast { to } => T::Cast {
            from: arg_dtype(0),
            to: *to,
        },
        Op::Reduce {
            op, axes, keepdims, ..
        } => {
            let (dims, keepdim) = (axes.to_vec(), *keepdims);
            let bool_in = arg_dtype(0).is_bool();
            match op {
                ReduceOp::Sum => T::Sum { dims, keepdim },
                ReduceOp::Prod if out.dtype.is_complex() => T::ComplexProd { dims, keepdim },
                // NumPy's float16 product accumulates in float32.
                ReduceOp::Prod if out.dtype == DType::F16 => in_float32(T::Prod { dims, keepdim }),
                ReduceOp::Prod => T::Prod { dims, keepdim },
                ReduceOp::Mean => T::Mean { dims, keepdim },
                ReduceOp::Max if bool_in => T::Any { dims, keepdim },
                ReduceOp::Min if bool_in => T::All { dims, keepdim },
                ReduceOp::Max | ReduceOp::Min if arg_dtype(0).is_complex() => T::ComplexMaxMin {
                    dims,
                    keepdim,
                    max: *op == ReduceOp::Max,
                },
                ReduceOp::Max => T::Amax { dims, keepdim },
                ReduceOp::Min => T::Amin { dims, keepdim },
                ReduceOp::Any => T::Any { dims, keepdim },
                ReduceOp::All => T::All { dims, keepdim },
            }
        }
        Op::ArgReduce { op, axis, keepdims } if arg_dtype(0).is_complex() => T::ComplexArg {
            dim: *axis,
            out_shape: out.shape.to_vec(),
            max: *op == ArgReduceOp::ArgMax,
        },
        Op::ArgReduce { op, axis, keepdims } => {
            let via = arg_dtype(0).is_bool().then_some(Kind::Uint8);
            let (dim, keepdim, out_shape) = (*axis, *keepdims, out.shape.to_vec());
            match op {
                ArgReduceOp::ArgMax => T::ArgMax {
                    dim,
                    keepdim,
                    out_shape,
                    via,
                },
                ArgReduceOp::ArgMin => T::ArgMin {
                    dim,
                    keepdim,
                    out_shape,
                    via,
                },
            }
        }
        // The operand is already in the accumulation dtype (cumulative-promote):
        // pass it as libtorch's dtype so libtorch's own promotion never decides.
        Op::Cumulative { op, axis } => {
            let kind = kind_of(out.dtype)?;
            let seq = matches!(out.dtype, DType::F16 | DType::F32);
            match op {
                CumOp::CumSum if seq => T::SeqCumSum(*axis),
                CumOp::CumProd if seq => T::SeqCumProd(*axis),
                CumOp::CumProd if out.dtype.is_complex() => T::ComplexCumProd(*axis),
                CumOp::CumSum => T::CumSum { dim: *axis, kind },
                CumOp::CumProd => T::CumProd { dim: *axis, kind },
            }
        }
        Op::MatMul if out.dtype.is_bool() => T::BoolMatMul,
        Op::MatMul if out.dtype.is_complex() => T::ComplexMatMul,
        Op::MatMul => T::MatMul,
        Op::Reshape { shape } => T::Reshape(shape.to_vec()),
        Op::Permute { perm } => T::Permute(perm.to_vec()),
        Op::Slice { dims } => T::Slice(
            dims.iter()
                .enumerate()
                .filter(|(axis, d)| {
                    !(d.start == 0 && d.step == 1 && d.len == graph.node(args[0]).ty.shape[*axis])
                })
                .map(|(axis, d)| (axis as i64, d.start, d.len, d.step))
                .collect(),
        ),
        Op::SliceScatter { dims } => T::SliceScatter(
            dims.iter()
                .enumerate()
                .map(|(axis, d)| (axis as i64, d.start, d.len, d.step))
                .collect(),
        ),
        Op::Concat { axis, .. } => T::Concat(*axis),
        Op::Sort { .. } if arg_dtype(0).is_complex() => {
            return Err(IrError::unsupported(
                "np.sort of complex (libtorch has no complex sort) is not compiled yet",
            ))
        }
        Op::Sort { axis } => T::Sort {
            dim: *axis,
            via: arg_dtype(0).is_bool().then_some(Kind::Uint8),
        },
        Op::Take { axis } => T::Take {
            dim: *axis,
            size: graph.node(args[0]).ty.shape[*axis as usize],
            out_shape: out.shape.to_vec(),
        },
        Op::AddCMul => T::AddCMul,
        Op::Linalg(l) => T::Linalg(*l),
        Op::BinCount { length, .. } => T::BinCount { length: *length },
        Op::ArgSort { axis } => T::ArgSort {
            dim: *axis,
            via: arg_dtype(0).is_bool().then_some(Kind::Uint8),
        },
        Op::SearchSorted { right } => T::SearchSorted {
            right: *right,
            via: arg_dtype(0).is_bool().then_some(Kind::Uint8),
        },
        Op::Fft { op, n, axis } => T::Fft {
            op: *op,
            n: *n,
            dim: *axis,
        },
        Op::Check { kind } => T::Check { kind: *kind },
        Op::Host { kernel, .. } => T::Host {
            kernel: kernel.clone(),
            args: (0..args.len()).map(arg_dtype).collect(),
            dtype: out.dtype,
        },
        Op::Input { .. } | Op::Const { .. } => {
            return Err(IrError::internal("leaves are not instructions"))
        }
    })
}

/// A float32/float64 `sum`/`mean` on the CPU adds in NumPy's order on the host
/// (`Prim::HostSum`), with the value of the extra operand it reads strides
/// from, if any. Complex and float16 reductions, and every reduction on CUDA,
/// keep libtorch's sum, whose order is not NumPy's.
fn host_sum(graph: &Graph, v: ir::Value, device: Device) -> Option<(Prim, Option<ir::Value>)> {
    let node = graph.node(v);
    let Op::Reduce {
        op,
        axes,
        keepdims,
        buffered,
    } = &node.op
    else {
        return None;
    };
    if device != Device::Cpu
        || !matches!(op, ReduceOp::Sum | ReduceOp::Mean)
        || !matches!(node.ty.dtype, DType::F32 | DType::F64)
    {
        return None;
    }
    let data = *graph.args(v).first()?;
    // NumPy iterates the array it was given: an on-the-fly cast reads its operand.
    let mut layout = data;
    if *buffered && matches!(graph.node(data).op, Op::Cast { .. }) {
        layout = *graph.args(data).first()?;
    }
    // NumPy's view of a slice with a negative step has negative strides, which
    // libtorch (a flipped copy) cannot hold: replay the views from their base.
    let (mut steps, mut base, mut negative) = (vec![], layout, false);
    loop {
        match &graph.node(base).op {
            Op::Permute { perm } => steps.push(ViewStep::Permute(perm.to_vec())),
            Op::Slice { dims } => {
                negative |= dims.iter().any(|d| d.step < 0 && d.len > 1);
                steps.push(ViewStep::Slice(
                    dims.iter().map(|d| (d.start, d.len, d.step)).collect(),
                ));
            }
            Op::Reshape { .. }
                if crate::cpu::sum::only_unit_axes(
                    &graph.node(*graph.args(base).first()?).ty.shape,
                    &graph.node(base).ty.shape,
                ) =>
            {
                steps.push(ViewStep::Reshape(graph.node(base).ty.shape.to_vec()))
            }
            _ => break,
        }
        base = *graph.args(base).first()?;
    }
    let (view, layout) = if negative {
        steps.reverse();
        (steps, base)
    } else {
        (vec![], layout)
    };
    let op = Prim::HostSum {
        dims: axes.to_vec(),
        keepdim: *keepdims,
        mean: *op == ReduceOp::Mean,
        buffered: *buffered,
        view,
    };
    Some((op, (layout != data).then_some(layout)))
}

/// Ops whose libtorch result may share memory with their operand.
pub(crate) fn is_view(op: &Prim) -> bool {
    match op {
        Prim::Reshape(_)
        | Prim::Permute(_)
        | Prim::Slice(_)
        | Prim::SliceView(_)
        | Prim::Restride(_)
        | Prim::Real
        | Prim::Imag
        | Prim::CheckInt { .. } => true,
        Prim::Cast { from, to } => crate::plan::cast_shares_storage(*from, *to),
        _ => false,
    }
}

/// What lowering may assume about the caller.
#[derive(Debug, Clone, Default)]
pub struct LowerOptions {
    /// (input, output): the output is the input's new value, which the caller
    /// stores into the input's memory after the plan has run.
    pub writebacks: Vec<(usize, usize)>,
    /// Whether the plan may write those inputs in their own memory as it runs
    /// (the caller passes zero-copy views of its arrays and checks that
    /// written arguments do not overlap others).
    pub inputs_in_place: bool,
    /// Whether every input is C-ordered (part of the signature).
    pub c_ordered_inputs: bool,
}

/// Instructions that raise NumPy's errors (not libtorch failures) when run.
fn can_raise(op: &Prim) -> bool {
    use ir::LinalgOp as L;
    matches!(
        op,
        Prim::IntPow
            | Prim::Take { .. }
            | Prim::CheckInt { .. }
            | Prim::Linalg(L::Cholesky | L::Inv | L::Solve | L::SolveVector)
            | Prim::Check { .. }
            | Prim::Host { .. }
    )
}

/// Lower an optimized graph. Every operand must already be in its op's compute
/// dtype (the `promote` stage guarantees it; this checks it again).
pub fn lower(graph: &Graph, device: Device, opts: &LowerOptions) -> Result<Plan, IrError> {
    let n_inputs = graph.input_names.len();
    let mut slot_of = vec![u32::MAX; graph.len()];
    let mut next = n_inputs as u32;
    let mut consts = vec![];
    let mut instrs = vec![];
    // The slot each slot's memory comes from (views share their operand's).
    let mut root: Vec<u32> = (0..n_inputs as u32).collect();
    let mut leaf_roots = vec![true; n_inputs];
    // Each instruction result's storage kind and shape.
    let mut slot_type: Vec<Option<(Kind, Vec<i64>)>> = vec![None; n_inputs];
    for v in graph.values() {
        let node = graph.node(v);
        match &node.op {
            Op::Input { index } => {
                slot_of[v.index()] = *index;
            }
            Op::Const { value, dtype, weak } => {
                if *weak {
                    return Err(IrError::internal(
                        "a weak literal reached lowering unpromoted",
                    ));
                }
                slot_of[v.index()] = next;
                consts.push((next, const_tensor(*value, *dtype, device)?));
                root.push(next);
                leaf_roots.push(true);
                slot_type.push(None);
                next += 1;
            }
            _ => {
                let args = graph.args(v);
                let infos = graph.arg_infos(&args);
                let want = ir::operand_dtypes(&node.op, &infos, &node.ty)?;
                if infos.iter().zip(&want).any(|(a, w)| a.ty.dtype != *w) {
                    return Err(IrError::internal(format!(
                        "{} reached lowering with unpromoted operands",
                        node.op
                    )));
                }
                if !ir::native::is_native(&node.op, &want, node.ty.dtype) {
                    return Err(IrError::unsupported(format!(
                        "{} on {} is not normalized for libtorch",
                        node.op,
                        want.iter()
                            .map(|d| d.numpy_name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                let (op, layout) = match host_sum(graph, v, device) {
                    Some((op, layout)) => (op, layout),
                    None => (op_for(graph, v)?, None),
                };
                let arg_slots: SmallVec<[u32; 3]> = args
                    .iter()
                    .chain(&layout)
                    .map(|a| slot_of[a.index()])
                    .collect();
                let out = next;
                next += 1;
                root.push(if is_view(&op) {
                    root[arg_slots[0] as usize]
                } else {
                    out
                });
                leaf_roots.push(false);
                slot_type.push(Some((
                    kind_of(node.ty.dtype)?,
                    node.ty.shape.iter().map(|&d| d as i64).collect(),
                )));
                slot_of[v.index()] = out;
                instrs.push(Instr::Op {
                    op,
                    args: arg_slots,
                    out,
                    dest: Dest::Fresh,
                });
            }
        }
    }
    let outputs: Vec<u32> = graph.outputs.iter().map(|o| slot_of[o.index()]).collect();
    if device == Device::Cpu {
        let shape = slot_shapes(graph, &slot_type);
        let kinds: Vec<Option<Kind>> = slot_type
            .iter()
            .map(|t| t.as_ref().map(|(k, _)| *k))
            .collect();
        fuse_gemm(&mut instrs, &consts, &shape, &kinds, &outputs);
    }
    // Each slot's last use; outputs live to the end.
    let mut last_use = vec![usize::MAX; next as usize];
    for (i, Instr::Op { args, .. }) in instrs.iter().enumerate() {
        for &a in args {
            last_use[a as usize] = i;
        }
    }
    let mut is_output = vec![false; next as usize];
    for &o in &outputs {
        is_output[o as usize] = true;
    }
    let mut writable = vec![false; n_inputs];
    if opts.inputs_in_place {
        for &(input, _) in &opts.writebacks {
            writable[input] = true;
        }
    }
    let written_inputs = write_in_place(
        &mut instrs,
        &mut root,
        &leaf_roots,
        &last_use,
        &is_output,
        &writable,
    );
    let writeback_outputs: Vec<usize> = opts.writebacks.iter().map(|&(_, o)| o).collect();
    let (buffers, output_in_buffer) = if device == Device::Cpu {
        let transposes = instrs
            .iter()
            .any(|Instr::Op { op, .. }| matches!(op, Prim::Permute(_)));
        plan_memory(
            &mut instrs,
            opts.c_ordered_inputs && !transposes,
            &root,
            &slot_type,
            &last_use,
            &outputs,
            &writeback_outputs,
        )
    } else {
        (vec![], vec![false; outputs.len()])
    };
    if device == Device::Cpu {
        let shape = slot_shapes(graph, &slot_type);
        direct_slices(&mut instrs, &leaf_roots, &shape);
    }
    let output_types = outputs
        .iter()
        .zip(&graph.outputs)
        .map(|(_, o)| {
            let ty = &graph.node(*o).ty;
            Ok((
                kind_of(ty.dtype)?,
                ty.shape.iter().map(|&d| d as i64).collect(),
            ))
        })
        .collect::<Result<_, IrError>>()?;
    let mut seen_roots = vec![];
    let copy_out = outputs
        .iter()
        .enumerate()
        .map(|(k, &o)| {
            let r = root[o as usize];
            if opts.writebacks.contains(&(r as usize, k)) {
                // The input's own memory, written in place: nothing to store.
                return false;
            }
            let copy = leaf_roots[r as usize] || seen_roots.contains(&r);
            seen_roots.push(r);
            copy
        })
        .collect();
    let mut frees: Vec<SmallVec<[u32; 2]>> = vec![SmallVec::new(); instrs.len()];
    for (slot, &i) in last_use.iter().enumerate() {
        if i != usize::MAX && !is_output[slot] {
            frees[i].push(slot as u32);
        }
    }
    let input_kinds = graph
        .input_types()
        .iter()
        .map(|t| Ok((kind_of(t.dtype)?, t.shape.to_vec())))
        .collect::<Result<_, IrError>>()?;
    let output_dtypes = graph
        .outputs
        .iter()
        .map(|o| graph.node(*o).ty.dtype)
        .collect();
    let mut plan = Plan {
        n_inputs,
        n_slots: next as usize,
        consts,
        instrs,
        frees,
        outputs,
        copy_out,
        input_kinds,
        output_dtypes,
        device,
        written_inputs,
        buffers,
        small: slot_type
            .iter()
            .flatten()
            .map(|(_, shape)| shape.iter().product::<i64>())
            .chain(
                graph
                    .input_types()
                    .iter()
                    .map(|t| t.shape.iter().product::<i64>()),
            )
            .all(|n| n <= crate::plan::SMALL_PLAN),
        output_types,
        output_in_buffer,
        executor: Box::new(Interpreter::default()),
    };
    if device == Device::Cpu && native_layout_holds(&plan, opts.c_ordered_inputs) {
        let mode = crate::cpu::native_mode();
        if mode != crate::cpu::NativeMode::Never {
            let types = slot_types(graph, &plan, &slot_type)?;
            let m = crate::cpu::Machine::build(&plan, &types, opts.c_ordered_inputs);
            // Views and stores into arguments cost nothing natively, however
            // large the array, and regions go a tile at a time; a large
            // result otherwise is libtorch's to compute.
            if mode == crate::cpu::NativeMode::Always || m.largest_loop() <= crate::plan::SMALL_PLAN
            {
                plan.executor = Box::new(m);
            }
        }
    }
    Ok(plan)
}

/// Every slot's storage kind and shape: inputs', constants' and results'.
fn slot_types(
    graph: &Graph,
    plan: &Plan,
    slot_type: &[Option<(Kind, Vec<i64>)>],
) -> Result<Vec<(Kind, Vec<i64>)>, IrError> {
    let mut types: Vec<Option<(Kind, Vec<i64>)>> = slot_type.to_vec();
    for (k, t) in graph.input_types().iter().enumerate() {
        types[k] = Some((
            kind_of(t.dtype)?,
            t.shape.iter().map(|&d| d as i64).collect(),
        ));
    }
    for (slot, t) in &plan.consts {
        types[*slot as usize] = Some((t.kind(), t.size()));
    }
    types
        .into_iter()
        .enumerate()
        .map(|(s, t)| t.ok_or_else(|| IrError::internal(format!("slot {s} has no type"))))
        .collect()
}

/// The native executor lays every result out in C order. NumPy's float sums
/// add in the order of their operand's memory, which libtorch's layouts
/// follow where inputs are not C-ordered or a transpose feeds elementwise
/// work: there the plan keeps libtorch's layouts (and the libtorch executor)
/// if it sums or accumulates.
fn native_layout_holds(plan: &Plan, c_ordered_inputs: bool) -> bool {
    let order_sensitive = plan.instrs.iter().any(|Instr::Op { op, .. }| {
        matches!(
            op,
            Prim::HostSum { .. }
                | Prim::Sum { .. }
                | Prim::Prod { .. }
                | Prim::Mean { .. }
                | Prim::CumSum { .. }
                | Prim::CumProd { .. }
                | Prim::SeqCumSum(_)
                | Prim::SeqCumProd(_)
                | Prim::ComplexCumProd(_)
                | Prim::ComplexProd { .. }
        )
    });
    if !order_sensitive {
        return true;
    }
    if !c_ordered_inputs {
        return false;
    }
    // A transpose whose result only feeds matrix products changes no layout.
    let transposed: Vec<u32> = plan
        .instrs
        .iter()
        .filter_map(|Instr::Op { op, out, .. }| matches!(op, Prim::Permute(_)).then_some(*out))
        .collect();
    plan.instrs.iter().all(|Instr::Op { op, args, .. }| {
        matches!(op, Prim::MatMul | Prim::Gemm { .. })
            || !args.iter().any(|a| transposed.contains(a))
    })
}

/// `add(matmul(a, b), mul(beta, c))` on float32/float64 matrices becomes one
/// `Gemm { alpha: 1, beta }(a, b, c)`: the output starts as `c` broadcast (a
/// bias row, or the array a loop accumulates into), BLAS scales it by beta
/// (NumPy's `beta * c`, element by element) and accumulates the product into
/// it. The product with a literal may be absent (beta 1); beta folds only
/// where finite and nonzero (BLAS does not read `c` when beta is 0, and NumPy's
/// `0 * nan` is nan). A scaled product (`(alpha * a) @ b`, `k * (a @ b)`) is not
/// folded: NumPy rounds the scaled operand or product, and where that
/// overflows or underflows BLAS's scaled partial sums need not.
/// Each fused intermediate must have no other use.
fn fuse_gemm(
    instrs: &mut Vec<Instr>,
    consts: &[(u32, Tensor)],
    shape: &[Vec<i64>],
    kind: &[Option<Kind>],
    outputs: &[u32],
) {
    let rank = |s: u32| shape[s as usize].len();
    let mut uses = vec![0usize; shape.len()];
    let mut producer = vec![usize::MAX; shape.len()];
    for (i, Instr::Op { args, out, .. }) in instrs.iter().enumerate() {
        for &a in args {
            uses[a as usize] += 1;
        }
        producer[*out as usize] = i;
    }
    for &o in outputs {
        uses[o as usize] += 1;
    }
    let literal = |slot: u32| -> Option<f64> {
        let (_, t) = consts.iter().find(|(s, _)| *s == slot)?;
        let v = t.f_double_value(&[]).ok()?;
        (v.is_finite() && v != 0.0).then_some(v)
    };
    let op_of = |instrs: &[Instr], slot: u32| -> Option<(usize, Prim, SmallVec<[u32; 3]>)> {
        let i = *producer.get(slot as usize)?;
        let Instr::Op { op, args, .. } = instrs.get(i)?;
        Some((i, op.clone(), args.clone()))
    };
    // `mul(literal, x)` or `mul(x, literal)` used once: (instruction, x, literal).
    let scaled = |instrs: &[Instr], slot: u32| -> Option<(usize, u32, f64)> {
        if uses[slot as usize] != 1 {
            return None;
        }
        match op_of(instrs, slot)? {
            (i, Prim::Mul, args) => match (literal(args[0]), literal(args[1])) {
                (Some(v), _) if rank(args[0]) == 0 => Some((i, args[1], v)),
                (_, Some(v)) if rank(args[1]) == 0 => Some((i, args[0], v)),
                _ => None,
            },
            _ => None,
        }
    };
    let mut dead = vec![false; instrs.len()];
    for i in 0..instrs.len() {
        let Instr::Op { op, args, out, .. } = &instrs[i];
        let out = *out;
        if !matches!(kind[out as usize], Some(Kind::Double | Kind::Float)) || rank(out) != 2 {
            continue;
        }
        let is_product = |s: u32| {
            uses[s as usize] == 1
                && shape[s as usize] == shape[out as usize]
                && matches!(op_of(instrs, s), Some((j, Prim::MatMul, ref a))
                    if !dead[j] && rank(a[0]) == 2 && rank(a[1]) == 2)
        };
        let scalar = |s: u32| if rank(s) == 0 { literal(s) } else { None };
        // (product, a literal scaling it, the addend, a literal scaling that).
        let (product, scale, addend, addend_scale) = match (op, args.as_slice()) {
            (Prim::Add, &[l, r]) if is_product(l) => (l, None, r, None),
            (Prim::Add, &[l, r]) if is_product(r) => (r, None, l, None),
            // addcmul(s, t1, t2) = s + t1 * t2
            (Prim::AddCMul, &[s, t1, t2]) => match (scalar(t1), scalar(t2)) {
                (Some(v), _) if is_product(s) => (s, None, t2, Some(v)),
                (_, Some(v)) if is_product(s) => (s, None, t1, Some(v)),
                (Some(v), _) if is_product(t2) => (t2, Some(v), s, None),
                (_, Some(v)) if is_product(t1) => (t1, Some(v), s, None),
                _ => continue,
            },
            _ => continue,
        };
        let Some((mm, _, mm_args)) = op_of(instrs, product) else {
            continue;
        };
        let (x, y) = (mm_args[0], mm_args[1]);
        let mut fused = vec![mm];
        if scale.is_some() {
            // k * (A @ B): BLAS would scale partial sums, NumPy the rounded
            // product (they part where one overflows and the other does not).
            continue;
        }
        let alpha = 1.0;
        let (c, beta) = match addend_scale {
            Some(v) => (addend, v),
            None => match scaled(instrs, addend)
                .filter(|&(_, inner, _)| shape[inner as usize] == shape[addend as usize])
            {
                Some((j, inner, v)) => {
                    fused.push(j);
                    (inner, v)
                }
                None => (addend, 1.0),
            },
        };
        if fused.iter().any(|&j| dead[j]) {
            continue;
        }
        for &j in &fused {
            dead[j] = true;
        }
        instrs[i] = Instr::Op {
            op: Prim::Gemm { alpha, beta },
            args: SmallVec::from_slice(&[x, y, c]),
            out,
            dest: Dest::Fresh,
        };
    }
    let mut i = 0;
    instrs.retain(|_| {
        i += 1;
        !dead[i - 1]
    });
}

/// A `Slice` of memory that outlives the run (an argument, a constant, or a
/// block in a plan buffer) becomes a `SliceView`: libtorch's views cost a call
/// (and autograd's view bookkeeping) per sliced axis. Blocks returned as
/// outputs are not taken: without caller arrays they are libtorch's.
/// `lasting` is per slot, not per root: `root` treats ops that may copy as
/// views (right for aliasing, wrong for lifetime).
fn direct_slices(instrs: &mut [Instr], leaf_roots: &[bool], shape: &[Vec<i64>]) {
    // Slots whose tensor is certainly memory that outlives the run: libtorch's
    // `Reshape` and negative-step `Slice` may copy, so only ops that always
    // return their operand's memory pass it on.
    let mut lasting = leaf_roots.to_vec();
    for Instr::Op {
        op,
        args,
        out,
        dest,
    } in instrs.iter_mut()
    {
        let from_operand = || lasting[args[0] as usize];
        let forward = |dims: &[(i64, i64, i64, i64)]| {
            dims.iter()
                .all(|&(_, start, len, step)| step > 0 && len > 0 && start >= 0)
        };
        let keeps = match op {
            Prim::Slice(dims) if forward(dims) && from_operand() => {
                *op = Prim::SliceView(std::mem::take(dims));
                true
            }
            Prim::Reshape(_)
                if from_operand()
                    && unit_axes_only(&shape[args[0] as usize], &shape[*out as usize]) =>
            {
                *op = Prim::Restride(shape[*out as usize].clone());
                true
            }
            Prim::SliceView(_)
            | Prim::Restride(_)
            | Prim::Permute(_)
            | Prim::CheckInt { .. }
            | Prim::SliceScatterInPlace(_) => from_operand(),
            Prim::Cast { from, to } if crate::plan::cast_shares_storage(*from, *to) => {
                from_operand()
            }
            _ => matches!(dest, Dest::Buffer(_)),
        };
        lasting[*out as usize] = keeps;
    }
}

/// Every slot's static shape: the inputs', then the instructions' results
/// (constants are 0-d).
fn slot_shapes(graph: &Graph, slot_type: &[Option<(Kind, Vec<i64>)>]) -> Vec<Vec<i64>> {
    let inputs = graph.input_types();
    let mut shape: Vec<Vec<i64>> = inputs
        .iter()
        .map(|t| t.shape.iter().map(|&d| d as i64).collect())
        .collect();
    shape.extend(
        slot_type[inputs.len()..]
            .iter()
            .map(|t| t.as_ref().map_or(vec![], |(_, s)| s.clone())),
    );
    shape
}

/// Whether a reshape from `a` to `b` only adds or drops length-1 axes.
fn unit_axes_only(a: &[i64], b: &[i64]) -> bool {
    let big = |s: &[i64]| s.iter().copied().filter(|&d| d != 1).collect::<Vec<_>>();
    big(a) == big(b)
}

/// Ops whose kernels read and write element by element at the same index
/// (libtorch's TensorIterator), so the result may take an operand's memory.
fn elementwise(op: &Prim) -> bool {
    writes_into(op)
        && !matches!(
            op,
            Prim::MatMul
                | Prim::Gemm { .. }
                | Prim::SliceScatter(_)
                | Prim::Sqrt
                | Prim::FloatMaximum { .. }
                | Prim::FloatMinimum { .. }
        )
}

/// The static memory plan. Every result an instruction writes with a
/// `writes_into` kernel starts a block of memory that its views and in-place
/// writes share; the block lives until the last use of any of them. A block
/// that holds an output's final value (and is not a write-back) is written
/// straight into the caller's output array (`Dest::Output`); the others take a
/// plan buffer of their kind and shape that no live block holds, kept from call
/// to call (`Dest::Buffer`). A block's buffer is free again after its last use,
/// so an instruction never writes into its operands' memory.
/// Returns the buffers' types and, per output, whether it sits in a buffer.
fn plan_memory(
    instrs: &mut [Instr],
    c_ordered: bool,
    root: &[u32],
    slot_type: &[Option<(Kind, Vec<i64>)>],
    last_use: &[usize],
    outputs: &[u32],
    writeback_outputs: &[usize],
) -> (Vec<(Kind, Vec<i64>)>, Vec<bool>) {
    const LIVE_TO_END: usize = usize::MAX - 1;
    let n = root.len();
    // Where each block's memory is last used.
    let mut end = vec![None::<usize>; n];
    let mut grow = |r: usize, at: usize| {
        end[r] = Some(end[r].map_or(at, |e: usize| e.max(at)));
    };
    for (s, &u) in last_use.iter().enumerate() {
        if u != usize::MAX {
            grow(root[s] as usize, u);
        }
    }
    for &o in outputs {
        grow(root[o as usize] as usize, LIVE_TO_END);
    }
    // The block whose memory holds each output's value, where it is the
    // block's whole memory (the block itself or in-place writes into it).
    let producer: std::collections::HashMap<u32, usize> = instrs
        .iter()
        .enumerate()
        .map(|(i, Instr::Op { out, .. })| (*out, i))
        .collect();
    let mut output_of_block = std::collections::HashMap::<u32, u32>::new();
    for (j, &o) in outputs.iter().enumerate() {
        if writeback_outputs.contains(&j) {
            continue;
        }
        let mut s = o;
        while let Some(Instr::Op {
            op: Prim::SliceScatterInPlace(_),
            args,
            ..
        }) = producer.get(&s).map(|&i| &instrs[i])
        {
            s = args[0];
        }
        if root[s as usize] == s {
            output_of_block.entry(s).or_insert(j as u32);
        }
    }
    // Where some value may not be C-ordered (an input that is not, or a
    // transpose), blocks a host sum reads keep libtorch's layout: the sum
    // replays NumPy's order on its operand's strides, and libtorch's
    // elementwise results follow their operands' layout (NumPy's K order)
    // where a destination would be C-ordered.
    let mut summed = vec![false; n];
    for Instr::Op { op, args, .. } in instrs.iter() {
        if !c_ordered && matches!(op, Prim::HostSum { .. }) {
            for &a in args {
                summed[root[a as usize] as usize] = true;
            }
        }
    }
    let mut buffers: Vec<(Kind, Vec<i64>)> = vec![];
    let mut free: std::collections::HashMap<(Kind, Vec<i64>), Vec<u32>> = Default::default();
    let mut releases: std::collections::BTreeMap<usize, Vec<u32>> = Default::default();
    let mut in_buffer = vec![false; n];
    // The buffer each block sits in.
    let mut buffer_of = vec![None::<u32>; n];
    for i in 0..instrs.len() {
        let Instr::Op {
            op,
            args,
            out,
            dest,
        } = &mut instrs[i];
        let o = *out as usize;
        if root[o] == *out && writes_into(op) && !summed[o] {
            if let Some(&j) = output_of_block.get(out) {
                *dest = Dest::Output(j);
            } else if let Some(ty) = &slot_type[o] {
                // An elementwise op may write over an operand that dies here
                // and is its block's whole memory, of the result's type, where
                // no other operand reads that block: in place, as `a += b`.
                let dying = elementwise(op)
                    .then(|| {
                        args.iter().copied().find(|&a| {
                            let a_ = a as usize;
                            root[a_] == a
                                && end[a_] == Some(i)
                                && buffer_of[a_].is_some()
                                && slot_type[a_].as_ref() == Some(ty)
                                && args.iter().all(|&x| x == a || root[x as usize] != a)
                        })
                    })
                    .flatten()
                    .and_then(|a| buffer_of[a as usize]);
                let b = match dying {
                    Some(b) => {
                        if let Some(list) = releases.get_mut(&i) {
                            list.retain(|&x| x != b);
                        }
                        b
                    }
                    None => match free.get_mut(ty).and_then(Vec::pop) {
                        Some(b) => b,
                        None => {
                            buffers.push(ty.clone());
                            (buffers.len() - 1) as u32
                        }
                    },
                };
                *dest = Dest::Buffer(b);
                in_buffer[o] = true;
                buffer_of[o] = Some(b);
                let last = end[o].unwrap_or(i);
                if last != LIVE_TO_END {
                    releases.entry(last.max(i)).or_default().push(b);
                }
            }
        }
        if let Some(done) = releases.remove(&i) {
            for b in done {
                free.entry(buffers[b as usize].clone()).or_default().push(b);
            }
        }
    }
    let output_in_buffer = outputs
        .iter()
        .map(|&o| in_buffer[root[o as usize] as usize])
        .collect();
    (buffers, output_in_buffer)
}

/// Turn each `SliceScatter` whose base dies there, shares its memory with no
/// value still live (and not with the assigned value), and is neither a
/// constant nor an input the caller does not let the plan write, into a copy
/// into the base's own memory. Returns the inputs written in place: (first
/// writing instruction, input slot, snapshot), a snapshot wherever an
/// instruction from the first write on may raise NumPy's error.
fn write_in_place(
    instrs: &mut [Instr],
    root: &mut [u32],
    leaf_roots: &[bool],
    last_use: &[usize],
    is_output: &[bool],
    writable: &[bool],
) -> Vec<(usize, u32, bool)> {
    let n_inputs = writable.len() as u32;
    // The slots defined so far that share each root's memory (dead ones pruned).
    let mut members: std::collections::HashMap<u32, Vec<u32>> = Default::default();
    for s in 0..root.len() as u32 {
        if leaf_roots[s as usize] {
            members.entry(s).or_default().push(s);
        }
    }
    let mut written: Vec<(usize, u32, bool)> = vec![];
    for i in 0..instrs.len() {
        let Instr::Op { op, args, out, .. } = &mut instrs[i];
        let out = *out;
        let r = if is_view(op) {
            root[args[0] as usize]
        } else if let Prim::SliceScatter(dims) = op {
            let (base, value) = (args[0], args[1]);
            let r = root[base as usize];
            let live_after = |s: u32| {
                is_output[s as usize]
                    || (last_use[s as usize] > i && last_use[s as usize] != usize::MAX)
            };
            let list = members.entry(r).or_default();
            list.retain(|&s| live_after(s) || s == base);
            let owned = if r < n_inputs {
                writable[r as usize]
            } else {
                !leaf_roots[r as usize]
            };
            let in_place = owned
                && !live_after(base)
                && root[value as usize] != r
                && list.iter().all(|&s| s == base);
            if in_place {
                *op = Prim::SliceScatterInPlace(std::mem::take(dims));
                if r < n_inputs && !written.iter().any(|w| w.1 == r) {
                    written.push((i, r, false));
                }
                r
            } else {
                out
            }
        } else {
            out
        };
        root[out as usize] = r;
        members.entry(r).or_default().push(out);
    }
    for w in &mut written {
        w.2 = instrs[w.0..]
            .iter()
            .any(|Instr::Op { op, .. }| can_raise(op));
    }
    written
}
