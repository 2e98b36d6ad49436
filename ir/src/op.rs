//! The closed set of primitives. Each maps to one libtorch call (or a few).
//! An op prints as `name` or `name[key=value,...]` and parses back from that text
//! (the tracer and egg patterns both use the text form).

use crate::dtype::{DType, Kind};
use crate::types::{PyTuple, Shape};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::fmt;
use std::str::FromStr;

pub type Axes = SmallVec<[i64; 4]>;

/// A float compared and hashed by its bits, so ops can be e-graph nodes.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct F64(pub f64);
impl PartialEq for F64 {
    fn eq(&self, o: &Self) -> bool {
        self.0.to_bits() == o.0.to_bits()
    }
}
impl Eq for F64 {}
impl std::hash::Hash for F64 {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.to_bits().hash(h)
    }
}
impl PartialOrd for F64 {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for F64 {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.to_bits().cmp(&o.0.to_bits())
    }
}

/// A scalar literal. Python ints are held exactly (they may exceed int64).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scalar {
    Bool(bool),
    Int(i128),
    Float(F64),
    Complex(F64, F64),
}

/// A float converted to an integer dtype as x86-64's truncating conversions do
/// (the backend's casts): through int32 for dtypes up to 32 bits (uint32: int64),
/// through int64 otherwise, where out of range or NaN gives the "integer
/// indefinite" minimum; uint64 from 2^63 up goes through `x - 2^63`. In range, it
/// is truncation toward zero; out of range, C leaves it undefined and NumPy warns.
fn float_to_int_bits(f: f64, dtype: DType) -> i128 {
    let conv = |f: f64, bits: u32| -> i128 {
        let t = f.trunc();
        let (lo, hi) = (-(2f64.powi(bits as i32 - 1)), 2f64.powi(bits as i32 - 1));
        if t.is_nan() || t < lo || t >= hi {
            -(1i128 << (bits - 1))
        } else {
            t as i128
        }
    };
    match dtype {
        DType::U64 if f >= 2f64.powi(63) => conv(f - 2f64.powi(63), 64) ^ (1i128 << 63),
        DType::I64 | DType::U32 | DType::U64 => conv(f, 64),
        _ => conv(f, 32),
    }
}

impl Scalar {
    pub fn kind(&self) -> Kind {
        match self {
            Scalar::Bool(_) => Kind::Bool,
            Scalar::Int(_) => Kind::Int,
            Scalar::Float(_) => Kind::Float,
            Scalar::Complex(..) => Kind::Complex,
        }
    }

    /// The value NumPy stores when this literal becomes an array of `dtype`
    /// (integers wrap, floats truncate toward zero into ints, bools test nonzero).
    /// NumPy's `astype(dtype)` of this value (wrapping into integer dtypes).
    pub fn cast(&self, dtype: DType) -> Scalar {
        let (re, im) = match *self {
            Scalar::Bool(b) => (b as i64 as f64, 0.0),
            Scalar::Int(i) => (i as f64, 0.0),
            Scalar::Float(F64(f)) => (f, 0.0),
            Scalar::Complex(F64(r), F64(i)) => (r, i),
        };
        match dtype.kind() {
            Kind::Bool => Scalar::Bool(match *self {
                Scalar::Int(i) => i != 0,
                Scalar::Bool(b) => b,
                _ => re != 0.0 || im != 0.0,
            }),
            Kind::Int => {
                let wide: i128 = match *self {
                    Scalar::Int(i) => i,
                    Scalar::Bool(b) => b as i128,
                    _ => float_to_int_bits(re, dtype),
                };
                let bits = dtype.itemsize() * 8;
                let m = wide & ((1i128 << bits) - 1);
                let v = if !dtype.is_unsigned() && m >= (1i128 << (bits - 1)) {
                    m - (1i128 << bits)
                } else {
                    m
                };
                Scalar::Int(v)
            }
            Kind::Float => {
                let v = match dtype {
                    DType::F32 => re as f32 as f64,
                    DType::F16 => round_f16(re),
                    _ => re,
                };
                Scalar::Float(F64(v))
            }
            Kind::Complex => {
                if dtype == DType::C64 {
                    Scalar::Complex(F64(re as f32 as f64), F64(im as f32 as f64))
                } else {
                    Scalar::Complex(F64(re), F64(im))
                }
            }
        }
    }
}

