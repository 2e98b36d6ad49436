//! A compiled program, whichever executor runs it: instructions over value
//! slots (`Instr`, `Prim`), the slots' kinds and shapes, their liveness, the
//! static memory plan and the arguments written in place; and `Executor`,
//! the seam behind which libtorch's interpreter (`torch::Interpreter`) and
//! the native executor (`cpu::Machine`) run it.

use ir::DType;
use smallvec::SmallVec;
use std::fmt;
use tch::{Kind, Tensor};

/// Why a plan could not run. `Value` errors are NumPy's (`ValueError`).
#[derive(Debug, Clone)]
pub enum PlanError {
    Value(String),
    /// NumPy's OverflowError (a value stored into an integer dtype it does not fit).
    Overflow(String),
    /// NumPy's IndexError (an index array out of range).
    Index(String),
    /// A value the plan assumed (a speculation) does not hold for this call:
    /// nothing is written back and the call runs under NumPy.
    Deopt(String),
    /// Python's ZeroDivisionError (np.average's weights summing to zero).
    ZeroDivision(String),
    /// `numpy.linalg.LinAlgError` (a singular or non-positive-definite matrix).
    LinAlg(String),
    /// An exception raised by a host kernel (NumPy's own code): the hook keeps
    /// the Python exception to re-raise; this is its text.
    Host(String),
    Torch(String),
    Input(String),
    /// A libtorch failure after the plan had written into a caller's array it
    /// had not snapshotted: the call cannot be re-run under NumPy.
    InputsWritten(String),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Value(m)
            | PlanError::Overflow(m)
            | PlanError::Index(m)
            | PlanError::LinAlg(m)
            | PlanError::ZeroDivision(m)
            | PlanError::Deopt(m)
            | PlanError::Host(m)
            | PlanError::Torch(m)
            | PlanError::Input(m) => f.write_str(m),
            PlanError::InputsWritten(m) => write!(
                f,
                "{m} (after the compiled function had written part of its arguments' new values; they may be partly updated)"
            ),
        }
    }
}

impl From<tch::TchError> for PlanError {
    fn from(e: tch::TchError) -> Self {
        PlanError::Torch(e.to_string())
    }
}