/// Round an f64 to the nearest IEEE half, returned as f64.
fn round_f16(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let a = x.abs();
    if a >= 65520.0 {
        return f64::INFINITY.copysign(x);
    }
    // Spacing of halves near a: 2^(e-10), and 2^-24 for subnormals.
    let e = a.log2().floor().max(-14.0);
    let ulp = (e - 10.0).exp2();
    let q = a / ulp;
    let r = q.round();
    let r = if (q - q.floor() - 0.5).abs() < f64::EPSILON {
        2.0 * (q / 2.0).round()
    } else {
        r
    };
    (r * ulp).copysign(x)
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(F64(x)) => fmt_float(f, *x),
            Scalar::Complex(F64(r), F64(i)) => {
                f.write_str("(")?;
                fmt_float(f, *r)?;
                f.write_str(if *i < 0.0 || (*i == 0.0 && i.is_sign_negative()) {
                    "-"
                } else {
                    "+"
                })?;
                fmt_float(f, i.abs())?;
                f.write_str("j)")
            }
        }
    }
}

fn fmt_float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        f.write_str("nan")
    } else if x.is_infinite() {
        f.write_str(if x > 0.0 { "inf" } else { "-inf" })
    } else if x == x.trunc() && x.abs() < 1e16 {
        write!(f, "{x:.1}")
    } else {
        write!(f, "{x:?}")
    }
}

impl FromStr for Scalar {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "True" | "true" => return Ok(Scalar::Bool(true)),
            "False" | "false" => return Ok(Scalar::Bool(false)),
            "nan" => return Ok(Scalar::Float(F64(f64::NAN))),
            "inf" => return Ok(Scalar::Float(F64(f64::INFINITY))),
            "-inf" => return Ok(Scalar::Float(F64(f64::NEG_INFINITY))),
            _ => {}
        }
        if let Some(body) = s.strip_prefix('(').and_then(|b| b.strip_suffix("j)")) {
            let split = body[1..]
                .rfind(['+', '-'])
                .map(|i| i + 1)
                .ok_or("bad complex")?;
            let re: Scalar = body[..split].parse()?;
            let im: Scalar = body[split..].trim_start_matches('+').parse()?;
            let as_f = |x: Scalar| match x {
                Scalar::Float(v) => Ok(v),
                Scalar::Int(i) => Ok(F64(i as f64)),
                _ => Err("bad complex part".to_string()),
            };
            return Ok(Scalar::Complex(as_f(re)?, as_f(im)?));
        }
        if let Ok(i) = s.parse::<i128>() {
            return Ok(Scalar::Int(i));
        }
        s.parse::<f64>()
            .map(|x| Scalar::Float(F64(x)))
            .map_err(|_| format!("bad scalar '{s}'"))
    }
}

macro_rules! name_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $($variant),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
            pub fn from_name(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}

name_enum!(
    /// Elementwise ops of one operand.
    UnaryOp {
        Neg = "negative",
        Abs = "absolute",
        Invert = "invert",
        Sin = "sin",
        Cos = "cos",
        Tan = "tan",
        Exp = "exp",
        Log = "log",
        Sqrt = "sqrt",
        Tanh = "tanh",
        ArcSin = "arcsin",
        ArcCos = "arccos",
        ArcTan = "arctan",
        Sinh = "sinh",
        Cosh = "cosh",
        ArcSinh = "arcsinh",
        ArcCosh = "arccosh",
        ArcTanh = "arctanh",
        Exp2 = "exp2",
        Expm1 = "expm1",
        Log2 = "log2",
        Log10 = "log10",
        Log1p = "log1p",
        Cbrt = "cbrt",
        Rint = "rint",
        Deg2Rad = "deg2rad",
        Rad2Deg = "rad2deg",
        Square = "square",
        Reciprocal = "reciprocal",
        Sign = "sign",
        Floor = "floor",
        Ceil = "ceil",
        Trunc = "trunc",
        IsNan = "isnan",
        IsInf = "isinf",
        IsFinite = "isfinite",
        SignBit = "signbit",
        LogicalNot = "logical_not",
        Conj = "conjugate",
        Real = "real",
        Imag = "imag",
    }
);

name_enum!(
    /// Elementwise ops of two operands (result dtype = compute dtype, except `logical_*`: bool).
    BinaryOp {
        Add = "add",
        Sub = "subtract",
        Mul = "multiply",
        TrueDiv = "true_divide",
        FloorDiv = "floor_divide",
        Rem = "remainder",
        FMod = "fmod",
        Pow = "power",
        Maximum = "maximum",
        Minimum = "minimum",
        BitAnd = "bitwise_and",
        BitOr = "bitwise_or",
        BitXor = "bitwise_xor",
        ArcTan2 = "arctan2",
        Hypot = "hypot",
        CopySign = "copysign",
        LogAddExp = "logaddexp",
        LogAddExp2 = "logaddexp2",
        Heaviside = "heaviside",
        FMax = "fmax",
        FMin = "fmin",
        LogicalAnd = "logical_and",
        LogicalOr = "logical_or",
        LogicalXor = "logical_xor",
        LeftShift = "left_shift",
        RightShift = "right_shift",
        FloatPower = "float_power",
        Gcd = "gcd",
        Lcm = "lcm",
        NextAfter = "nextafter",
        Complex = "complex",
    }
);

name_enum!(
    /// Comparisons: bool result, operands compared in their promoted dtype.
    CompareOp {
        Eq = "equal",
        Ne = "not_equal",
        Lt = "less",
        Le = "less_equal",
        Gt = "greater",
        Ge = "greater_equal",
    }
);

name_enum!(
    ReduceOp {
        Sum = "sum",
        Prod = "prod",
        Mean = "mean",
        Max = "max",
        Min = "min",
        Any = "any",
        All = "all",
    }
);

name_enum!(
    /// Running reductions along one axis (`np.cumsum`, `np.cumprod`).
    CumOp {
        CumSum = "cumsum",
        CumProd = "cumprod",
    }
);

name_enum!(
    /// `np.linalg` over stacks of square matrices (the last two axes), in
    /// float64 or complex128 (the surface casts as NumPy's `_commonType`
    /// does). Singular or non-positive-definite matrices raise NumPy's
    /// `LinAlgError` when run. `solve` takes `b` as a stack of matrices,
    /// `solve_vector` as one vector (NumPy 2: where `b.ndim == 1`).
    LinalgOp {
        Cholesky = "cholesky",
        Inv = "inv",
        Det = "det",
        Solve = "solve",
        SolveVector = "solve_vector",
        SlogDetSign = "slogdet_sign",
        SlogDetLog = "slogdet_log",
        EigvalsLower = "eigvalsh_lower",
        EigvalsUpper = "eigvalsh_upper",
        SvdVals = "svdvals",
    }
);

name_enum!(
    /// NumPy's pocketfft kernels along one axis, unnormalized (the surface
    /// scales by NumPy's factor): complex to complex forward and backward,
    /// real to half-spectrum and back.
    FftOp {
        Fft = "fft",
        Ifft = "ifft",
        Rfft = "rfft",
        Irfft = "irfft",
    }
);

name_enum!(
    /// What a `check` op guards: NumPy's error where any element of its bool
    /// operand is true when the plan runs (the surface computes the condition).
    CheckKind {
        EmptyMaximum = "empty_maximum",
        EmptyMinimum = "empty_minimum",
        AllNan = "all_nan",
        NotFinite = "not_finite",
        RangeNotFinite = "range_not_finite",
        WeightsSumZero = "weights_sum_zero",
        InvalidChoice = "invalid_choice",
        InvalidCoordinates = "invalid_coordinates",
        Speculation = "speculation",
        TooManyBins = "too_many_bins",
        BinIndex = "bin_index",
    }
);

impl CheckKind {
    /// Whether NumPy raises ZeroDivisionError here (else ValueError).
    pub fn is_zero_division(self) -> bool {
        self == CheckKind::WeightsSumZero
    }

    /// Whether NumPy raises IndexError here.
    pub fn is_index_error(self) -> bool {
        self == CheckKind::BinIndex
    }

    /// Not NumPy's error: a value the plan assumed does not hold, and the
    /// call runs under NumPy instead (no write-back happened).
    pub fn is_speculation(self) -> bool {
        self == CheckKind::Speculation
    }

    /// NumPy's message.
    pub fn message(self) -> &'static str {
        match self {
            CheckKind::EmptyMaximum => "zero-size array to reduction operation maximum which has no identity",
            CheckKind::EmptyMinimum => "zero-size array to reduction operation minimum which has no identity",
            CheckKind::AllNan => "All-NaN slice encountered",
            CheckKind::NotFinite => "array must not contain infs or NaNs",
            CheckKind::RangeNotFinite => "autodetected range is not finite",
            CheckKind::WeightsSumZero => "Weights sum to zero, can't be normalized",
            CheckKind::InvalidChoice => "invalid entry in choice array",
            CheckKind::InvalidCoordinates => "invalid entry in coordinates array",
            CheckKind::Speculation => "a value the plan assumed does not hold for this call",
            CheckKind::TooManyBins => "Too many bins for data range. Cannot create finite-sized bins.",
            CheckKind::BinIndex => "index is out of bounds for the histogram's bin edges",
        }
    }
}