/// One primitive operation with its attributes resolved at lowering time: what
/// an instruction computes, whichever executor runs it.
#[derive(Debug, Clone)]
pub enum Prim {
    Neg,
    Abs,
    BitNot,
    LogicalNot,
    Sin,
    Cos,
    Tan,
    Exp,
    Log,
    Sqrt,
    Tanh,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Asinh,
    Acosh,
    Atanh,
    Exp2,
    Expm1,
    Log2,
    Log10,
    Log1p,
    /// Cube root (libtorch has none): |x|^(1/3), one Newton step, x's sign.
    Cbrt,
    /// Round half to even (`np.rint`).
    Round,
    Deg2Rad,
    Rad2Deg,
    Square,
    Reciprocal,
    /// NumPy's `1.0 / x` converted back: 0 except for +-1, `at_zero` for 0.
    IntReciprocal {
        at_zero: i64,
    },
    Sign,
    /// NumPy's sign of NaN is NaN (libtorch's is 0).
    FloatSign,
    Floor,
    Ceil,
    Trunc,
    IsNan,
    IsInf,
    IsFinite,
    SignBit,
    /// Compute an op in a wider float and round back (float16 as NumPy does).
    Widened {
        op: Box<Prim>,
        via: Kind,
        back: Kind,
    },
    Add,
    Sub,
    Mul,
    Div,
    /// Integer floor division and remainder: NumPy gives 0 where the divisor is 0.
    IntFloorDiv,
    IntRem,
    /// C's remainder (the dividend's sign): 0 where an integer divisor is 0.
    IntFMod,
    FMod,
    /// uint64 held in int64 storage: unsigned division, remainder (both 0 where
    /// the divisor is 0), logical right shift, gcd, lcm, sign and reciprocal.
    U64FloorDiv,
    U64Rem,
    U64RightShift,
    U64Gcd,
    U64Lcm,
    U64Sign,
    /// Complex conjugate, materialized (libtorch's `conj` only sets a flag).
    ConjPhysical,
    /// NumPy 2's sign of complex: z / |z|, 0 at 0, a unit along an infinite part.
    ComplexSign,
    ComplexSquare,
    ComplexReciprocal,
    ComplexNeg,
    ComplexLog1p,
    ComplexAcos,
    /// log(z) with both parts scaled (log2, log10 as NumPy computes them).
    ComplexLogScaled(f64),
    /// The parts of a complex tensor (views).
    Real,
    Imag,
    /// Complex arithmetic with NumPy's formulas (see `complex.rs`).
    ComplexPow,
    ComplexAdd,
    ComplexSub,
    ComplexMul,
    ComplexDiv,
    ComplexMatMul,
    /// Square-and-multiply over all 64 exponent bits (wrapping, no sign check).
    U64Pow,
    U64Reciprocal,
    FloorDiv,
    Rem,
    /// Integer power: NumPy raises for negative exponents.
    IntPow,
    Pow,
    Maximum,
    Minimum,
    /// Float max/min (NaN-propagating) returning operand `tie` where the two
    /// compare equal, as NumPy's loops do for zeros of both signs: the second
    /// for float32/float64 (x86's min/max instructions), the first for float16.
    FloatMaximum {
        tie: usize,
    },
    FloatMinimum {
        tie: usize,
    },
    /// bool max/min are or/and.
    LogicalOr,
    LogicalAnd,
    BitAnd,
    BitOr,
    BitXor,
    Atan2,
    Hypot,
    CopySign,
    LogAddExp,
    /// `x + 1` where x == y, as NumPy.
    LogAddExp2,
    /// NumPy's heaviside of NaN is NaN.
    Heaviside,
    /// NaN-ignoring max/min.
    FMax,
    FMin,
    LogicalXor,
    LeftShift,
    RightShift,
    /// NumPy's gcd/lcm (non-negative, lcm 0 where either is 0).
    Gcd,
    Lcm,
    NextAfter,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Where,
    /// NumPy's cast between any two dtypes; uint16/32/64 are read from and
    /// written to their signed storage.
    Cast {
        from: DType,
        to: DType,
    },
    Sum {
        dims: Vec<i64>,
        keepdim: bool,
    },
    Prod {
        dims: Vec<i64>,
        keepdim: bool,
    },
    Mean {
        dims: Vec<i64>,
        keepdim: bool,
    },
    /// float32/float64 `sum` (`mean`: then divided by the count) on the CPU,
    /// added in NumPy's order on the host (`sum.rs`). Operands: the values, and
    /// optionally the tensor whose strides, after `view`, are the array NumPy
    /// iterates (a buffered cast's operand, or a view's base where libtorch
    /// cannot hold NumPy's negative strides). `buffered`: NumPy casts on the fly.
    HostSum {
        dims: Vec<i64>,
        keepdim: bool,
        mean: bool,
        buffered: bool,
        view: Vec<crate::cpu::sum::ViewStep>,
    },
    Amax {
        dims: Vec<i64>,
        keepdim: bool,
    },
    Amin {
        dims: Vec<i64>,
        keepdim: bool,
    },
    Any {
        dims: Vec<i64>,
        keepdim: bool,
    },
    All {
        dims: Vec<i64>,
        keepdim: bool,
    },
    /// Running sum/product along `dim`, accumulated in `kind`.
    CumSum {
        dim: i64,
        kind: Kind,
    },
    CumProd {
        dim: i64,
        kind: Kind,
    },
    /// The same, one rounded step at a time (float16, float32).
    SeqCumSum(i64),
    SeqCumProd(i64),
    /// Complex running product and product, one unfused multiply at a time in
    /// NumPy's order, on the host (libtorch's complex products differ at inf/nan).
    ComplexCumProd(i64),
    ComplexProd {
        dims: Vec<i64>,
        keepdim: bool,
    },
    /// NumPy's maximum/minimum.reduce of complex: lexicographic, the first NaN wins.
    ComplexMaxMin {
        dims: Vec<i64>,
        keepdim: bool,
        max: bool,
    },
    /// rint of each part.
    ComplexRint,
    /// setitem's conversion of a scalar through a Python int into `to`.
    CheckInt {
        from: DType,
        to: DType,
    },
    /// A complex tensor from its (broadcast) parts.
    MakeComplex,
    /// NumPy's argmax/argmin of complex: lexicographic, the first NaN wins.
    ComplexArg {
        dim: Option<i64>,
        out_shape: Vec<i64>,
        max: bool,
    },
    /// `dim: None` reduces the flattened tensor; `out_shape` restores keepdims there.
    ArgMax {
        dim: Option<i64>,
        keepdim: bool,
        out_shape: Vec<i64>,
        via: Option<Kind>,
    },
    ArgMin {
        dim: Option<i64>,
        keepdim: bool,
        out_shape: Vec<i64>,
        via: Option<Kind>,
    },
    MatMul,
    /// `alpha * (a @ b) + beta * c` for float32/float64 matrices: NumPy's
    /// `(alpha * a) @ b + beta * c` folded into one BLAS call (lowering's
    /// `fuse_gemm`; alpha and beta finite and nonzero, so BLAS reads every operand).
    Gemm {
        alpha: f64,
        beta: f64,
    },
    /// bool matmul: count in int64, then test nonzero.
    BoolMatMul,
    Reshape(Vec<i64>),
    Permute(Vec<i64>),
    /// (dim, start, len, step), step may be negative.
    Slice(Vec<(i64, i64, i64, i64)>),
    /// A `Slice` (positive steps, nonempty) of memory that outlives the run (an
    /// argument, a constant, a plan buffer): a tensor made directly over the
    /// selected elements, one call instead of a libtorch view per axis.
    SliceView(Vec<(i64, i64, i64, i64)>),
    /// A `Reshape` that only adds or drops length-1 axes, of memory that
    /// outlives the run: a tensor of this shape over the same elements.
    Restride(Vec<i64>),
    Concat(i64),
    /// Sorted values along `dim` (bool sorted as uint8).
    Sort {
        dim: i64,
        via: Option<Kind>,
    },
    /// Integer-array indexing along `dim` of size `size`, checked as NumPy does.
    Take {
        dim: i64,
        size: i64,
        out_shape: Vec<i64>,
    },
    /// A copy of the base with a slice region replaced: (dim, start, len, step).
    SliceScatter(Vec<(i64, i64, i64, i64)>),
    /// `SliceScatter` into its base's own memory (lowering proved the base's
    /// old value dead and unaliased): a strided copy into a view, no new array.
    SliceScatterInPlace(Vec<(i64, i64, i64, i64)>),
    /// NumPy's ValueError named by `kind` where any element is true.
    Check {
        kind: ir::CheckKind,
    },
    /// A NumPy kernel run on the host through the hook `npcompile` installs
    /// (`set_host_kernels`): operands of the IR dtypes `args`, a result of `dtype`.
    Host {
        kernel: String,
        args: Vec<DType>,
        dtype: DType,
    },
    /// Stable sorting positions along `dim` (bool sorted as uint8).
    ArgSort {
        dim: i64,
        via: Option<Kind>,
    },
    /// Positions of the values (second operand) in the sorted sequence (first).
    SearchSorted {
        right: bool,
        via: Option<Kind>,
    },
    /// An unnormalized FFT of length `n` along `dim`.
    Fft {
        op: ir::FftOp,
        n: i64,
        dim: i64,
    },
    /// Counts (or float64 sums of weights) of positions in `0..length`.
    BinCount {
        length: i64,
    },
    /// `np.linalg` on the last two axes (`LinAlgError` where NumPy raises it).
    Linalg(ir::LinalgOp),
    AddCMul,
    /// Copy (used where a result must not alias an input).
    Copy,
}