name_enum!(
    ArgReduceOp {
        ArgMax = "argmax",
        ArgMin = "argmin",
    }
);

impl UnaryOp {
    /// Transcendental ops compute ints and bools in NumPy's float for them.
    pub fn is_float_only(self) -> bool {
        use UnaryOp::*;
        matches!(
            self,
            Sin | Cos
                | Tan
                | Exp
                | Log
                | Sqrt
                | Tanh
                | ArcSin
                | ArcCos
                | ArcTan
                | Sinh
                | Cosh
                | ArcSinh
                | ArcCosh
                | ArcTanh
                | Exp2
                | Expm1
                | Log2
                | Log10
                | Log1p
                | Cbrt
                | Rint
                | Deg2Rad
                | Rad2Deg
        )
    }

    /// NumPy has no complex loop for these.
    pub fn is_real_only(self) -> bool {
        use UnaryOp::*;
        matches!(
            self,
            Cbrt | Deg2Rad | Rad2Deg | Floor | Ceil | Trunc | SignBit
        )
    }
}

impl BinaryOp {
    /// Float-only ufuncs: ints and bools compute in NumPy's float for them.
    pub fn is_float_only(self) -> bool {
        use BinaryOp::*;
        matches!(
            self,
            ArcTan2 | Hypot | CopySign | LogAddExp | LogAddExp2 | Heaviside | NextAfter
        )
    }

    pub fn is_logical(self) -> bool {
        use BinaryOp::*;
        matches!(self, LogicalAnd | LogicalOr | LogicalXor)
    }
}

/// A 1-step slice of one axis: `len` elements from `start` by `step` (step may be negative).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SliceDim {
    pub start: i64,
    pub len: i64,
    pub step: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Op {
    /// The `index`-th input of the graph.
    Input {
        index: u32,
    },
    /// A 0-d literal; `weak` marks a Python scalar (NEP 50).
    Const {
        value: Scalar,
        dtype: DType,
        weak: bool,
    },
    Unary(UnaryOp),
    Binary(BinaryOp),
    Compare(CompareOp),
    /// `where(cond, x, y)`.
    Where,
    Cast {
        to: DType,
    },
    /// `axes` are normalized (non-negative, sorted, unique). `buffered` marks a
    /// float `sum`/`mean` whose operand is NumPy's on-the-fly cast (`np.mean` of
    /// ints, `dtype=`): NumPy then adds each reduced run in chunks of its buffer
    /// (8192 elements), which changes the float result. Printed only when true.
    Reduce {
        op: ReduceOp,
        axes: Axes,
        keepdims: bool,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        buffered: bool,
    },
    /// A running sum or product along `axis` (normalized); same shape as the operand.
    Cumulative {
        op: CumOp,
        axis: i64,
    },
    /// `axis: None` reduces the flattened array.
    ArgReduce {
        op: ArgReduceOp,
        axis: Option<i64>,
        keepdims: bool,
    },
    /// `np.matmul` with NumPy's 1-D promotion and batch broadcasting.
    MatMul,
    Reshape {
        shape: Shape,
    },
    Permute {
        perm: Axes,
    },
    /// One `SliceDim` per leading axis.
    Slice {
        dims: SmallVec<[SliceDim; 4]>,
    },
    /// `slice_scatter(base, src)`: `base` with the region `slice[dims]` selects
    /// replaced by `src` broadcast to it (the functional form of `a[...] = v`).
    SliceScatter {
        dims: SmallVec<[SliceDim; 4]>,
    },
    /// `np.concatenate` of `n` operands along `axis` (normalized).
    Concat {
        axis: i64,
        n: u32,
    },
    /// `np.take(a, indices, axis)`: integer-array indexing along one axis
    /// (indices may be negative; out of range raises IndexError when run).
    Take {
        axis: i64,
    },
    /// `np.sort` along `axis` (values only; NaN last, as NumPy).
    Sort {
        axis: i64,
    },
    /// The positions that sort `axis` stably (NaN last): int64.
    ArgSort {
        axis: i64,
    },
    /// `np.searchsorted(seq, values, side)` of a sorted 1-D `seq`, both in
    /// one dtype: int64 positions of the values' shape (libtorch's order of
    /// comparisons: the surface settles NaN as NumPy does).
    SearchSorted {
        right: bool,
    },
    /// `np.bincount(x, weights, minlength=length)` of int64 positions known to
    /// lie in `0..length` (the surface clamps them): int64 counts, or float64
    /// sums of the float64 weights (a second operand) where `weighted`.
    BinCount {
        length: i64,
        weighted: bool,
    },
    /// `np.linalg` on the last two axes.
    Linalg(LinalgOp),
    /// An FFT of length `n` along `axis` (normalized): the input cropped or
    /// zero-padded to `n` (for `irfft`, to `n / 2 + 1`).
    Fft {
        op: FftOp,
        n: i64,
        axis: i64,
    },
    /// Fused `a + b * c`.
    AddCMul,
    /// A NumPy scalar about to be stored into an array of the signed integer
    /// dtype `to`: the value unchanged, but NumPy's error when run where setitem's
    /// conversion through a Python int fails (NaN, inf, out of range).
    CheckInt {
        to: DType,
    },
    /// NumPy's ValueError (`kind` names it) when run, where any element of
    /// the bool operand is true; its value is `any` of the operand.
    Check {
        kind: CheckKind,
    },
    /// A kernel of NumPy itself, run on the host with NumPy's exact answer
    /// where the answer is NumPy's implementation's choice (the order of
    /// ties of its default sort, a partition, the signs of LAPACK's vectors).
    /// `kernel` names a Python callable registered in `npcompile._host` while
    /// tracing; the result has `dtype` and `shape` (static, given by the surface).
    Host {
        kernel: String,
        n: u32,
        dtype: DType,
        shape: SmallVec<[i64; 4]>,
    },
}

/// Named groups of ops that rules and lowerings key on.
impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Input { .. } => "input",
            Op::Const { .. } => "const",
            Op::Unary(u) => u.name(),
            Op::Binary(b) => b.name(),
            Op::Compare(c) => c.name(),
            Op::Where => "where",
            Op::Cast { .. } => "cast",
            Op::Reduce { op, .. } => op.name(),
            Op::ArgReduce { op, .. } => op.name(),
            Op::Cumulative { op, .. } => op.name(),
            Op::MatMul => "matmul",
            Op::Reshape { .. } => "reshape",
            Op::Permute { .. } => "permute",
            Op::Slice { .. } => "slice",
            Op::SliceScatter { .. } => "slice_scatter",
            Op::Concat { .. } => "concat",
            Op::Take { .. } => "take",
            Op::Sort { .. } => "sort",
            Op::Linalg(l) => l.name(),
            Op::ArgSort { .. } => "argsort",
            Op::SearchSorted { .. } => "searchsorted",
            Op::BinCount { .. } => "bincount",
            Op::Fft { op, .. } => op.name(),
            Op::AddCMul => "addcmul",
            Op::CheckInt { .. } => "check_int",
            Op::Check { .. } => "check",
            Op::Host { .. } => "host",
        }
    }

    /// Number of operands, where fixed by the op.
    pub fn arity(&self) -> usize {
        match self {
            Op::Input { .. } | Op::Const { .. } => 0,
            Op::Binary(_) | Op::Compare(_) | Op::MatMul | Op::SliceScatter { .. } => 2,
            Op::Where | Op::AddCMul => 3,
            Op::Concat { n, .. } | Op::Host { n, .. } => *n as usize,
            Op::Take { .. } => 2,
            Op::Linalg(LinalgOp::Solve | LinalgOp::SolveVector) | Op::SearchSorted { .. } => 2,
            Op::BinCount { weighted, .. } => 1 + *weighted as usize,
            _ => 1,
        }
    }

    pub fn is_elementwise(&self) -> bool {
        matches!(
            self,
            Op::Unary(_)
                | Op::Binary(_)
                | Op::Compare(_)
                | Op::Where
                | Op::Cast { .. }
                | Op::AddCMul
        )
    }

    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Input { .. } | Op::Const { .. })
    }

    fn attrs(&self) -> Vec<(&'static str, String)> {
        let tuple = |xs: &[i64]| PyTuple(xs).to_string().replace(' ', "");
        match self {
            Op::Input { index } => vec![("index", index.to_string())],
            Op::Const { value, dtype, weak } => {
                let ty = if *weak {
                    format!("weak_{}", kind_name(value.kind()))
                } else {
                    dtype.to_string()
                };
                vec![("value", format!("{value}:{ty}"))]
            }
            Op::Cast { to } | Op::CheckInt { to } => vec![("to", to.to_string())],
            Op::Check { kind } => vec![("kind", kind.name().to_string())],
            Op::Host {
                kernel,
                n,
                dtype,
                shape,
            } => vec![
                ("kernel", kernel.clone()),
                ("n", n.to_string()),
                ("dtype", dtype.to_string()),
                ("shape", tuple(shape)),
            ],
            Op::ArgSort { axis } => vec![("axis", axis.to_string())],
            Op::SearchSorted { right } => vec![("right", right.to_string())],
            Op::BinCount { length, weighted } => vec![
                ("length", length.to_string()),
                ("weighted", weighted.to_string()),
            ],
            Op::Fft { n, axis, .. } => vec![("n", n.to_string()), ("axis", axis.to_string())],
            Op::Reduce {
                axes,
                keepdims,
                buffered,
                ..
            } => {
                let mut attrs = vec![("axes", tuple(axes)), ("keepdims", keepdims.to_string())];
                if *buffered {
                    attrs.push(("buffered", "true".to_string()));
                }
                attrs
            }
            Op::ArgReduce { axis, keepdims, .. } => vec![
                ("axis", axis.map_or("None".to_string(), |a| a.to_string())),
                ("keepdims", keepdims.to_string()),
            ],
            Op::Cumulative { axis, .. } => vec![("axis", axis.to_string())],
            Op::Reshape { shape } => vec![("shape", tuple(shape))],
            Op::Concat { axis, n } => vec![("axis", axis.to_string()), ("n", n.to_string())],
            Op::Take { axis } | Op::Sort { axis } => vec![("axis", axis.to_string())],
            Op::Permute { perm } => vec![("perm", tuple(perm))],
            Op::Slice { dims } | Op::SliceScatter { dims } => vec![
                (
                    "starts",
                    tuple(&dims.iter().map(|d| d.start).collect::<Vec<_>>()),
                ),
                (
                    "lens",
                    tuple(&dims.iter().map(|d| d.len).collect::<Vec<_>>()),
                ),
                (
                    "steps",
                    tuple(&dims.iter().map(|d| d.step).collect::<Vec<_>>()),
                ),
            ],
            _ => vec![],
        }
    }
}