#[derive(Debug)]
pub enum Instr {
    Op {
        op: Prim,
        args: SmallVec<[u32; 3]>,
        out: u32,
        /// Where the result is written (`writes_into` ops only).
        dest: Dest,
    },
}

/// The memory an instruction writes its result into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    /// A tensor libtorch allocates.
    Fresh,
    /// One of the plan's buffers, kept from call to call.
    Buffer(u32),
    /// The caller's array for output `j` (allocated by NumPy before the run).
    Output(u32),
}

/// A compiled program. Slots `0..n_inputs` hold the inputs; constants sit in
/// their own slots from lowering on.
pub struct Plan {
    pub n_inputs: usize,
    pub n_slots: usize,
    pub consts: Vec<(u32, Tensor)>,
    pub instrs: Vec<Instr>,
    /// Slots to free after each instruction (their last use).
    pub frees: Vec<SmallVec<[u32; 2]>>,
    pub outputs: Vec<u32>,
    /// Per output: copy it before handing it out (it aliases an input, a
    /// constant or another output).
    pub copy_out: Vec<bool>,
    pub input_kinds: Vec<(Kind, Vec<i64>)>,
    /// NumPy's dtype of each output (uint16/32/64 come out in their signed storage).
    pub output_dtypes: Vec<DType>,
    pub device: tch::Device,
    /// The static memory plan: each buffer's kind and shape (`Dest::Buffer`).
    pub buffers: Vec<(Kind, Vec<i64>)>,
    /// Per output: its shape and storage kind (the caller allocates it), and
    /// whether its value may sit in a plan buffer (so must be copied out when
    /// the caller did not allocate it).
    pub output_types: Vec<(Kind, Vec<i64>)>,
    /// No value has more than `SMALL_PLAN` elements: libtorch runs every kernel
    /// inline, so the plan need not set its threads, nor its caller release
    /// the GIL.
    pub small: bool,
    pub output_in_buffer: Vec<bool>,
    /// Inputs the plan writes in their caller's memory: (index of the first
    /// instruction that writes it, input slot, whether to snapshot it first).
    /// A snapshot is taken where an instruction from the first write on may
    /// raise NumPy's error, and copied back when one does.
    pub written_inputs: Vec<(usize, u32, bool)>,
    /// What runs the instructions: libtorch's interpreter (`torch::Interpreter`)
    /// or the native executor (`cpu::Machine`), chosen when the plan is built.
    pub executor: Box<dyn Executor>,
}