/// A literal as dumps show it inline: `2.0:f64`, or `2:int` for a weak Python scalar.
pub fn literal_text(value: &Scalar, dtype: DType, weak: bool) -> String {
    if weak {
        format!("{value}:{}", kind_name(value.kind()))
    } else {
        format!("{value}:{dtype}")
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Bool => "bool",
        Kind::Int => "int",
        Kind::Float => "float",
        Kind::Complex => "complex",
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        let attrs = self.attrs();
        if !attrs.is_empty() {
            f.write_str("[")?;
            for (i, (k, v)) in attrs.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{k}={v}")?;
            }
            f.write_str("]")?;
        }
        Ok(())
    }
}

/// Split `a=1,b=(1,2),c=x` at top-level commas.
fn split_attrs(s: &str) -> Vec<(&str, &str)> {
    let mut out = vec![];
    let (mut depth, mut begin) = (0i32, 0usize);
    let bytes = s.as_bytes();
    for i in 0..=bytes.len() {
        let c = if i < bytes.len() { bytes[i] } else { b',' };
        match c {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b',' if depth == 0 => {
                let part = s[begin..i].trim();
                if !part.is_empty() {
                    let (k, v) = part.split_once('=').unwrap_or((part, ""));
                    out.push((k.trim(), v.trim()));
                }
                begin = i + 1;
            }
            _ => {}
        }
    }
    out
}

fn parse_tuple(s: &str) -> Result<SmallVec<[i64; 4]>, String> {
    let body = s
        .strip_prefix('(')
        .and_then(|b| b.strip_suffix(')'))
        .or_else(|| s.strip_prefix('[').and_then(|b| b.strip_suffix(']')))
        .ok_or_else(|| format!("expected a tuple, got '{s}'"))?;
    body.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<i64>().map_err(|_| format!("bad integer '{p}'")))
        .collect()
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "true" | "True" | "1" => Ok(true),
        "false" | "False" | "0" => Ok(false),
        _ => Err(format!("bad bool '{s}'")),
    }
}