/// A way to run a plan's instructions. The plan holds what every executor
/// needs (slots, types, liveness, the memory plan, the arguments written in
/// place); an executor holds what it builds from them.
pub trait Executor: Send + Sync {
    /// Runs `plan` (the plan this executor was made for), as `Plan::run_into`.
    fn run(
        &self,
        plan: &Plan,
        inputs: Vec<Tensor>,
        outs: &[Option<Tensor>],
    ) -> Result<Vec<Tensor>, PlanError>;

    /// Per instruction, whether it runs as a native loop rather than a
    /// libtorch call; None where every one is a libtorch call.
    fn native_steps(&self) -> Option<Vec<bool>> {
        None
    }

    /// What `explain` prints after the outputs (regions, memory kept).
    fn summary(&self, plan: &Plan, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

// Tensors are reference counted handles that libtorch lets threads share.
unsafe impl Sync for Plan {}

impl Plan {
    pub fn run(&self, inputs: Vec<Tensor>) -> Result<Vec<Tensor>, PlanError> {
        self.run_into(inputs, &[])
    }

    /// Run the plan. `outs[j]`, where given, is a tensor of `output_types[j]`
    /// (the caller's array): output `j` ends up in it, and it is returned.
    /// Other outputs are returned as fresh C-ordered tensors (a write-back
    /// output as it stands: the caller copies it into the argument).
    pub fn run_into(
        &self,
        inputs: Vec<Tensor>,
        outs: &[Option<Tensor>],
    ) -> Result<Vec<Tensor>, PlanError> {
        if inputs.len() != self.n_inputs {
            return Err(PlanError::Input(format!(
                "plan takes {} inputs, got {}",
                self.n_inputs,
                inputs.len()
            )));
        }
        // libtorch's CPU kernels run on the calling thread (`OneThread`).
        let _threads = (self.device == tch::Device::Cpu).then(OneThread::new);
        self.executor.run(self, inputs, outs)
    }
}

/// libtorch's grain size: below it a kernel runs on the calling thread.
pub const SMALL_PLAN: i64 = 32768;

/// libtorch's CPU kernels run on the calling thread while a plan runs; the
/// thread's setting is restored after. libtorch's OpenMP workers spin between
/// parallel regions, and so do NumPy's OpenBLAS workers after a product: on a
/// machine of few cores the two pools take turns pre-empting each other (see
/// docs/architecture.md, "Threads"). Matrix products go to NumPy's BLAS, which
/// runs on NumPy's own pool.
pub(crate) struct OneThread(i32);

impl OneThread {
    pub(crate) fn new() -> OneThread {
        let before = tch::get_num_threads();
        if before != 1 {
            tch::set_num_threads(1);
        }
        OneThread(before)
    }
}

impl Drop for OneThread {
    fn drop(&mut self) {
        if self.0 != 1 {
            tch::set_num_threads(self.0);
        }
    }
}

/// The libtorch kind holding a dtype's elements (uint16/32/64: their signed storage).
pub fn storage_kind(d: DType) -> Kind {
    use DType::*;
    match d {
        Bool => Kind::Bool,
        I8 => Kind::Int8,
        I16 | U16 => Kind::Int16,
        I32 | U32 => Kind::Int,
        I64 | U64 => Kind::Int64,
        U8 => Kind::Uint8,
        F16 => Kind::Half,
        F32 => Kind::Float,
        F64 => Kind::Double,
        C64 => Kind::ComplexFloat,
        C128 => Kind::ComplexDouble,
    }
}

/// Casts whose result is the operand's own storage: int64 <-> uint64, int32 <->
/// uint32, int16 <-> uint16 (NumPy wraps, the bits stay).
pub fn cast_shares_storage(from: DType, to: DType) -> bool {
    from == to || (storage_kind(from) == storage_kind(to) && from.is_int() && to.is_int())
}

/// NumPy's `astype(to)` of a tensor holding `from`. Unsigned values are widened
/// to their exact value first; casts into unsigned dtypes wrap the way x86-64's
/// C conversions do (floats into uint16 through int32, into uint32 through
/// int64, into uint64 split at 2^63; out-of-range floats are undefined in C).

impl fmt::Display for Plan {
    /// One instruction a line: `s3 = Add(s0, s2)`; `free` lists slots released after it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "inputs: {}",
            (0..self.n_inputs)
                .map(|i| format!("s{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        for (slot, t) in &self.consts {
            writeln!(f, "  s{slot} = const {:?}[]", t.kind())?;
        }
        let native: Vec<bool> = self.executor.native_steps().unwrap_or_default();
        for (
            i,
            (
                Instr::Op {
                    op,
                    args,
                    out,
                    dest,
                },
                frees,
            ),
        ) in self.instrs.iter().zip(&self.frees).enumerate()
        {
            let args: Vec<String> = args.iter().map(|a| format!("s{a}")).collect();
            write!(f, "  s{out} = {op:?}({})", args.join(", "))?;
            match native.get(i) {
                // The native executor places every value in its own arena.
                Some(true) => write!(f, "  [native]")?,
                Some(false) => write!(f, "  [libtorch]")?,
                None => match dest {
                    Dest::Fresh => {}
                    Dest::Buffer(b) => write!(f, "  -> buf{b}")?,
                    Dest::Output(j) => write!(f, "  -> out{j}")?,
                },
            }
            if !frees.is_empty() {
                write!(
                    f,
                    "  free {}",
                    frees
                        .iter()
                        .map(|s| format!("s{s}"))
                        .collect::<Vec<_>>()
                        .join(",")
                )?;
            }
            writeln!(f)?;
        }
        let outs: Vec<String> = self
            .outputs
            .iter()
            .zip(&self.copy_out)
            .map(|(o, c)| {
                if *c {
                    format!("copy(s{o})")
                } else {
                    format!("s{o}")
                }
            })
            .collect();
        write!(f, "outputs: {}", outs.join(", "))?;
        self.executor.summary(self, f)?;
        for (at, slot, snapshot) in &self.written_inputs {
            let first = match &self.instrs[*at] {
                Instr::Op { out, .. } => out,
            };
            write!(
                f,
                "\nwritten in place: s{slot} (first at s{first}{})",
                if *snapshot { ", snapshot first" } else { "" }
            )?;
        }
        Ok(())
    }
}