impl FromStr for Op {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (name, attr_text) = match text.find('[') {
            Some(i) if text.ends_with(']') => (&text[..i], &text[i + 1..text.len() - 1]),
            _ => (text, ""),
        };
        let attrs = split_attrs(attr_text);
        let get = |k: &str| -> Result<&str, String> {
            attrs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| *v)
                .ok_or_else(|| format!("op '{name}' needs attribute '{k}'"))
        };
        let keepdims = || get("keepdims").and_then(parse_bool);
        if let Some(u) = UnaryOp::from_name(name) {
            return Ok(Op::Unary(u));
        }
        if let Some(b) = BinaryOp::from_name(name) {
            return Ok(Op::Binary(b));
        }
        if let Some(c) = CompareOp::from_name(name) {
            return Ok(Op::Compare(c));
        }
        if let Some(r) = ReduceOp::from_name(name) {
            return Ok(Op::Reduce {
                op: r,
                axes: parse_tuple(get("axes")?)?,
                keepdims: keepdims()?,
                buffered: match attrs.iter().find(|(k, _)| *k == "buffered") {
                    Some((_, v)) => parse_bool(v)?,
                    None => false,
                },
            });
        }
        if let Some(c) = CumOp::from_name(name) {
            let v = get("axis")?;
            return Ok(Op::Cumulative {
                op: c,
                axis: v.parse().map_err(|_| format!("bad axis '{v}'"))?,
            });
        }
        if let Some(f) = FftOp::from_name(name) {
            let int = |k: &str| -> Result<i64, String> {
                let v = get(k)?;
                v.parse().map_err(|_| format!("bad {k} '{v}'"))
            };
            return Ok(Op::Fft {
                op: f,
                n: int("n")?,
                axis: int("axis")?,
            });
        }
        if let Some(l) = LinalgOp::from_name(name) {
            return Ok(Op::Linalg(l));
        }
        if let Some(a) = ArgReduceOp::from_name(name) {
            let axis = match get("axis")? {
                "None" => None,
                v => Some(v.parse::<i64>().map_err(|_| format!("bad axis '{v}'"))?),
            };
            return Ok(Op::ArgReduce {
                op: a,
                axis,
                keepdims: keepdims()?,
            });
        }
        Ok(match name {
            "input" => Op::Input {
                index: get("index")?.parse().map_err(|_| "bad index".to_string())?,
            },
            "const" => {
                let v = get("value")?;
                let (lit, ty) = v.rsplit_once(':').ok_or("const value needs ':dtype'")?;
                let value: Scalar = lit.parse()?;
                match ty.strip_prefix("weak_") {
                    Some(_) => Op::Const {
                        value,
                        dtype: DType::default_for(value.kind()),
                        weak: true,
                    },
                    None => {
                        let dtype: DType = ty.parse()?;
                        Op::Const {
                            value: value.cast(dtype),
                            dtype,
                            weak: false,
                        }
                    }
                }
            }
            "where" => Op::Where,
            "cast" => Op::Cast {
                to: get("to")?.parse()?,
            },
            "argsort" => Op::ArgSort {
                axis: get("axis")?.parse().map_err(|_| "bad axis".to_string())?,
            },
            "bincount" => Op::BinCount {
                length: get("length")?.parse().map_err(|_| "bad length".to_string())?,
                weighted: parse_bool(get("weighted")?)?,
            },
            "searchsorted" => Op::SearchSorted {
                right: parse_bool(get("right")?)?,
            },
            "check" => Op::Check {
                kind: CheckKind::from_name(get("kind")?).ok_or("bad check kind")?,
            },
            "host" => Op::Host {
                kernel: get("kernel")?.to_string(),
                n: get("n")?.parse().map_err(|_| "bad operand count".to_string())?,
                dtype: get("dtype")?.parse()?,
                shape: parse_tuple(get("shape")?)?,
            },
            "check_int" => Op::CheckInt {
                to: get("to")?.parse()?,
            },
            "matmul" => Op::MatMul,
            "addcmul" => Op::AddCMul,
            "take" => Op::Take {
                axis: get("axis")?.parse().map_err(|_| "bad axis".to_string())?,
            },
            "sort" => Op::Sort {
                axis: get("axis")?.parse().map_err(|_| "bad axis".to_string())?,
            },
            "concat" => Op::Concat {
                axis: get("axis")?.parse().map_err(|_| "bad axis".to_string())?,
                n: get("n")?
                    .parse()
                    .map_err(|_| "bad operand count".to_string())?,
            },
            "reshape" => Op::Reshape {
                shape: parse_tuple(get("shape")?)?,
            },
            "permute" => Op::Permute {
                perm: parse_tuple(get("perm")?)?,
            },
            "slice" | "slice_scatter" => {
                let (s, l, st) = (
                    parse_tuple(get("starts")?)?,
                    parse_tuple(get("lens")?)?,
                    parse_tuple(get("steps")?)?,
                );
                if s.len() != l.len() || s.len() != st.len() {
                    return Err("slice attributes differ in length".into());
                }
                let dims = (0..s.len())
                    .map(|i| SliceDim {
                        start: s[i],
                        len: l[i],
                        step: st[i],
                    })
                    .collect();
                if name == "slice" {
                    Op::Slice { dims }
                } else {
                    Op::SliceScatter { dims }
                }
            }
            _ => return Err(format!("unknown op '{name}'")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_round_trip_through_text() {
        let texts = [
            "add",
            "sin",
            "less_equal",
            "where",
            "cast[to=f32]",
            "sum[axes=(0,2),keepdims=false]",
            "mean[axes=(1,),keepdims=true,buffered=true]",
            "max[axes=(1,),keepdims=true]",
            "argmax[axis=None,keepdims=false]",
            "argmin[axis=1,keepdims=true]",
            "reshape[shape=(2,-1)]",
            "permute[perm=(1,0)]",
            "slice[starts=(0,4),lens=(3,5),steps=(1,-1)]",
            "slice_scatter[starts=(1,),lens=(2,),steps=(2,)]",
            "const[value=2.5:f64]",
            "const[value=3:weak_int]",
            "const[value=True:b8]",
            "input[index=2]",
            "addcmul",
            "concat[axis=1,n=3]",
            "take[axis=0]",
            "sort[axis=1]",
            "cumsum[axis=1]",
            "cumprod[axis=0]",
            "gcd",
            "lcm",
            "nextafter",
            "conjugate",
            "check[kind=all_nan]",
            "bincount[length=5,weighted=true]",
            "host[kernel=np.partition(axis=-1,kind=introselect,kth=(1,3)),n=1,dtype=f64,shape=(4,5)]",
        ];
        for t in texts {
            let op: Op = t.parse().unwrap();
            assert_eq!(op.to_string(), t);
        }
        // `buffered=false` is the default and is not printed.
        let op: Op = "sum[axes=(0,),keepdims=false,buffered=false]"
            .parse()
            .unwrap();
        assert_eq!(op.to_string(), "sum[axes=(0,),keepdims=false]");
    }

    #[test]
    fn unknown_ops_are_errors() {
        assert!("frobnicate".parse::<Op>().is_err());
        assert!("sum[keepdims=false]".parse::<Op>().is_err());
    }

    #[test]
    fn scalar_casts_wrap_like_numpy() {
        assert_eq!(Scalar::Int(300).cast(DType::U8), Scalar::Int(44));
        assert_eq!(Scalar::Int(-1).cast(DType::U16), Scalar::Int(65535));
        // Floats into ints truncate; out of range, as x86-64's conversions (the backend's).
        let f = |v: f64, d| Scalar::Float(F64(v)).cast(d);
        assert_eq!(f(-2.7, DType::I8), Scalar::Int(-2));
        assert_eq!(f(70000.5, DType::U16), Scalar::Int(4464));
        assert_eq!(f(5e9, DType::U16), Scalar::Int(0));
        assert_eq!(f(5e9, DType::U32), Scalar::Int(705032704));
        assert_eq!(
            f(1.5e19, DType::U64),
            Scalar::Int(15_000_000_000_000_000_000)
        );
        assert_eq!(f(f64::NAN, DType::U64), Scalar::Int(1 << 63));
        assert_eq!(f(f64::INFINITY, DType::U64), Scalar::Int(0));
        assert_eq!(f(-1.0, DType::U64), Scalar::Int(u64::MAX as i128));
        assert_eq!(Scalar::Int(128).cast(DType::I8), Scalar::Int(-128));
        assert_eq!(Scalar::Float(F64(-2.7)).cast(DType::I32), Scalar::Int(-2));
        assert_eq!(
            Scalar::Float(F64(0.1)).cast(DType::F32),
            Scalar::Float(F64(0.1f32 as f64))
        );
        assert_eq!(
            Scalar::Float(F64(0.0)).cast(DType::Bool),
            Scalar::Bool(false)
        );
    }
}
