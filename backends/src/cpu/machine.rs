use super::kernels::{self, broadcast_strides, c_ordered, c_strides, Raw, Strides};
use super::sum::{replay as replay_view, SumPlan, ViewStep};
use super::vmath;
use crate::plan::{Executor, Instr, Plan, PlanError, Prim};
use crate::torch::{check_int_value, exec_op, exec_op_into, restore, writes_into, IntValue};
use ir::DType;
use smallvec::SmallVec;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use tch::{Kind, Tensor};

type Dims = SmallVec<[i64; 4]>;

/// Where the native executor runs (`NPCOMPILE_NATIVE`, read when a plan is built).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NativeMode {
    /// Plans whose values are all small (libtorch's dispatch dominates there).
    Auto,
    /// Every CPU plan it can run (the tests force it to exercise it everywhere).
    Always,
    /// Never: every instruction is a libtorch call on tensor slots.
    Never,
}

pub fn native_mode() -> NativeMode {
    match std::env::var("NPCOMPILE_NATIVE").as_deref() {
        Ok("always" | "1" | "force") => NativeMode::Always,
        Ok("never" | "0" | "off") => NativeMode::Never,
        _ => NativeMode::Auto,
    }
}

/// Products of at most this many multiply-adds (`m * n * k`) with a vector
/// operand, or of integer matrices, run as a plain loop (`Step::Dot`).
const DOT_MAX: i64 = 1 << 16;

/// Without SLEEF's vector functions (`vmath`), past this many elements a
/// transcendental runs as libtorch's vectorized kernel (its dispatch then
/// costs less than a scalar libm loop).
const LIBM_MAX: i64 = 512;

/// The storage types the typed loops know; `Bytes` values are only viewed,
/// copied and selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    F64,
    F32,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
    Bytes,
}

impl Ty {
    fn of(kind: Kind) -> Ty {
        match kind {
            Kind::Double => Ty::F64,
            Kind::Float => Ty::F32,
            Kind::Int64 => Ty::I64,
            Kind::Int => Ty::I32,
            Kind::Int16 => Ty::I16,
            Kind::Int8 => Ty::I8,
            Kind::Uint8 => Ty::U8,
            Kind::Bool => Ty::Bool,
            _ => Ty::Bytes,
        }
    }
    fn float(self) -> bool {
        matches!(self, Ty::F64 | Ty::F32)
    }
    fn numeric(self) -> bool {
        !matches!(self, Ty::Bool | Ty::Bytes)
    }
    /// The storage of a NumPy dtype whose values it holds as they are (not
    /// uint16/32/64 in signed storage, float16 or complex).
    fn exact(d: DType) -> Option<Ty> {
        Some(match d {
            DType::F64 => Ty::F64,
            DType::F32 => Ty::F32,
            DType::I64 => Ty::I64,
            DType::I32 => Ty::I32,
            DType::I16 => Ty::I16,
            DType::I8 => Ty::I8,
            DType::U8 => Ty::U8,
            DType::Bool => Ty::Bool,
            _ => return None,
        })
    }
}

/// One value's static type.
struct Meta {
    kind: Kind,
    ty: Ty,
    item: usize,
    shape: Dims,
}

impl Un {
    /// The function `vmath` computes as libtorch does, for a transcendental.
    fn vmath(self) -> Option<vmath::Fun> {
        Some(match self {
            Un::Exp => vmath::Fun::Exp,
            Un::Log => vmath::Fun::Log,
            Un::Sin => vmath::Fun::Sin,
            Un::Cos => vmath::Fun::Cos,
            Un::Tanh => vmath::Fun::Tanh,
            Un::Expm1 => vmath::Fun::Expm1,
            Un::Log1p => vmath::Fun::Log1p,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Un {
    Neg,
    Abs,
    Square,
    Sqrt,
    Floor,
    Ceil,
    Trunc,
    Not,
    Exp,
    Log,
    Sin,
    Cos,
    Tanh,
    Expm1,
    Log1p,
}

#[derive(Debug, Clone, Copy)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Min,
    FMax {
        keep_first: bool,
    },
    FMin {
        keep_first: bool,
    },
    And,
    Or,
    /// Bitwise, of integers and bools.
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A reduction the typed loops run (`fold`).
#[derive(Debug, Clone, Copy)]
enum Red {
    /// Integers and bools added into int64 (or their own type), wrapping.
    Sum,
    Prod,
    /// NumPy's maximum/minimum.reduce: NaN wins.
    Max,
    Min,
    Any,
    All,
}

/// How one instruction runs.
#[derive(Debug)]
enum Step {
    /// A view: the operand's elements seen with other offsets and strides.
    Slice(Vec<(i64, i64, i64, i64)>),
    Permute(Dims),
    /// A view where the operand's strides allow one (libtorch's rule), else a
    /// copy into the value's block.
    Reshape,
    /// The same memory as another kind of the same width.
    Alias,
    /// The real (false) or imaginary (true) part of a complex value.
    Part(bool),
    CheckInt {
        from: DType,
        to: DType,
    },
    Unary(Un),
    Binary(Bin),
    AddCMul,
    Where,
    Copy,
    Cast,
    Scatter {
        dims: Vec<(i64, i64, i64, i64)>,
        in_place: bool,
    },
    Concat(usize),
    /// A float32/float64 matrix product through NumPy's BLAS on the operands'
    /// memory (`Some(beta)`: a `Gemm` whose addend, broadcast into the
    /// result, BLAS scales and accumulates into); the libtorch call where an
    /// operand's strides are not BLAS's.
    MatMul(Option<f64>),
    /// A reduction folding each result element from its operand elements:
    /// the result's strides along the operand's axes (0 where reduced).
    Reduce(Red, Strides),
    /// A float32/float64 `sum`/`mean` added in NumPy's order (`SumPlan`),
    /// planned when the plan is built where the operand's strides are known.
    /// Operand 1, where present, is the array NumPy iterates (after `view`):
    /// its strides decide the order.
    FloatSum {
        reduced: SmallVec<[bool; 4]>,
        mean: bool,
        buffered: bool,
        view: Vec<ViewStep>,
        plan: Option<Box<SumPlan>>,
    },
    /// A product with a vector operand, or of integer matrices, small enough
    /// for a plain loop: `[m, n, k]` (see `kernels::matmul`).
    Dot([usize; 3]),
    /// `np.take` along `dim` (an axis of `size`) by int64 positions (operand
    /// 1), negative ones from the end: NumPy's IndexError for one out of range.
    Take {
        dim: usize,
        size: i64,
    },
    /// `np.searchsorted` of values (operand 1, any shape) in a sorted 1-D
    /// sequence (operand 0) of one float or int64 type: NumPy's binary
    /// search, NaN sorted last.
    SearchSorted(bool),
    /// A complex product as NumPy's SIMD loop computes it, one product of
    /// each part fused: `fma(ar, br, -(ai*bi)) + fma(ar, bi, ai*br)j`.
    ComplexMul,
    /// The libtorch call, on tensors made over the operands' memory.
    Torch,
    /// A libtorch call whose result views its operand (lowering's `is_view`).
    TorchView,
}

impl Step {
    /// Whether it is one typed loop over its operands' elements, each
    /// result element from the operands' elements at its index.
    fn elementwise(&self) -> bool {
        matches!(
            self,
            Step::Unary(_) | Step::Binary(_) | Step::AddCMul | Step::Where | Step::Cast | Step::Copy
        )
    }

    /// Whether a region member reads whole rows of the region's matrix: all
    /// but a column member (one element per row) that does not reduce them.
    fn reads_rows(&self, col: bool) -> bool {
        !col || matches!(self, Step::Reduce(..) | Step::FloatSum { .. })
    }

    /// Whether the result is (or may be) a view of operand 0's memory.
    fn aliases(&self) -> bool {
        matches!(
            self,
            Step::Slice(_)
                | Step::Permute(_)
                | Step::Reshape
                | Step::Alias
                | Step::Part(_)
                | Step::CheckInt { .. }
                | Step::Scatter { in_place: true, .. }
                | Step::TorchView
        )
    }
}

/// A value at run time: its first element and strides (in elements).
#[derive(Clone, Default)]
struct Val {
    ptr: usize,
    strides: Strides,
}

/// What a value's address is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    /// Input k's first element (inputs are C-ordered: their strides are known).
    Input(u32),
    /// The arena's start.
    Arena,
    /// Address 0: the offset is the address (a constant's memory).
    Abs,
    /// Output j's array (allocated by NumPy before the run), or the value's
    /// own block where the caller gave none.
    Output(u32),
}

/// Where a value lives, where the plan knows it when it is built: a view
/// of anything so placed is placed too, and costs nothing at run time.
#[derive(Debug, Clone)]
struct Loc {
    root: Root,
    /// Bytes from the root to the first element.
    off: isize,
    strides: Strides,
}

#[derive(Debug, Clone)]
enum Place {
    Static(Loc),
    /// Computed as the plan runs (views of inputs of unknown strides, and
    /// what libtorch returns): the value table holds it.
    Dynamic,
}

/// One instruction as the machine runs it.
struct Exec {
    instr: usize,
    step: Step,
    out: u32,
    /// The result's block (a byte offset into the arena), if it has one.
    block: usize,
    /// Per operand: its strides along the result's axes (the region's, for a
    /// store), where known when the plan is built.
    along: SmallVec<[Option<Strides>; 3]>,
    /// A store whose value overlaps the region it is stored into (copied first).
    overlap: bool,
    /// The result's C-order strides (of its block).
    strides: Strides,
    /// A store's region where the base's strides are known: its shape, its
    /// strides and its first element's distance in bytes from the base's.
    region: Option<(Dims, Strides, isize)>,
    /// The instruction's operands.
    args: SmallVec<[u32; 3]>,
}

/// A one-element operand placed at build time: its root's tag (0 the arena,
/// 1 an absolute address, 2 + k input k) and its byte offset from it.
#[derive(Debug, Clone, Copy)]
struct Addr {
    root: u32,
    off: isize,
}

impl Addr {
    fn of(l: &Loc) -> Addr {
        Addr {
            root: match l.root {
                Root::Arena => 0,
                Root::Abs => 1,
                Root::Input(k) => 2 + k,
                Root::Output(j) => OUTPUT_TAG | j,
            },
            off: l.off,
        }
    }
}

/// What runs, in order: a one-element instruction on placed operands, in a
/// few bytes that hold all it needs (scalar loops run thousands of these), or
/// the general form (`Exec`).
#[derive(Debug, Clone, Copy)]
enum Op {
    Unary(Un, Ty, Addr, Addr),
    Binary(Bin, Ty, Addr, [Addr; 2]),
    AddCMul(Ty, Addr, [Addr; 3]),
    /// One element of `item` bytes (a copy, or a store into a placed region).
    Move(usize, Addr, Addr),
    Cast(Ty, Ty, Addr, Addr),
    /// A scalar setitem's conversion, checked (the value is a placed view).
    CheckInt(DType, DType, Addr),
    General(u32),
    /// Elementwise instructions over one shape, run together tile by tile.
    Region(u32),
}

/// A run of elementwise instructions over C-ordered operands of one shape
/// (or single elements broadcast): each tile of the result's flat index runs
/// through every instruction before the next tile starts, so the values the
/// run passes along stay in cache instead of making a pass over memory each.
#[derive(Debug)]
struct Region {
    /// The instructions (indices into `execs`), in order.
    members: Vec<u32>,
    numel: usize,
    /// Per member: where its result lives only one tile at a time (no
    /// instruction outside the region reads it), the byte offset of its tile
    /// in the arena's scratch; else `NO_BLOCK` (its own memory, written whole).
    tile_at: Vec<usize>,
    /// Per member, per operand: the tile it reads (a byte offset into the
    /// scratch) and whether that tile is a column (one element per row), or
    /// `NO_BLOCK` (a whole value, or one element).
    reads: Vec<SmallVec<[(usize, bool); 3]>>,
    /// Per member: whether its result is a column of the region's matrix,
    /// one element per row (a reduction along the rows, `x.max(axis=1,
    /// keepdims=True)`, and elementwise work on such results): each tile
    /// computes the elements of its rows.
    col: Vec<bool>,
    /// Per member: its result is stored straight where the next member, a
    /// store into a view (`u[1:-1, 1:-1] = ...`), puts it, and that store
    /// does nothing (a tile's copy saved: the store reads nothing else, and
    /// the region's checks already let it write there).
    forward: Vec<bool>,
    /// Units (rows where `cols` > 0, else elements) per tile.
    tile: usize,
    /// The bytes of one thread's tiles: thread w's are `w * span` further on.
    span: usize,
    /// Where an operand is one row broadcast down the result (a bias, a
    /// scale per column): the row's length, and tiles are whole rows; else 0
    /// (tiles of the flat index).
    cols: usize,
    /// Tiles of rows: the result's shape but its last axis (rows are its
    /// flat index). A tile stays within one plane (the last two axes), so
    /// every operand walks it with its own last two strides.
    lead: Dims,
    /// A reduction to one element ending the region: each thread folds its
    /// tiles into a partial result at this byte offset of its scratch, and
    /// the partials are joined into the result after the last tile.
    partial: Option<usize>,
}

/// Whether `shape` is one element per row of a region whose rows' axes are
/// `lead` (a reduction along the last axis, with or without keepdims).
fn is_column(shape: &[i64], lead: &[i64]) -> bool {
    shape == lead || shape.split_last().is_some_and(|(&l, s)| l == 1 && s == lead)
}

/// Where an access of a region meets memory: its root, the byte offset of
/// its first element, its element strides along the region and its element
/// size.
type Access = (Root, isize, Strides, usize);

/// Results of at least this many elements form regions.
const TILE: usize = 4096;

/// Elements of a region's tile (whole rows where tiles are rows: at least
/// one). Three live float64 tiles of 1024 stay in a 48 KiB L1; 4096 (the
/// tiles past L1) ran a 50-step chain on 128x128 and a 4M-element chain
/// 1.2-1.5x slower (measured on 512 to 4096).
const TILE_LEN: usize = 1024;

/// Bytes between one region tile and the next beyond the tile itself.
const TILE_SKEW: usize = 5 * 64;

/// Regions of at least this many elements split their tiles among threads
/// (scoped threads of our own, started per call and joined: nothing is left
/// spinning against NumPy's BLAS workers).
const PARALLEL: usize = 1 << 18;

/// How many threads a large region uses.
fn workers() -> usize {
    static N: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *N.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::env::var("NPCOMPILE_THREADS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cores)
            .clamp(1, 8)
    })
}

impl Executor for Machine {
    fn run(
        &self,
        plan: &Plan,
        inputs: Vec<Tensor>,
        outs: &[Option<Tensor>],
    ) -> Result<Vec<Tensor>, PlanError> {
        self.run_plan(plan, inputs, outs)
    }

    /// Per instruction: whether it runs as a native loop (or is a view the
    /// plan placed), else libtorch.
    fn native_steps(&self) -> Option<Vec<bool>> {
        Some(self.kinds.iter().map(|&(native, _)| native).collect())
    }

    fn summary(&self, plan: &Plan, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let native: Vec<bool> = self.native_steps().unwrap_or_default();
        for (r, (members, numel, tiled, col)) in self.regions().iter().enumerate() {
            let slot = |q: usize| {
                let Instr::Op { out, .. } = &plan.instrs[members[q]];
                *out
            };
            let forward = &self.regions[r].forward;
            let body: Vec<String> = (0..members.len())
                .map(|q| {
                    let how = match (tiled[q], col[q]) {
                        _ if forward[q] => format!(" (into s{}'s view)", slot(q + 1)),
                        _ if q > 0 && forward[q - 1] => format!(" (stored by s{})", slot(q - 1)),
                        (true, true) => " (tile, per row)".into(),
                        (true, false) => " (tile)".into(),
                        (false, true) => " (per row)".into(),
                        (false, false) => String::new(),
                    };
                    format!("s{}{how}", slot(q))
                })
                .collect();
            write!(
                f,
                "\nregion {r}: {} over {numel} elements, tile by tile",
                body.join(", ")
            )?;
        }
        let n = native.iter().filter(|&&b| b).count();
        write!(
            f,
            "\nexecutor: native, {n} of {} instructions as native loops, arena {} bytes (kept from call to call)",
            native.len(),
            self.arena_bytes()
        )?;
        Ok(())
    }
}

/// One cache line of the arena: blocks and tiles start on a line (the arena
/// hands out multiples of 64 bytes), so a vector store never splits two.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

/// What one run needs besides the plan: the arena and the value table.
struct Scratch {
    arena: Vec<Line>,
    vals: Vec<Val>,
}

/// A plan compiled for the native executor (see the module's comment).
pub struct Machine {
    meta: Vec<Meta>,
    /// Per instruction: how it runs (for `explain`) and its result's size.
    kinds: Vec<(bool, i64)>,
    /// Per output computed in place (`Root::Output`): its block, else `NO_BLOCK`.
    out_block: Vec<usize>,
    regions: Vec<Region>,
    /// The instructions that do work at run time, in order; per op, the
    /// instruction it runs (for the snapshots of written arguments).
    ops: Vec<Op>,
    op_instr: Vec<u32>,
    execs: Vec<Exec>,
    place: Vec<Place>,
    /// Per slot: the slot whose memory it is (itself, or what it views).
    root: Vec<u32>,
    arena_bytes: usize,
    scratch: Mutex<Option<Scratch>>,
    /// The plan calls NumPy's BLAS: its regions run on one thread. OpenBLAS's
    /// workers spin for a while after each product (ours and the NumPy
    /// calls' between ours), and a second thread of ours on two cores then
    /// fights one: chained_products interleaved with NumPy, 2.04 ms with two
    /// threads, 0.80 ms with one (0.87 alone).
    one_thread: bool,
}

// The raw addresses a machine keeps are its plan's constants, which live as
// long as the plan; each run has its own scratch.
unsafe impl Send for Machine {}
unsafe impl Sync for Machine {}

const NO_BLOCK: usize = usize::MAX;

/// `Addr::root`'s tag bit for an output's array.
const OUTPUT_TAG: u32 = 1 << 31;

/// Op -> step, where a typed loop exists for these storage types.
fn step_for(op: &Prim, args: &[&Meta], out: &Meta) -> Step {
    use Prim as T;
    let t = args.first().map_or(Ty::Bytes, |m| m.ty);
    let same = args.iter().all(|m| m.ty == t);
    let numel: i64 = out.shape.iter().product();
    let unary = |u: Un| -> Step {
        let ok = match u {
            Un::Neg | Un::Abs | Un::Square => t.numeric(),
            Un::Not => t == Ty::Bool,
            Un::Sqrt | Un::Floor | Un::Ceil | Un::Trunc => t.float(),
            _ => t.float() && (numel <= LIBM_MAX || u.vmath().is_some_and(|f| vmath::has(f, t == Ty::F64))),
        };
        if ok && out.ty == t {
            Step::Unary(u)
        } else {
            Step::Torch
        }
    };
    let binary = |b: Bin| -> Step {
        let ok = match b {
            Bin::Add | Bin::Sub | Bin::Mul | Bin::Max | Bin::Min => t.numeric() && out.ty == t,
            Bin::Div | Bin::FMax { .. } | Bin::FMin { .. } => t.float() && out.ty == t,
            Bin::And | Bin::Or => t == Ty::Bool && out.ty == t,
            Bin::BitAnd | Bin::BitOr | Bin::BitXor => !t.float() && t != Ty::Bytes && out.ty == t,
            _ => t != Ty::Bytes && out.ty == Ty::Bool,
        };
        if ok && same && args.len() == 2 {
            Step::Binary(b)
        } else {
            Step::Torch
        }
    };
    let a_numel = |k: usize| args[k].shape.iter().product::<i64>();
    // The reduced axes of operand 0, and the result's strides along its axes.
    let reduce = |dims: &[i64], keepdim: bool| -> Option<(SmallVec<[bool; 4]>, Strides)> {
        let rank = args.first()?.shape.len();
        let mut reduced: SmallVec<[bool; 4]> = SmallVec::from_elem(false, rank);
        for &d in dims {
            *reduced.get_mut(usize::try_from(d).ok()?)? = true;
        }
        let out_c = c_strides(&out.shape);
        let (mut acc, mut j): (Strides, usize) = (SmallVec::new(), 0);
        for a in 0..rank {
            if reduced[a] {
                acc.push(0);
                j += keepdim as usize;
            } else {
                acc.push(*out_c.get(j)?);
                j += 1;
            }
        }
        (j == out.shape.len()).then_some((reduced, acc))
    };
    let int = |t: Ty| matches!(t, Ty::I64 | Ty::I32 | Ty::I16 | Ty::I8 | Ty::U8 | Ty::Bool);
    let fold = |red: Red, dims: &[i64], keepdim: bool| -> Step {
        let ok = match red {
            Red::Sum | Red::Prod => int(t) && (out.ty == Ty::I64 || (out.ty == t && t != Ty::Bool)),
            Red::Max | Red::Min => t.numeric() && out.ty == t && a_numel(0) > 0,
            Red::Any | Red::All => t != Ty::Bytes && out.ty == Ty::Bool,
        };
        match reduce(dims, keepdim) {
            Some((_, acc)) if ok && args.len() == 1 => Step::Reduce(red, acc),
            _ => Step::Torch,
        }
    };
    match op {
        T::Sum { dims, keepdim } => fold(Red::Sum, dims, *keepdim),
        T::Prod { dims, keepdim } => fold(Red::Prod, dims, *keepdim),
        T::Amax { dims, keepdim } => fold(Red::Max, dims, *keepdim),
        T::Amin { dims, keepdim } => fold(Red::Min, dims, *keepdim),
        T::Any { dims, keepdim } => fold(Red::Any, dims, *keepdim),
        T::All { dims, keepdim } => fold(Red::All, dims, *keepdim),
        T::HostSum {
            dims,
            keepdim,
            mean,
            buffered,
            view,
        } if args.len() <= 2 && t.float() && out.ty == t => match reduce(dims, *keepdim) {
            Some((reduced, _)) => Step::FloatSum {
                reduced,
                mean: *mean,
                buffered: *buffered,
                view: view.clone(),
                plan: None,
            },
            None => Step::Torch,
        },
        T::MatMul
            if same
                && args.len() == 2
                && out.ty == t
                && t.numeric()
                && (1..=2).contains(&args[0].shape.len())
                && (1..=2).contains(&args[1].shape.len())
                && (!t.float() || args[0].shape.len() == 1 || args[1].shape.len() == 1)
                && a_numel(0).saturating_mul(args[1].shape.last().copied().unwrap_or(1))
                    <= DOT_MAX =>
        {
            let (a, b) = (&args[0].shape, &args[1].shape);
            let m = if a.len() == 2 { a[0] } else { 1 };
            let k = *a.last().unwrap_or(&0);
            let n = if b.len() == 2 { b[1] } else { 1 };
            Step::Dot([m as usize, n as usize, k as usize])
        }
        T::Take { dim, size, .. }
            if args.len() == 2
                && out.ty == t
                && args[1].ty == Ty::I64
                && (*dim as usize) < args[0].shape.len() =>
        {
            Step::Take {
                dim: *dim as usize,
                size: *size,
            }
        }
        T::SearchSorted { right, via: None }
            if args.len() == 2
                && args[0].shape.len() == 1
                && args[0].ty == args[1].ty
                && matches!(args[0].ty, Ty::F64 | Ty::F32 | Ty::I64)
                && out.ty == Ty::I64 =>
        {
            Step::SearchSorted(*right)
        }
        T::ComplexMul
            if args.len() == 2
                && matches!(out.kind, Kind::ComplexDouble | Kind::ComplexFloat)
                && args.iter().all(|a| a.kind == out.kind) =>
        {
            Step::ComplexMul
        }
        T::Slice(d) | T::SliceView(d) => Step::Slice(d.clone()),
        T::Permute(p) => Step::Permute(p.iter().copied().collect()),
        T::Reshape(_) | T::Restride(_) => Step::Reshape,
        T::Real | T::Imag if args[0].item == 2 * out.item => Step::Part(matches!(op, T::Imag)),
        T::CheckInt { from, to } if args[0].shape.is_empty() && check_readable(*from) => {
            Step::CheckInt {
                from: *from,
                to: *to,
            }
        }
        T::Cast { from, to } if crate::plan::cast_shares_storage(*from, *to) => Step::Alias,
        T::Cast { from, to } => match (Ty::exact(*from), Ty::exact(*to)) {
            (Some(f), Some(g)) if !(f.float() && !g.float() && g != Ty::Bool) => Step::Cast,
            _ => Step::Torch,
        },
        T::Copy => Step::Copy,
        T::Neg => unary(Un::Neg),
        T::Abs => unary(Un::Abs),
        T::Square => unary(Un::Square),
        T::Sqrt => unary(Un::Sqrt),
        T::Floor => unary(Un::Floor),
        T::Ceil => unary(Un::Ceil),
        T::Trunc => unary(Un::Trunc),
        T::LogicalNot => unary(Un::Not),
        T::Exp => unary(Un::Exp),
        T::Log => unary(Un::Log),
        T::Sin => unary(Un::Sin),
        T::Cos => unary(Un::Cos),
        T::Tanh => unary(Un::Tanh),
        T::Expm1 => unary(Un::Expm1),
        T::Log1p => unary(Un::Log1p),
        T::Add => binary(Bin::Add),
        T::Sub => binary(Bin::Sub),
        T::Mul => binary(Bin::Mul),
        T::Div => binary(Bin::Div),
        T::Maximum if !t.float() => binary(Bin::Max),
        T::Minimum if !t.float() => binary(Bin::Min),
        T::FloatMaximum { tie } => binary(Bin::FMax {
            keep_first: *tie == 0,
        }),
        T::FloatMinimum { tie } => binary(Bin::FMin {
            keep_first: *tie == 0,
        }),
        T::LogicalAnd => binary(Bin::And),
        T::BitAnd => binary(Bin::BitAnd),
        T::BitOr => binary(Bin::BitOr),
        T::BitXor => binary(Bin::BitXor),
        T::LogicalOr => binary(Bin::Or),
        T::Eq => binary(Bin::Eq),
        T::Ne => binary(Bin::Ne),
        T::Lt => binary(Bin::Lt),
        T::Le => binary(Bin::Le),
        T::Gt => binary(Bin::Gt),
        T::Ge => binary(Bin::Ge),
        T::AddCMul if same && t.numeric() && out.ty == t => Step::AddCMul,
        T::Where
            if args[0].ty == Ty::Bool
                && args[1].kind == out.kind
                && args[2].kind == out.kind
                && matches!(out.item, 1 | 2 | 4 | 8 | 16) =>
        {
            Step::Where
        }
        T::SliceScatter(d) if args[1].kind == out.kind => Step::Scatter {
            dims: d.clone(),
            in_place: false,
        },
        T::SliceScatterInPlace(d) if args[1].kind == out.kind => Step::Scatter {
            dims: d.clone(),
            in_place: true,
        },
        T::Concat(axis) if args.iter().all(|m| m.kind == out.kind) => Step::Concat(*axis as usize),
        T::MatMul | T::Gemm { alpha: 1.0, .. }
            if t.float()
                && same
                && out.ty == t
                && args[..2].iter().all(|m| m.shape.len() == 2)
                && out.shape.iter().all(|&n| n > 0)
                && args[0].shape[1] > 0
                && crate::torch::blas::numpy_blas().is_some() =>
        {
            Step::MatMul(match op {
                T::Gemm { beta, .. } => Some(*beta),
                _ => None,
            })
        }
        _ => Step::Torch,
    }
}

fn check_readable(from: DType) -> bool {
    matches!(
        from,
        DType::F64
            | DType::F32
            | DType::I64
            | DType::I32
            | DType::I16
            | DType::I8
            | DType::U8
            | DType::U16
            | DType::U32
            | DType::U64
            | DType::Bool
    )
}

/// First-fit blocks of an arena, with neighbours merged when freed.
#[derive(Default)]
struct Arena {
    free: Vec<(usize, usize)>,
    top: usize,
}

impl Arena {
    fn alloc(&mut self, bytes: usize) -> usize {
        let size = bytes.div_ceil(64) * 64;
        if size == 0 {
            return 0;
        }
        if let Some(k) = self.free.iter().position(|&(_, s)| s >= size) {
            let (at, s) = self.free[k];
            if s == size {
                self.free.remove(k);
            } else {
                self.free[k] = (at + size, s - size);
            }
            return at;
        }
        let at = self.top;
        self.top += size;
        at
    }
    /// Bytes no block ever shares (above every block handed out so far).
    fn alloc_apart(&mut self, bytes: usize) -> usize {
        let at = self.top;
        self.top += bytes.div_ceil(64) * 64;
        at
    }
    fn release(&mut self, at: usize, bytes: usize) {
        let size = bytes.div_ceil(64) * 64;
        if size == 0 {
            return;
        }
        let k = self.free.partition_point(|&(a, _)| a < at);
        self.free.insert(k, (at, size));
        if k + 1 < self.free.len() && self.free[k].0 + self.free[k].1 == self.free[k + 1].0 {
            self.free[k].1 += self.free[k + 1].1;
            self.free.remove(k + 1);
        }
        if k > 0 && self.free[k - 1].0 + self.free[k - 1].1 == self.free[k].0 {
            self.free[k - 1].1 += self.free[k].1;
            self.free.remove(k);
        }
    }
}

/// The place of a view of `from` (a slot of `m_from`) made by `step`, where
/// it is static (`None`: a copy, or unknown).
fn view_place(step: &Step, from: &Loc, m_from: &Meta, m: &Meta) -> Option<Loc> {
    let mut loc = from.clone();
    match step {
        Step::Slice(dims) => {
            for &(dim, start, _len, step) in dims {
                let d = dim as usize;
                loc.off += start as isize * loc.strides[d] * m.item as isize;
                loc.strides[d] *= step as isize;
            }
        }
        Step::Permute(perm) => {
            loc.strides = perm.iter().map(|&p| from.strides[p as usize]).collect();
        }
        Step::Reshape => loc.strides = view_strides(&m_from.shape, &from.strides, &m.shape)?,
        Step::Alias | Step::CheckInt { .. } | Step::Scatter { in_place: true, .. } => {}
        Step::Part(imag) => {
            loc.off += if *imag { m.item as isize } else { 0 };
            loc.strides = from.strides.iter().map(|&s| s * 2).collect();
        }
        _ => return None,
    }
    Some(loc)
}

/// A store's region of a base of `m`'s shape and `strides`: its shape, its
/// strides and its first element's distance in bytes from the base's.
fn region_of(m: &Meta, strides: &[isize], dims: &[(i64, i64, i64, i64)]) -> (Dims, Strides, isize) {
    let mut region: Dims = m.shape.clone();
    let mut st: Strides = strides.iter().copied().collect();
    let mut offset = 0isize;
    for &(dim, start, len, step) in dims {
        let d = dim as usize;
        region[d] = len;
        offset += start as isize * st[d];
        st[d] *= step as isize;
    }
    (region, st, offset * m.item as isize)
}

/// Whether two static places can share a byte (same root, ranges that meet).
fn may_overlap(a: &Loc, sa: &[i64], b: &Loc, sb: &[i64], item: usize) -> bool {
    if a.root != b.root {
        return false;
    }
    let (lo, hi) = kernels::extent(a.off as *const u8, sa, &a.strides, item);
    let (vlo, vhi) = kernels::extent(b.off as *const u8, sb, &b.strides, item);
    vlo < hi && lo < vhi
}

impl Machine {
    /// The machine for `plan`, whose slots have `types` (storage kind and
    /// shape); `c_ordered_inputs`: the signature says every input is C-ordered.
    pub fn build(plan: &Plan, types: &[(Kind, Vec<i64>)], c_ordered_inputs: bool) -> Machine {
        let meta: Vec<Meta> = types
            .iter()
            .map(|(kind, shape)| Meta {
                kind: *kind,
                ty: Ty::of(*kind),
                item: kind.elt_size_in_bytes(),
                shape: shape.iter().copied().collect(),
            })
            .collect();
        let n = plan.n_slots;
        let mut steps = Vec::with_capacity(plan.instrs.len());
        let mut root: Vec<u32> = (0..n as u32).collect();
        let mut last_use = vec![0usize; n];
        for (i, Instr::Op { op, args, out, .. }) in plan.instrs.iter().enumerate() {
            let argm: SmallVec<[&Meta; 3]> = args.iter().map(|&a| &meta[a as usize]).collect();
            let step = match step_for(op, &argm, &meta[*out as usize]) {
                Step::Torch if crate::torch::is_view(op) => Step::TorchView,
                s => s,
            };
            if step.aliases() {
                root[*out as usize] = root[args[0] as usize];
            }
            for &a in args {
                last_use[a as usize] = i;
            }
            last_use[*out as usize] = last_use[*out as usize].max(i);
            steps.push(step);
        }
        for &o in &plan.outputs {
            last_use[o as usize] = usize::MAX;
        }
        // A memory's end: the last use of any value in it.
        let mut end = vec![0usize; n];
        for s in 0..n {
            let r = root[s] as usize;
            end[r] = end[r].max(last_use[s]);
        }
        let numel = |s: usize| meta[s].shape.iter().product::<i64>().max(0);
        let bytes = |s: usize| numel(s) as usize * meta[s].item;
        let mut place = vec![Place::Dynamic; n];
        for k in 0..plan.n_inputs {
            if c_ordered_inputs {
                place[k] = Place::Static(Loc {
                    root: Root::Input(k as u32),
                    off: 0,
                    strides: c_strides(&meta[k].shape),
                });
            }
        }
        for (s, t) in &plan.consts {
            place[*s as usize] = Place::Static(Loc {
                root: Root::Abs,
                off: t.data_ptr() as isize,
                strides: t.stride().iter().map(|&x| x as isize).collect(),
            });
        }
        let mut arena = Arena::default();
        let mut dying: Vec<Vec<(usize, usize)>> = vec![vec![]; steps.len()];
        let mut execs = vec![];
        let mut out_block = vec![NO_BLOCK; plan.outputs.len()];
        let mut ops = vec![];
        let mut op_instr = vec![];
        let mut kinds = vec![];
        for (i, (Instr::Op { args, out, .. }, step)) in plan.instrs.iter().zip(steps).enumerate() {
            let o = *out as usize;
            // A float sum's order follows from its operand's strides: planned
            // now where they are known.
            let step = match step {
                Step::FloatSum {
                    reduced,
                    mean,
                    buffered,
                    view,
                    plan: None,
                } => {
                    let strides = |a: u32| match &place[a as usize] {
                        Place::Static(l) => Some(l.strides.clone()),
                        Place::Dynamic => None,
                    };
                    // Operand 1, where present: the array NumPy iterates.
                    let layout: Option<(u32, Option<Strides>)> =
                        args.get(1).map(|&a| (a, strides(a)));
                    match (strides(args[0]), layout) {
                        // Where NumPy's array is placed only as the plan
                        // runs: libtorch's call.
                        (_, Some((_, None))) => Step::Torch,
                        (Some(st), layout) => {
                            let layout = layout.map(|(a, ls)| (a, ls.unwrap_or_default()));
                            let layout = layout
                                .as_ref()
                                .map(|(a, ls)| (&meta[*a as usize].shape[..], &ls[..], &view[..]));
                            let shape = &meta[args[0] as usize].shape;
                            match sum_plan(shape, &st, layout, &reduced, mean, buffered) {
                                Some(p) => Step::FloatSum {
                                    reduced,
                                    mean,
                                    buffered,
                                    view,
                                    plan: Some(Box::new(p)),
                                },
                                None => Step::Torch,
                            }
                        }
                        // The values placed as the plan runs: planned then.
                        (None, _) => Step::FloatSum {
                            reduced,
                            mean,
                            buffered,
                            view,
                            plan: None,
                        },
                    }
                }
                s => s,
            };
            kinds.push((
                !matches!(step, Step::Torch | Step::TorchView),
                // The elements a typed loop of ours walks where libtorch's
                // kernel might be faster. Not counted: libtorch's calls and
                // BLAS's products (their own kernels either way), the float
                // sum (the libtorch executor runs the same host loop), and
                // copies and stores (memory moves as fast as libtorch's
                // copy, which runs on one thread too: `OneThread`).
                match &step {
                    s if s.aliases() => 0,
                    Step::Torch | Step::TorchView | Step::MatMul(_) | Step::FloatSum { .. } => 0,
                    Step::Copy | Step::Scatter { .. } | Step::Concat(_) => 0,
                    Step::Reduce(..) => numel(args[0] as usize),
                    Step::Dot([m, n, k]) => (m * n * k) as i64,
                    _ => numel(o),
                },
            ));
            let a0 = args.first().map(|&a| a as usize);
            let from = a0.and_then(|a| match &place[a] {
                Place::Static(l) => Some(l.clone()),
                Place::Dynamic => None,
            });
            let view = match (&from, step.aliases()) {
                (Some(l), true) => view_place(&step, l, &meta[a0.unwrap_or(0)], &meta[o]),
                _ => None,
            };
            let owns = !step.aliases() || (matches!(step, Step::Reshape) && view.is_none());
            let block = if owns {
                arena.alloc(bytes(o))
            } else {
                NO_BLOCK
            };
            if owns {
                let e = end[root[o] as usize];
                if e != usize::MAX {
                    dying[e.max(i)].push((block, bytes(o)));
                }
            }
            place[o] = match &view {
                Some(l) => Place::Static(l.clone()),
                // A reshape of a value placed at run time may yet be a view.
                None if owns && !(matches!(step, Step::Reshape) && from.is_none()) => {
                    // A result the call returns is computed in the array it
                    // returns (its block stands in where the caller gave none).
                    let j = plan.outputs.iter().position(|&x| x as usize == o);
                    Place::Static(match j {
                        Some(j) => {
                            out_block[j] = block;
                            Loc {
                                root: Root::Output(j as u32),
                                off: 0,
                                strides: c_strides(&meta[o].shape),
                            }
                        }
                        None => Loc {
                            root: Root::Arena,
                            off: block as isize,
                            strides: c_strides(&meta[o].shape),
                        },
                    })
                }
                None => Place::Dynamic,
            };
            // Operands along the result's axes (a store's: along its region).
            let region: Option<Dims> = match &step {
                Step::Scatter { dims, .. } => {
                    let mut r = meta[o].shape.clone();
                    for &(dim, _, len, _) in dims {
                        r[dim as usize] = len;
                    }
                    Some(r)
                }
                _ => None,
            };
            let along = args
                .iter()
                .enumerate()
                .map(|(k, &a)| match &place[a as usize] {
                    Place::Static(l) => {
                        let shape = match (&region, k, &step) {
                            (Some(r), 1, _) => r.as_slice(),
                            // A reduction's operand along its own axes.
                            (_, _, Step::Reduce(..) | Step::FloatSum { .. }) => {
                                meta[a as usize].shape.as_slice()
                            }
                            _ => meta[o].shape.as_slice(),
                        };
                        let am = &meta[a as usize];
                        (am.shape.len() <= shape.len())
                            .then(|| broadcast_strides(shape, &am.shape, &l.strides))
                    }
                    Place::Dynamic => None,
                })
                .collect();
            let overlap = match (&step, &region, &place[o]) {
                (Step::Scatter { dims, .. }, Some(r), Place::Static(base)) => {
                    match &place[args[1] as usize] {
                        Place::Static(v) => {
                            let mut at = base.clone();
                            for &(dim, start, _, st) in dims {
                                let d = dim as usize;
                                at.off += start as isize * at.strides[d] * meta[o].item as isize;
                                at.strides[d] *= st as isize;
                            }
                            let vs =
                                broadcast_strides(r, &meta[args[1] as usize].shape, &v.strides);
                            let v = Loc {
                                strides: vs,
                                ..v.clone()
                            };
                            may_overlap(&at, r, &v, r, meta[o].item)
                        }
                        Place::Dynamic => true,
                    }
                }
                _ => true,
            };
            // A view placed at build time does nothing at run time (a checked
            // conversion still checks; a store still stores).
            let placed = view.is_some()
                && matches!(
                    step,
                    Step::Slice(_) | Step::Permute(_) | Step::Reshape | Step::Alias | Step::Part(_)
                );
            if !placed {
                let region = match (&step, &place[o]) {
                    (Step::Scatter { dims, .. }, Place::Static(base)) => {
                        let base_strides = match &step {
                            Step::Scatter { in_place: true, .. } => base.strides.clone(),
                            _ => c_strides(&meta[o].shape),
                        };
                        Some(region_of(&meta[o], &base_strides, dims))
                    }
                    _ => None,
                };
                let placed_arg = |k: usize| match &place[args[k] as usize] {
                    Place::Static(l) if numel(args[k] as usize) == 1 => Some(Addr::of(l)),
                    _ => None,
                };
                let all =
                    |n: usize| -> Option<SmallVec<[Addr; 3]>> { (0..n).map(placed_arg).collect() };
                let dst = match &place[o] {
                    Place::Static(l) if numel(o) == 1 => Some(Addr::of(l)),
                    _ => None,
                };
                let fast = match (&step, dst) {
                    (Step::Unary(u), Some(d)) => all(1).map(|a| Op::Unary(*u, meta[o].ty, d, a[0])),
                    (Step::Binary(b), Some(d)) => {
                        all(2).map(|a| Op::Binary(*b, meta[args[0] as usize].ty, d, [a[0], a[1]]))
                    }
                    (Step::AddCMul, Some(d)) => {
                        all(3).map(|a| Op::AddCMul(meta[o].ty, d, [a[0], a[1], a[2]]))
                    }
                    (Step::Copy, Some(d)) => all(1).map(|a| Op::Move(meta[o].item, d, a[0])),
                    (Step::Cast, Some(d)) => {
                        all(1).map(|a| Op::Cast(meta[args[0] as usize].ty, meta[o].ty, d, a[0]))
                    }
                    (Step::CheckInt { from, to }, _) => {
                        all(1).map(|a| Op::CheckInt(*from, *to, a[0]))
                    }
                    (Step::Scatter { in_place: true, .. }, _) => {
                        match (&place[o], &region, placed_arg(1)) {
                            (Place::Static(base), Some((r, _, off)), Some(v))
                                if r.iter().product::<i64>() == 1 && !overlap =>
                            {
                                let at = Addr::of(&Loc {
                                    off: base.off + off,
                                    ..base.clone()
                                });
                                Some(Op::Move(meta[o].item, at, v))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                op_instr.push(i as u32);
                match fast {
                    Some(op) => ops.push(op),
                    None => {
                        ops.push(Op::General(execs.len() as u32));
                        execs.push(Exec {
                            instr: i,
                            step,
                            out: *out,
                            block,
                            along,
                            overlap,
                            strides: c_strides(&meta[o].shape),
                            region,
                            args: args.clone(),
                        });
                    }
                }
            }
            for (at, n) in std::mem::take(&mut dying[i]) {
                arena.release(at, n);
            }
        }
        let mut readers: Vec<SmallVec<[u32; 2]>> = vec![SmallVec::new(); n];
        for (i, Instr::Op { args, .. }) in plan.instrs.iter().enumerate() {
            for &a in args {
                readers[a as usize].push(i as u32);
            }
        }
        let outputs: Vec<u32> = plan.outputs.clone();
        let (ops, op_instr, regions) = regions_of(
            ops,
            op_instr,
            &execs,
            &meta,
            &place,
            &out_block,
            |s: u32, members: &[u32]| {
                !outputs.contains(&s)
                    && root[s as usize] == s
                    && readers[s as usize].iter().all(|i| members.contains(i))
            },
            &mut arena,
        );
        let execs_use_blas = execs.iter().any(|e| matches!(e.step, Step::MatMul(_)));
        Machine {
            meta,
            kinds,
            out_block,
            regions,
            ops,
            op_instr,
            execs,
            place,
            root,
            arena_bytes: arena.top,
            scratch: Mutex::new(None),
            one_thread: execs_use_blas,
        }
    }

    /// The most elements one of our loops walks whole (outside regions,
    /// which go a tile at a time): past libtorch's grain size its kernels,
    /// vectorized for every layout, are the safer choice.
    pub fn largest_loop(&self) -> i64 {
        let in_region: Vec<usize> = self
            .regions
            .iter()
            .flat_map(|r| r.members.iter().map(|&e| self.execs[e as usize].instr))
            .collect();
        self.kinds
            .iter()
            .enumerate()
            .filter(|(i, _)| !in_region.contains(i))
            .map(|(_, &(_, n))| n)
            .max()
            .unwrap_or(0)
    }

    /// Each region: its instructions (indices into the plan), its elements,
    /// which of them keep their result one tile at a time, and which compute
    /// one element per row.
    pub fn regions(&self) -> Vec<(Vec<usize>, usize, Vec<bool>, Vec<bool>)> {
        self.regions
            .iter()
            .map(|r| {
                (
                    r.members
                        .iter()
                        .map(|&e| self.execs[e as usize].instr)
                        .collect(),
                    r.numel,
                    r.tile_at.iter().map(|&t| t != NO_BLOCK).collect(),
                    r.col.clone(),
                )
            })
            .collect()
    }

    pub fn arena_bytes(&self) -> usize {
        self.arena_bytes
    }

    fn scratch(&self) -> Scratch {
        Scratch {
            arena: vec![Line([0; 64]); self.arena_bytes.div_ceil(64)],
            vals: vec![Val::default(); self.meta.len()],
        }
    }

    /// Run `plan` (the plan this machine was built for): as `Plan::run_into`.
    fn run_plan(
        &self,
        plan: &Plan,
        inputs: Vec<Tensor>,
        outs: &[Option<Tensor>],
    ) -> Result<Vec<Tensor>, PlanError> {
        let mut held = self.scratch.try_lock().ok();
        let mut scratch = held
            .as_mut()
            .and_then(|g| g.take())
            .unwrap_or_else(|| self.scratch());
        let result = self.execute(plan, &inputs, outs, &mut scratch);
        if let Some(g) = held.as_mut() {
            **g = Some(scratch);
        }
        result
    }

    fn execute(
        &self,
        plan: &Plan,
        inputs: &[Tensor],
        outs: &[Option<Tensor>],
        scratch: &mut Scratch,
    ) -> Result<Vec<Tensor>, PlanError> {
        let base = scratch.arena.as_mut_ptr() as usize;
        let vals = &mut scratch.vals;
        let mut bases: SmallVec<[usize; 8]> = SmallVec::with_capacity(inputs.len());
        for (k, t) in inputs.iter().enumerate() {
            let m = &self.meta[k];
            if t.kind() != m.kind || t.device() != tch::Device::Cpu {
                return Err(PlanError::Input(format!(
                    "input {k} is not a CPU {:?} tensor",
                    m.kind
                )));
            }
            bases.push(t.data_ptr() as usize);
            if let Place::Dynamic = self.place[k] {
                vals[k] = Val {
                    ptr: t.data_ptr() as usize,
                    strides: t.stride().iter().map(|&x| x as isize).collect(),
                };
            }
        }
        let out_ptrs: SmallVec<[usize; 4]> = self
            .out_block
            .iter()
            .enumerate()
            .map(|(j, &b)| match outs.get(j) {
                _ if b == NO_BLOCK => 0,
                Some(Some(t)) if t.is_contiguous() => t.data_ptr() as usize,
                _ => base.wrapping_add(b),
            })
            .collect();
        let env = Env {
            base,
            inputs: &bases,
            outs: &out_ptrs,
        };
        let mut written: SmallVec<[(Tensor, Option<Tensor>, bool); 2]> = plan
            .written_inputs
            .iter()
            .map(|&(_, slot, _)| (inputs[slot as usize].shallow_clone(), None, false))
            .collect();
        let mut pending = plan.written_inputs.len();
        // Tensors libtorch made that values still point into (copies of
        // operands it cannot view): kept to the end of the run.
        let mut keep: Vec<Tensor> = vec![];
        let mut timed: Option<(std::time::Instant, usize)> = None;
        for (i, (op, &instr)) in self.ops.iter().zip(&self.op_instr).enumerate() {
            if let Some(t) = crate::profile::start() {
                if let Some((t0, j)) = timed.replace((t, i)) {
                    crate::profile::record(Some(t0), || self.op_label(plan, j));
                }
            }
            if pending > 0 {
                for (w, &(at, _, snapshot)) in written.iter_mut().zip(&plan.written_inputs) {
                    if at <= instr as usize && !w.2 {
                        w.2 = true;
                        pending -= 1;
                        if snapshot {
                            match w.0.f_to_dtype(w.0.kind(), false, true) {
                                Ok(t) => w.1 = Some(t),
                                Err(e) => return Err(restore(&written, e.into())),
                            }
                        }
                    }
                }
            }
            let at = |a: Addr| -> usize {
                let root = match a.root {
                    0 => env.base,
                    1 => 0,
                    k if k & OUTPUT_TAG != 0 => env.outs[(k & !OUTPUT_TAG) as usize],
                    k => env.inputs[k as usize - 2],
                };
                (root as isize).wrapping_add(a.off) as usize
            };
            // SAFETY: each address is one live element of its static type
            // (placed when the plan was built).
            unsafe {
                match *op {
                    Op::Unary(u, ty, o, a) => {
                        narrow::unary(u, ty, raw(at(o), &[]), raw(at(a), &[]));
                        continue;
                    }
                    Op::Binary(b, ty, o, [x, y]) => {
                        narrow::binary(
                            b,
                            ty,
                            raw(at(o), &[]),
                            raw(at(x), &[]),
                            raw(at(y), &[]),
                        );
                        continue;
                    }
                    Op::AddCMul(ty, o, [x, y, z]) => {
                        narrow::addcmul(
                            ty,
                            raw(at(o), &[]),
                            raw(at(x), &[]),
                            raw(at(y), &[]),
                            raw(at(z), &[]),
                        );
                        continue;
                    }
                    Op::Move(item, o, a) => {
                        std::ptr::copy_nonoverlapping(at(a) as *const u8, at(o) as *mut u8, item);
                        continue;
                    }
                    Op::Cast(from, to, o, a) => {
                        narrow::cast(from, to, raw(at(o), &[]), raw(at(a), &[]));
                        continue;
                    }
                    Op::CheckInt(from, to, a) => {
                        if let Err(e) = check_int_value(read_int_value(at(a), from), from, to) {
                            return Err(restore(&written, e));
                        }
                        continue;
                    }
                    Op::General(_) => {}
                    Op::Region(r) => {
                        self.run_region(&self.regions[r as usize], plan, &env, vals);
                        continue;
                    }
                }
            }
            let Op::General(k) = *op else { continue };
            let ex = &self.execs[k as usize];
            let Instr::Op { op, args, .. } = &plan.instrs[ex.instr];
            match self.step(ex, op, args, &env, vals, &mut keep) {
                Ok(Some(v)) => vals[ex.out as usize] = v,
                Ok(None) => {}
                Err(e) => return Err(restore(&written, e)),
            }
        }
        if let Some((t0, j)) = timed {
            crate::profile::record(Some(t0), || self.op_label(plan, j));
        }
        plan.outputs
            .iter()
            .enumerate()
            .map(|(j, &o)| {
                let m = &self.meta[o as usize];
                let (ptr, strides) = self.at(o, &env, vals);
                if let Some(Some(t)) = outs.get(j) {
                    if t.data_ptr() as usize != ptr {
                        let st: Strides = t.stride().iter().map(|&x| x as isize).collect();
                        // SAFETY: `t` is the caller's fresh array of this shape and kind.
                        unsafe {
                            kernels::copy(
                                &m.shape,
                                m.item,
                                raw(t.data_ptr() as usize, &st),
                                raw(ptr, strides),
                            )
                        };
                    }
                    return Ok(t.shallow_clone());
                }
                let r = self.root[o as usize] as usize;
                if r < inputs.len() && !plan.copy_out[j] {
                    let t = &inputs[r];
                    let st: Strides = t.stride().iter().map(|&x| x as isize).collect();
                    if t.data_ptr() as usize == ptr
                        && st.as_slice() == strides
                        && t.size() == m.shape.as_slice()
                    {
                        return Ok(t.shallow_clone());
                    }
                }
                let t = Tensor::f_empty(m.shape.as_slice(), (m.kind, tch::Device::Cpu))?;
                let st = c_strides(&m.shape);
                // SAFETY: `t` is fresh, of this shape and kind.
                unsafe {
                    kernels::copy(
                        &m.shape,
                        m.item,
                        raw(t.data_ptr() as usize, &st),
                        raw(ptr, strides),
                    )
                };
                Ok(t)
            })
            .collect()
    }

    /// The profile's label of the `i`th operation.
    fn op_label(&self, plan: &Plan, i: usize) -> String {
        match self.ops[i] {
            Op::General(k) => {
                let Instr::Op { op, .. } = &plan.instrs[self.execs[k as usize].instr];
                crate::profile::label("native ", op)
            }
            Op::Region(r) => format!(
                "native region of {}",
                self.regions[r as usize].members.len()
            ),
            Op::CheckInt(..) => "native scalar CheckInt".into(),
            ref o => crate::profile::label("native scalar ", o),
        }
    }

    /// A value's first element and strides.
    #[inline(always)]
    fn at<'a>(&'a self, s: u32, env: &Env, vals: &'a [Val]) -> (usize, &'a [isize]) {
        match &self.place[s as usize] {
            Place::Static(l) => {
                let root = match l.root {
                    Root::Input(k) => env.inputs[k as usize],
                    Root::Arena => env.base,
                    Root::Abs => 0,
                    Root::Output(j) => env.outs[j as usize],
                };
                ((root as isize).wrapping_add(l.off) as usize, &l.strides)
            }
            Place::Dynamic => {
                let v = &vals[s as usize];
                (v.ptr, &v.strides)
            }
        }
    }

    /// One instruction; its result's value where the value table holds it.
    fn step(
        &self,
        ex: &Exec,
        op: &Prim,
        args: &[u32],
        env: &Env,
        vals: &[Val],
        keep: &mut Vec<Tensor>,
    ) -> Result<Option<Val>, PlanError> {
        let out = ex.out as usize;
        let m = &self.meta[out];
        let shape = m.shape.as_slice();
        let argm = |k: usize| &self.meta[args[k] as usize];
        let dest = match &self.place[out] {
            Place::Static(Loc {
                root: Root::Output(j),
                ..
            }) => env.outs[*j as usize],
            _ => env.base.wrapping_add(ex.block),
        };
        let cs = || ex.strides.clone();
        // Operand k: its first element, and its strides along `along_shape`.
        let opnd = |k: usize, along_shape: &[i64]| -> (usize, Along) {
            let (p, st) = self.at(args[k], env, vals);
            let along = match &ex.along[k] {
                Some(a) => Along::Known(a),
                None => Along::Now(broadcast_strides(along_shape, &argm(k).shape, st)),
            };
            (p, along)
        };
        let dynamic = matches!(self.place[out], Place::Dynamic);
        let own = |ptr: usize| Some(Val { ptr, strides: cs() });
        // SAFETY (every unsafe block below): values address live memory of
        // their static type and shape (inputs, constants, or arena blocks sized
        // for them that no live value shares); a result's block is its own.
        Ok(match &ex.step {
            Step::Slice(_) | Step::Permute(_) | Step::Alias | Step::Part(_) => {
                let (p, st) = self.at(args[0], env, vals);
                let from = Loc {
                    root: Root::Abs,
                    off: p as isize,
                    strides: st.iter().copied().collect(),
                };
                let l = view_place(&ex.step, &from, argm(0), m).ok_or_else(|| internal("view"))?;
                Some(Val {
                    ptr: l.off as usize,
                    strides: l.strides,
                })
            }
            Step::Reshape => {
                let (p, st) = self.at(args[0], env, vals);
                match (dynamic, view_strides(&argm(0).shape, st, shape)) {
                    (true, Some(strides)) => Some(Val { ptr: p, strides }),
                    _ => {
                        let a = argm(0);
                        unsafe {
                            kernels::copy(
                                &a.shape,
                                m.item,
                                raw(dest, &c_strides(&a.shape)),
                                raw(p, st),
                            )
                        };
                        dynamic.then(|| own(dest)).flatten()
                    }
                }
            }
            Step::CheckInt { from, to } => {
                let (p, st) = self.at(args[0], env, vals);
                let v = unsafe { read_int_value(p, *from) };
                check_int_value(v, *from, *to)?;
                dynamic.then(|| Val {
                    ptr: p,
                    strides: st.iter().copied().collect(),
                })
            }
            Step::Unary(u) => {
                let (p, a) = opnd(0, shape);
                unsafe { wide::unary(*u, m.ty, shape, raw(dest, &ex.strides), raw(p, &a)) };
                None
            }
            Step::Binary(b) => {
                let ((p, a), (q, c)) = (opnd(0, shape), opnd(1, shape));
                unsafe {
                    wide::binary(
                        *b,
                        argm(0).ty,
                        shape,
                        raw(dest, &ex.strides),
                        raw(p, &a),
                        raw(q, &c),
                    )
                };
                None
            }
            Step::ComplexMul => {
                let ((p, a), (q, c)) = (opnd(0, shape), opnd(1, shape));
                let (o, x, y) = (raw(dest, &ex.strides), raw(p, &a), raw(q, &c));
                // SAFETY: as Binary's, over pairs of parts.
                unsafe {
                    if m.kind == Kind::ComplexDouble {
                        kernels::map2(shape, o, x, y, |[ar, ai]: [f64; 2], [br, bi]: [f64; 2]| {
                            [ar.mul_add(br, -(ai * bi)), ar.mul_add(bi, ai * br)]
                        })
                    } else {
                        // float32 parts: the product is exact in float64, one
                        // rounding from there (as libtorch's path computes it).
                        kernels::map2(shape, o, x, y, |[ar, ai]: [f32; 2], [br, bi]: [f32; 2]| {
                            let (ar, ai, br, bi) = (ar as f64, ai as f64, br as f64, bi as f64);
                            let (ii, ir) = ((ai * bi) as f32 as f64, (ai * br) as f32 as f64);
                            [(ar * br - ii) as f32, (ar * bi + ir) as f32]
                        })
                    }
                }
                None
            }
            Step::AddCMul => {
                let ((p, a), (q, b), (r, c)) = (opnd(0, shape), opnd(1, shape), opnd(2, shape));
                let o = raw(dest, &ex.strides);
                let (x, y, z) = (raw(p, &a), raw(q, &b), raw(r, &c));
                unsafe { wide::addcmul(m.ty, shape, o, x, y, z) };
                None
            }
            Step::Where => {
                let ((p, c), (q, a), (r, b)) = (opnd(0, shape), opnd(1, shape), opnd(2, shape));
                unsafe {
                    kernels::select(
                        shape,
                        m.item,
                        raw(dest, &ex.strides),
                        raw(p, &c),
                        raw(q, &a),
                        raw(r, &b),
                    )
                };
                None
            }
            Step::Copy => {
                let (p, a) = opnd(0, shape);
                unsafe { kernels::copy(shape, m.item, raw(dest, &ex.strides), raw(p, &a)) };
                None
            }
            Step::Cast => {
                let (p, a) = opnd(0, shape);
                unsafe { wide::cast(argm(0).ty, m.ty, shape, raw(dest, &ex.strides), raw(p, &a)) };
                None
            }
            Step::Scatter { dims, in_place } => {
                let (bp, bst): (usize, Strides) = if *in_place {
                    let (p, st) = self.at(args[0], env, vals);
                    (p, st.iter().copied().collect())
                } else {
                    let (p, a) = opnd(0, shape);
                    unsafe { kernels::copy(shape, m.item, raw(dest, &ex.strides), raw(p, &a)) };
                    (dest, cs())
                };
                let now;
                let (region, strides, offset) = match &ex.region {
                    Some((r, st, off)) => (r, st, *off),
                    None => {
                        now = region_of(m, &bst, dims);
                        (&now.0, &now.1, now.2)
                    }
                };
                let at = (bp as isize).wrapping_add(offset) as usize;
                let (vp, vs) = opnd(1, region);
                let overlap = ex.overlap && {
                    let (lo, hi) = kernels::extent(at as *const u8, region, strides, m.item);
                    let (vlo, vhi) = kernels::extent(vp as *const u8, region, &vs, m.item);
                    vlo < hi && lo < vhi
                };
                if overlap {
                    // The value overlaps the region it is stored into: copy it first.
                    let tmp = Tensor::f_empty(region.as_slice(), (m.kind, tch::Device::Cpu))?;
                    let ts = c_strides(region);
                    unsafe {
                        kernels::copy(
                            region,
                            m.item,
                            raw(tmp.data_ptr() as usize, &ts),
                            raw(vp, &vs),
                        );
                        kernels::copy(
                            region,
                            m.item,
                            raw(at, strides),
                            raw(tmp.data_ptr() as usize, &ts),
                        );
                    }
                } else {
                    unsafe { kernels::copy(&region, m.item, raw(at, &strides), raw(vp, &vs)) };
                }
                dynamic.then_some(Val {
                    ptr: bp,
                    strides: bst,
                })
            }
            Step::Concat(axis) => {
                let o = cs();
                let mut offset = 0isize;
                for k in 0..args.len() {
                    let am = argm(k);
                    let (p, st) = self.at(args[k], env, vals);
                    let at = dest as isize + offset * o[*axis] * m.item as isize;
                    unsafe { kernels::copy(&am.shape, m.item, raw(at as usize, &o), raw(p, st)) };
                    offset += am.shape[*axis] as isize;
                }
                None
            }
            Step::MatMul(beta) => {
                let ((p, sa), (q, sb)) = (self.at(args[0], env, vals), self.at(args[1], env, vals));
                let (ma, mb) = (argm(0), argm(1));
                let blas = crate::torch::blas::numpy_blas();
                match (
                    blas,
                    crate::torch::blas::blas_layout(&ma.shape, sa),
                    crate::torch::blas::blas_layout(&mb.shape, sb),
                ) {
                    (Some(blas), Some(la), Some(lb)) => {
                        if beta.is_some() {
                            let (r, c) = opnd(2, shape);
                            unsafe {
                                kernels::copy(shape, m.item, raw(dest, &ex.strides), raw(r, &c))
                            };
                        }
                        let [rows, cols] = [shape[0], shape[1]];
                        // SAFETY: BLAS reads the operands as their layouts say
                        // and writes the result's own C-ordered block.
                        unsafe {
                            crate::torch::blas::gemm_raw(
                                blas,
                                m.ty == Ty::F64,
                                [rows, cols, ma.shape[1]],
                                1.0,
                                (p as *const u8, la),
                                (q as *const u8, lb),
                                beta.unwrap_or(0.0),
                                (dest as *mut u8, cols.max(1)),
                            )
                        };
                        None
                    }
                    _ => self.torch(op, args, m, dest, env, vals, keep)?,
                }
            }
            Step::Reduce(red, acc) => {
                let (p, st) = self.at(args[0], env, vals);
                let a = argm(0);
                let n_out = shape.iter().product::<i64>().max(0) as usize;
                unsafe {
                    wide::reduce(
                        *red,
                        a.ty,
                        m.ty,
                        &a.shape,
                        n_out,
                        raw(dest, acc),
                        raw(p, st),
                    )
                };
                None
            }
            Step::FloatSum {
                reduced,
                mean,
                buffered,
                view,
                plan,
            } => {
                let (p, st) = self.at(args[0], env, vals);
                let made;
                let plan = match plan {
                    Some(plan) => plan.as_ref(),
                    None => {
                        let layout = match args.get(1) {
                            Some(&a) => {
                                let (_, ls) = self.at(a, env, vals);
                                Some((&self.meta[a as usize].shape[..], ls, &view[..]))
                            }
                            None => None,
                        };
                        made = sum_plan(&argm(0).shape, st, layout, reduced, *mean, *buffered);
                        match &made {
                            Some(plan) => plan,
                            None => return self.torch(op, args, m, dest, env, vals, keep),
                        }
                    }
                };
                // SAFETY: the plan walks the operand's own shape and strides;
                // the result's block holds its `n_out` elements.
                unsafe {
                    if m.ty == Ty::F64 {
                        plan.run_raw::<f64>(p as *const f64, dest as *mut f64)
                    } else {
                        plan.run_raw::<f32>(p as *const f32, dest as *mut f32)
                    }
                }
                None
            }
            Step::Dot(mnk) => {
                let ((p, sa), (q, sb)) = (self.at(args[0], env, vals), self.at(args[1], env, vals));
                let two = |st: &[isize], row: bool| -> [isize; 2] {
                    match st {
                        [r, c] => [*r, *c],
                        [v] if row => [0, *v],
                        [v] => [*v, 0],
                        _ => [0, 0],
                    }
                };
                let os: [isize; 2] = match (argm(0).shape.len(), argm(1).shape.len()) {
                    (2, 2) => [ex.strides[0], ex.strides[1]],
                    (2, _) => [ex.strides[0], 0],
                    (_, 2) => [0, ex.strides[0]],
                    _ => [0, 0],
                };
                unsafe {
                    wide::matmul(
                        m.ty,
                        *mnk,
                        (dest as *mut u8, os),
                        (p as *const u8, two(sa, true)),
                        (q as *const u8, two(sb, false)),
                    )
                };
                None
            }
            Step::Take { dim, size } => {
                let ((p, sa), (q, si)) = (self.at(args[0], env, vals), self.at(args[1], env, vals));
                let (a_shape, i_shape) = (&argm(0).shape, &argm(1).shape);
                let size = *size;
                let item = m.item as isize;
                if a_shape.len() == 1 && size > 0 && matches!(item, 1 | 2 | 4 | 8 | 16) {
                    // A gather from a vector: one element a position, in one
                    // pass over the positions (an out-of-range one is read as
                    // 0; the general path below then reports the first).
                    let s0 = sa[0];
                    let bad = std::cell::Cell::new(false);
                    let (out, positions) = (raw(dest, &ex.strides), raw(q, si));
                    macro_rules! gather {
                        ($t:ty) => {{
                            let src = p as *const $t;
                            // SAFETY: every position read is within the axis;
                            // the result's block holds i_shape's elements.
                            unsafe {
                                kernels::map1(i_shape, out, positions, |v: i64| {
                                    let ok = v < size && v >= -size;
                                    bad.set(bad.get() | !ok);
                                    let v = if !ok {
                                        0
                                    } else if v < 0 {
                                        v + size
                                    } else {
                                        v
                                    };
                                    *src.offset(v as isize * s0)
                                })
                            }
                        }};
                    }
                    match item {
                        1 => gather!(u8),
                        2 => gather!(u16),
                        4 => gather!(u32),
                        8 => gather!(u64),
                        _ => gather!([u64; 2]),
                    }
                    if !bad.get() {
                        return Ok(None);
                    }
                }
                let mut positions =
                    Vec::with_capacity(i_shape.iter().product::<i64>().max(0) as usize);
                // SAFETY: `q` and `si` address operand 1's int64 elements.
                kernels::each_index(i_shape, [si], |[o]| unsafe {
                    positions.push(*(q as *const i64).offset(o))
                });
                if let Some(&bad) = positions.iter().find(|&&v| v >= size || v < -size) {
                    return Err(PlanError::Index(format!(
                        "index {bad} is out of bounds for axis {dim} with size {size}"
                    )));
                }
                // Each position copies one slab (the other axes) of operand 0.
                let slab: Dims = a_shape[..*dim]
                    .iter()
                    .chain(&a_shape[dim + 1..])
                    .copied()
                    .collect();
                let from: Strides = sa[..*dim].iter().chain(&sa[dim + 1..]).copied().collect();
                let k = i_shape.len();
                let to: Strides = ex.strides[..*dim]
                    .iter()
                    .chain(&ex.strides[dim + k..])
                    .copied()
                    .collect();
                let mut j = 0usize;
                kernels::each_index(i_shape, [&ex.strides[*dim..*dim + k]], |[o]| {
                    let v = positions[j];
                    j += 1;
                    let v = if v < 0 { v + size } else { v } as isize;
                    // SAFETY: v is within the axis (checked above); the result's
                    // block holds out_shape's elements at its C strides.
                    unsafe {
                        kernels::copy(
                            &slab,
                            m.item,
                            Raw {
                                ptr: (dest as *mut u8).offset(o * item),
                                strides: &to,
                            },
                            Raw {
                                ptr: (p as *mut u8).offset(v * sa[*dim] * item),
                                strides: &from,
                            },
                        )
                    }
                });
                None
            }
            Step::SearchSorted(right) => {
                let ((p, sa), (q, si)) = (self.at(args[0], env, vals), self.at(args[1], env, vals));
                let (n, v_shape) = (argm(0).shape[0] as usize, &argm(1).shape);
                let (out, values) = (raw(dest, &ex.strides), raw(q, si));
                macro_rules! go {
                    ($t:ty) => {{
                        // SAFETY: operand 0 holds n elements at stride sa[0].
                        let at = |i: usize| unsafe { *(p as *const $t).offset(i as isize * sa[0]) };
                        // SAFETY: the result's block holds v_shape's int64s.
                        unsafe {
                            kernels::map1(v_shape, out, values, |v: $t| {
                                kernels::search_sorted(n, at, v, *right) as i64
                            })
                        }
                    }};
                }
                match argm(0).ty {
                    Ty::F64 => go!(f64),
                    Ty::F32 => go!(f32),
                    _ => go!(i64),
                }
                None
            }
            Step::TorchView => {
                let refs = self.tensors(args, env, vals, keep)?;
                let refs: SmallVec<[&Tensor; 3]> = refs.iter().collect();
                let t = exec_op(op, &refs)?;
                let val = Val {
                    ptr: t.data_ptr() as usize,
                    strides: t.stride().iter().map(|&x| x as isize).collect(),
                };
                keep.push(t);
                Some(val)
            }
            Step::Torch => self.torch(op, args, m, dest, env, vals, keep)?,
        })
    }

    /// The libtorch call, on tensors over the operands' memory, into the
    /// result's block.
    #[allow(clippy::too_many_arguments)]
    fn torch(
        &self,
        op: &Prim,
        args: &[u32],
        m: &Meta,
        dest: usize,
        env: &Env,
        vals: &[Val],
        keep: &mut Vec<Tensor>,
    ) -> Result<Option<Val>, PlanError> {
        let shape = m.shape.as_slice();
        Ok({
            {
                let ts = self.tensors(args, env, vals, keep)?;
                let refs: SmallVec<[&Tensor; 3]> = ts.iter().collect();
                let st: Dims = c_strides(shape).iter().map(|&s| s as i64).collect();
                // SAFETY: the block holds this value's shape and kind, and stays
                // the value's until its last use.
                let target = unsafe {
                    Tensor::f_from_blob(dest as *const u8, shape, &st, m.kind, tch::Device::Cpu)?
                };
                if writes_into(op) {
                    exec_op_into(op, &refs, &target)?;
                } else {
                    let r = exec_op(op, &refs)?;
                    if r.size() != shape || r.kind() != m.kind {
                        return Err(PlanError::Torch(format!(
                            "{op:?} gave {:?}{:?}, the plan has {:?}{:?}",
                            r.kind(),
                            r.size(),
                            m.kind,
                            shape
                        )));
                    }
                    target.shallow_clone().f_copy_(&r)?;
                }
                None
            }
        })
    }

    /// A region, tile by tile; a large one on every core, each thread a
    /// contiguous share of the tiles with tiles of its own.
    fn run_region(&self, r: &Region, plan: &Plan, env: &Env, vals: &[Val]) {
        // A store whose result is a new array: the base copied into it first.
        for &e in &r.members {
            let ex = &self.execs[e as usize];
            if let (
                Step::Scatter {
                    in_place: false, ..
                },
                Some(along),
            ) = (&ex.step, &ex.along[0])
            {
                let Instr::Op { args, .. } = &plan.instrs[ex.instr];
                let m = &self.meta[ex.out as usize];
                let ((dest, _), (base, _)) =
                    (self.at(ex.out, env, vals), self.at(args[0], env, vals));
                // SAFETY: both address a value of the result's shape and kind.
                unsafe {
                    kernels::copy(&m.shape, m.item, raw(dest, &ex.strides), raw(base, along))
                };
            }
        }
        let w = workers();
        let threads = if r.numel < PARALLEL || self.one_thread { 1 } else { w };
        // A closing reduction: each thread's partial starts at the identity.
        let reduction = r.partial.and_then(|at| {
            let ex = &self.execs[*r.members.last()? as usize];
            let Step::Reduce(red, _) = ex.step else {
                return None;
            };
            let Instr::Op { args, .. } = &plan.instrs[ex.instr];
            Some((at, red, self.meta[args[0] as usize].ty, ex))
        });
        if let Some((at, red, from, ex)) = reduction {
            let to = &self.meta[ex.out as usize];
            for k in 0..threads {
                let p = env.base + at + k * r.span;
                // SAFETY: an empty fold only writes the identity into the partial.
                unsafe { wide::reduce(red, from, to.ty, &[0], 1, raw(p, &[0]), raw(p, &[1])) };
            }
        }
        // Units: rows where tiles are whole rows, else elements.
        let unit = r.cols.max(1);
        let (units, per_tile) = (r.numel / unit, r.tile);
        if threads == 1 {
            self.run_tiles(r, plan, env, vals, 0..units, 0);
            return self.join_partials(r, reduction, 1, env, vals);
        }
        // Chunks of tiles taken in turn: a thread the machine delays takes
        // fewer, rather than every other thread waiting for its share.
        let chunk = per_tile * 16;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = |k: usize| loop {
            let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if c * chunk >= units {
                break;
            }
            let range = c * chunk..((c + 1) * chunk).min(units);
            self.run_tiles(r, plan, env, vals, range, k * r.span);
        };
        std::thread::scope(|scope| {
            for k in 1..w {
                let work = &work;
                scope.spawn(move || work(k));
            }
            work(0);
        });
        self.join_partials(r, reduction, threads, env, vals)
    }

    /// A closing reduction's result: the threads' partials folded together.
    fn join_partials(
        &self,
        r: &Region,
        reduction: Option<(usize, Red, Ty, &Exec)>,
        threads: usize,
        env: &Env,
        vals: &[Val],
    ) {
        if let Some((at, red, _, ex)) = reduction {
            let to = &self.meta[ex.out as usize];
            let (dest, _) = self.at(ex.out, env, vals);
            let step = [r.span as isize / to.item as isize];
            // SAFETY: the partials are `threads` elements of the result's
            // type, `span` bytes apart; the result is one element.
            unsafe {
                wide::reduce(
                    red,
                    to.ty,
                    to.ty,
                    &[threads as i64],
                    1,
                    raw(dest, &[0]),
                    raw(env.base + at, &step),
                )
            };
        }
    }

    /// The tiles of `range` (of the region's units: rows or elements), with
    /// this thread's tiles `scratch` bytes into the region's.
    fn run_tiles(
        &self,
        r: &Region,
        plan: &Plan,
        env: &Env,
        vals: &[Val],
        range: std::ops::Range<usize>,
        scratch: usize,
    ) {
        let unit = r.cols.max(1);
        let rank = if r.cols > 0 { 2 } else { 1 };
        // Strides of a tile's operands: whole (the tile's elements), one
        // element, one row; a 1-D tile uses the last of each.
        let (whole, one, row) = ([unit as isize, 1], [0isize, 0], [0isize, 1]);
        let (whole, one, row) = (&whole[2 - rank..], &one[2 - rank..], &row[2 - rank..]);
        let plane_rows = r.lead.last().map_or(usize::MAX, |&b| b.max(1) as usize);
        let mut plane_at: SmallVec<[i64; 4]> = SmallVec::from_elem(0, r.lead.len().saturating_sub(1));
        let mut u0 = range.start;
        while u0 < range.end {
            let len = r.tile.min(range.end - u0).min(plane_rows - u0 % plane_rows);
            let t0 = u0 * unit;
            // The tile's plane (its index over the axes before the last two)
            // and first row in it.
            let (mut plane, r0) = (u0 / plane_rows, (u0 % plane_rows) as isize);
            for (d, i) in plane_at.iter_mut().enumerate().rev() {
                let n = r.lead[d].max(1) as usize;
                *i = (plane % n) as i64;
                plane /= n;
            }
            // Elements from an operand's first to the tile's first row, at
            // its strides along the result, and its strides along the tile.
            let rows_of = |st: &[isize]| -> (isize, usize) {
                let k = st.len();
                let lead: isize = plane_at.iter().zip(st).map(|(&i, &s)| i as isize * s).sum();
                (lead + r0 * st[k - 2], k - 2)
            };
            let dims = [len as i64, r.cols as i64];
            let shape = if rank == 2 { &dims[..] } else { &dims[..1] };
            // Where a store into a view (member `q`) puts the tile: the
            // array stored into (the base itself, or the result with the
            // base copied in before) at the tile's first row.
            let store_at = |e: u32| -> Option<(usize, &[isize])> {
                let ex = &self.execs[e as usize];
                let (_, rs, off) = ex.region.as_ref()?;
                let Step::Scatter { in_place, .. } = ex.step else {
                    return None;
                };
                let Instr::Op { args, .. } = &plan.instrs[ex.instr];
                let (base, _) = self.at(if in_place { args[0] } else { ex.out }, env, vals);
                let (at, k) = rows_of(rs);
                let at = base as isize + off + at * self.meta[ex.out as usize].item as isize;
                Some((at as usize, &rs[k..]))
            };
            for (q, ((&k, &tile), reads)) in r
                .members
                .iter()
                .zip(&r.tile_at)
                .zip(&r.reads)
                .enumerate()
            {
                // A store whose value its producer already put in place.
                if q > 0 && r.forward[q - 1] {
                    continue;
                }
                let ex = &self.execs[k as usize];
                let Instr::Op { args, .. } = &plan.instrs[ex.instr];
                let m = &self.meta[ex.out as usize];
                // A column member computes one element per row of the tile;
                // it reads columns, unless it reduces the rows themselves.
                let col = r.col[q];
                let rows_in = ex.step.reads_rows(col);
                let o = if tile != NO_BLOCK {
                    env.base + tile + scratch
                } else if col {
                    self.at(ex.out, env, vals).0 + u0 * m.item
                } else {
                    self.at(ex.out, env, vals).0 + t0 * m.item
                };
                // Each operand: a tile kept by the region, the tile's
                // elements of a whole value, or one element.
                let opnd = |j: usize| -> (usize, &[isize]) {
                    let a = args[j];
                    let (at, col_tile) = reads[j];
                    if at != NO_BLOCK {
                        let st: &[isize] = match (rows_in, col_tile) {
                            (false, _) => &[1],
                            (true, true) => &[1, 0],
                            (true, false) => whole,
                        };
                        return (env.base + at + scratch, st);
                    }
                    let (p, _) = self.at(a, env, vals);
                    if !rows_in {
                        // One element, or a column's elements of the tile's rows.
                        // Its stride along the last of the rows' axes (the
                        // column is C-ordered over them where they are more
                        // than one: `regions_of`).
                        let k = r.lead.len().saturating_sub(1);
                        return match &ex.along[j] {
                            Some(st) if self.meta[a as usize].shape.iter().product::<i64>() > 1 => {
                                let at = u0 as isize * st[k] * self.meta[a as usize].item as isize;
                                ((p as isize + at) as usize, &st[k..k + 1])
                            }
                            _ => (p, &[0]),
                        };
                    }
                    if rank == 2 {
                        // Rows: the operand's own strides along the result,
                        // from the tile's first row.
                        if let Some(st) = &ex.along[j] {
                            let (at, k) = rows_of(st);
                            let at = at * self.meta[a as usize].item as isize;
                            return ((p as isize + at) as usize, &st[k..]);
                        }
                    }
                    let n = self.meta[a as usize].shape.iter().product::<i64>() as usize;
                    if n == 1 {
                        (p, one)
                    } else if n == r.cols && n != r.numel {
                        (p, row)
                    } else {
                        (p + t0 * self.meta[a as usize].item, whole)
                    }
                };
                let stored = r.forward[q]
                    .then(|| store_at(r.members[q + 1]))
                    .flatten();
                let (shape, out) = match stored {
                    Some((at, st)) => (shape, raw(at, st)),
                    None if col => (&dims[..1], raw(o, &[1])),
                    None => (shape, raw(o, whole)),
                };
                // SAFETY: `regions_of` formed the region only where every
                // operand is C-ordered over the result's shape, one element,
                // or (tiles of rows) any view whose strides are known, and no
                // write meets another instruction's operand elsewhere than at
                // the same element.
                unsafe {
                    match &ex.step {
                        Step::Unary(u) => {
                            let (p, s) = opnd(0);
                            wide::unary(*u, m.ty, shape, out, raw(p, s))
                        }
                        Step::Binary(b) => {
                            let ((p, s), (q, t)) = (opnd(0), opnd(1));
                            let ty = self.meta[args[0] as usize].ty;
                            wide::binary(*b, ty, shape, out, raw(p, s), raw(q, t))
                        }
                        Step::AddCMul => {
                            let ((p, s), (q, t), (w, u)) = (opnd(0), opnd(1), opnd(2));
                            wide::addcmul(m.ty, shape, out, raw(p, s), raw(q, t), raw(w, u))
                        }
                        Step::Where => {
                            let ((p, s), (q, t), (w, u)) = (opnd(0), opnd(1), opnd(2));
                            kernels::select(shape, m.item, out, raw(p, s), raw(q, t), raw(w, u));
                        }
                        Step::Cast => {
                            let (p, s) = opnd(0);
                            let ty = self.meta[args[0] as usize].ty;
                            wide::cast(ty, m.ty, shape, out, raw(p, s))
                        }
                        Step::Copy => {
                            let (p, s) = opnd(0);
                            kernels::copy(shape, m.item, out, raw(p, s))
                        }
                        Step::Reduce(red, _) if col => {
                            let (p, st) = opnd(0);
                            let from = self.meta[args[0] as usize].ty;
                            wide::reduce(*red, from, m.ty, &dims, len, raw(o, &[1, 0]), raw(p, st))
                        }
                        Step::FloatSum { mean, .. } if col => {
                            let (p, st) = opnd(0);
                            let rows = (len, r.cols);
                            if m.ty == Ty::F64 {
                                let src = (p as *const f64, st[0], st[1]);
                                super::sum::row_sums(rows.0, rows.1, src, (o as *mut f64, 1), *mean)
                            } else {
                                let src = (p as *const f32, st[0], st[1]);
                                super::sum::row_sums(rows.0, rows.1, src, (o as *mut f32, 1), *mean)
                            }
                        }
                        Step::Reduce(red, _) => {
                            if let Some(at) = r.partial {
                                let (p, st) = opnd(0);
                                let acc = [0isize; 2];
                                let from = self.meta[args[0] as usize].ty;
                                let part = raw(env.base + at + scratch, &acc[..st.len()]);
                                wide::reduce(*red, from, m.ty, shape, 0, part, raw(p, st))
                            }
                        }
                        Step::Scatter { .. } => {
                            if let Some((at, st)) = store_at(k) {
                                let (p, s) = opnd(1);
                                kernels::copy(shape, m.item, raw(at, st), raw(p, s))
                            }
                        }
                        _ => {}
                    }
                }
            }
            u0 += len;
        }
    }

    /// Tensors over the operands' memory, for a libtorch call.
    fn tensors(
        &self,
        args: &[u32],
        env: &Env,
        vals: &[Val],
        keep: &mut Vec<Tensor>,
    ) -> Result<SmallVec<[Tensor; 3]>, PlanError> {
        args.iter()
            .map(|&a| {
                let (p, st) = self.at(a, env, vals);
                tensor_of(p, st, &self.meta[a as usize], keep)
            })
            .collect()
    }
}

/// An operand's strides along a result: known when the plan was built, or
/// computed now.
enum Along<'a> {
    Known(&'a Strides),
    Now(Strides),
}

impl std::ops::Deref for Along<'_> {
    type Target = [isize];
    fn deref(&self) -> &[isize] {
        match self {
            Along::Known(s) => s,
            Along::Now(s) => s,
        }
    }
}

/// Run-time roots: the arena's start and each input's first element.
struct Env<'a> {
    base: usize,
    inputs: &'a [usize],
    outs: &'a [usize],
}

fn internal(what: &str) -> PlanError {
    PlanError::Torch(format!("native {what}: an operand of an unexpected type"))
}

fn raw(ptr: usize, strides: &[isize]) -> Raw<'_> {
    Raw {
        ptr: ptr as *mut u8,
        strides,
    }
}

/// A tensor over a value's memory (a copy where libtorch cannot hold its
/// strides: negative ones), kept alive in `keep` when it is a copy.
fn tensor_of(
    ptr: usize,
    st: &[isize],
    m: &Meta,
    keep: &mut Vec<Tensor>,
) -> Result<Tensor, PlanError> {
    let empty = m.shape.contains(&0);
    if st.iter().all(|&s| s >= 0) || empty {
        let strides: Dims = if empty {
            c_strides(&m.shape).iter().map(|&s| s as i64).collect()
        } else {
            st.iter().map(|&s| s as i64).collect()
        };
        // SAFETY: the value's elements are live memory for the whole step.
        return Ok(unsafe {
            Tensor::f_from_blob(
                ptr as *const u8,
                &m.shape,
                &strides,
                m.kind,
                tch::Device::Cpu,
            )?
        });
    }
    let t = Tensor::f_empty(m.shape.as_slice(), (m.kind, tch::Device::Cpu))?;
    let cs = c_strides(&m.shape);
    // SAFETY: `t` is fresh, of this shape and kind.
    unsafe {
        kernels::copy(
            &m.shape,
            m.item,
            raw(t.data_ptr() as usize, &cs),
            raw(ptr, st),
        )
    };
    keep.push(t.shallow_clone());
    Ok(t)
}

/// The strides of a view of `shape` over elements laid out as (`from`,
/// `strides`), where one exists (libtorch's `computeStride`).
fn view_strides(from: &[i64], strides: &[isize], shape: &[i64]) -> Option<Strides> {
    let numel: i64 = from.iter().product();
    let mut out: Strides = SmallVec::from_elem(0, shape.len());
    if numel == 0 || from.is_empty() {
        return Some(c_strides(shape));
    }
    let mut view_d = shape.len() as isize - 1;
    let mut chunk_base_stride = *strides.last().unwrap_or(&1);
    let mut tensor_numel = 1i64;
    let mut view_numel = 1i64;
    for d in (0..from.len()).rev() {
        tensor_numel *= from[d];
        if d == 0
            || (from[d - 1] != 1 && strides[d - 1] != tensor_numel as isize * chunk_base_stride)
        {
            while view_d >= 0 && (view_numel < tensor_numel || shape[view_d as usize] == 1) {
                out[view_d as usize] = view_numel as isize * chunk_base_stride;
                view_numel *= shape[view_d as usize];
                view_d -= 1;
            }
            if view_numel != tensor_numel {
                return None;
            }
            if d > 0 {
                chunk_base_stride = strides[d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    if view_d != -1 {
        return None;
    }
    Some(out)
}

/// A scalar's value as `check_int_value` reads it.
///
/// # Safety
/// `ptr` addresses one element of `from`'s storage.
unsafe fn read_int_value(ptr: usize, from: DType) -> IntValue {
    let p = ptr as *const u8;
    match from {
        DType::F64 => IntValue::Float(*(p as *const f64)),
        DType::F32 => IntValue::Float(*(p as *const f32) as f64),
        DType::I64 | DType::U64 => IntValue::Bits(*(p as *const i64)),
        DType::I32 | DType::U32 => IntValue::Bits(*(p as *const i32) as i64),
        DType::I16 | DType::U16 => IntValue::Bits(*(p as *const i16) as i64),
        DType::I8 => IntValue::Bits(*(p as *const i8) as i64),
        DType::U8 | DType::Bool => IntValue::Bits(*p as i64),
        _ => IntValue::Bits(0),
    }
}

/// # Safety
/// As `kernels::map1`.
#[inline(always)]
unsafe fn unary_with<M: kernels::Walk>(u: Un, ty: Ty, shape: &[i64], o: Raw, a: Raw) {
    // libtorch's own functions where found (the same bits as its kernels),
    // else libm's.
    if ty.float() {
        if let Some(f) = u.vmath() {
            if vmath::map(f, ty == Ty::F64, shape, o, a) {
                return;
            }
        }
    }
    macro_rules! float {
        ($t:ty) => {
            match u {
                Un::Neg => M::map1(shape, o, a, |x: $t| -x),
                Un::Abs => M::map1(shape, o, a, |x: $t| x.abs()),
                Un::Square => M::map1(shape, o, a, |x: $t| x * x),
                Un::Sqrt => M::map1(shape, o, a, |x: $t| x.sqrt()),
                Un::Floor => M::map1(shape, o, a, |x: $t| x.floor()),
                Un::Ceil => M::map1(shape, o, a, |x: $t| x.ceil()),
                Un::Trunc => M::map1(shape, o, a, |x: $t| x.trunc()),
                Un::Exp => M::map1(shape, o, a, |x: $t| x.exp()),
                Un::Log => M::map1(shape, o, a, |x: $t| x.ln()),
                Un::Sin => M::map1(shape, o, a, |x: $t| x.sin()),
                Un::Cos => M::map1(shape, o, a, |x: $t| x.cos()),
                Un::Tanh => M::map1(shape, o, a, |x: $t| x.tanh()),
                Un::Expm1 => M::map1(shape, o, a, |x: $t| x.exp_m1()),
                Un::Log1p => M::map1(shape, o, a, |x: $t| x.ln_1p()),
                Un::Not => {}
            }
        };
    }
    macro_rules! int {
        ($t:ty) => {
            match u {
                Un::Neg => M::map1(shape, o, a, |x: $t| x.wrapping_neg()),
                Un::Abs => M::map1(shape, o, a, |x: $t| x.wrapping_abs()),
                Un::Square => M::map1(shape, o, a, |x: $t| x.wrapping_mul(x)),
                _ => {}
            }
        };
    }
    match ty {
        Ty::F64 => float!(f64),
        Ty::F32 => float!(f32),
        Ty::I64 => int!(i64),
        Ty::I32 => int!(i32),
        Ty::I16 => int!(i16),
        Ty::I8 => int!(i8),
        Ty::U8 => match u {
            Un::Neg => M::map1(shape, o, a, |x: u8| x.wrapping_neg()),
            Un::Square => M::map1(shape, o, a, |x: u8| x.wrapping_mul(x)),
            _ => M::map1(shape, o, a, |x: u8| x),
        },
        Ty::Bool => M::map1(shape, o, a, |x: u8| (x == 0) as u8),
        Ty::Bytes => {}
    }
}

/// `s + t1 * t2`, rounded twice (NumPy's multiply, then add).
///
/// # Safety
/// As `kernels::map3`; `ty` is numeric (`step_for` checks).
#[inline(always)]
unsafe fn addcmul_with<M: kernels::Walk>(ty: Ty, shape: &[i64], o: Raw, x: Raw, y: Raw, z: Raw) {
    macro_rules! fma2 {
        ($t:ty, $mul:expr, $add:expr) => {
            M::map3(shape, o, x, y, z, |s: $t, p: $t, q: $t| $add(s, $mul(p, q)))
        };
    }
    match ty {
        Ty::F64 => fma2!(f64, |p: f64, q: f64| p * q, |s: f64, t: f64| s + t),
        Ty::F32 => fma2!(f32, |p: f32, q: f32| p * q, |s: f32, t: f32| s + t),
        Ty::I64 => fma2!(i64, i64::wrapping_mul, i64::wrapping_add),
        Ty::I32 => fma2!(i32, i32::wrapping_mul, i32::wrapping_add),
        Ty::I16 => fma2!(i16, i16::wrapping_mul, i16::wrapping_add),
        Ty::I8 => fma2!(i8, i8::wrapping_mul, i8::wrapping_add),
        Ty::U8 => fma2!(u8, u8::wrapping_mul, u8::wrapping_add),
        Ty::Bool | Ty::Bytes => {}
    }
}

/// # Safety
/// As `kernels::map2`.
#[inline(always)]
unsafe fn binary_with<M: kernels::Walk>(b: Bin, ty: Ty, shape: &[i64], o: Raw, x: Raw, y: Raw) {
    use kernels::pick;
    macro_rules! cmp {
        ($t:ty) => {
            match b {
                Bin::Eq => M::map2(shape, o, x, y, |p: $t, q: $t| (p == q) as u8),
                Bin::Ne => M::map2(shape, o, x, y, |p: $t, q: $t| (p != q) as u8),
                Bin::Lt => M::map2(shape, o, x, y, |p: $t, q: $t| (p < q) as u8),
                Bin::Le => M::map2(shape, o, x, y, |p: $t, q: $t| (p <= q) as u8),
                Bin::Gt => M::map2(shape, o, x, y, |p: $t, q: $t| (p > q) as u8),
                _ => M::map2(shape, o, x, y, |p: $t, q: $t| (p >= q) as u8),
            }
        };
    }
    macro_rules! float {
        ($t:ty) => {
            match b {
                Bin::Add => M::map2(shape, o, x, y, |p: $t, q: $t| p + q),
                Bin::Sub => M::map2(shape, o, x, y, |p: $t, q: $t| p - q),
                Bin::Mul => M::map2(shape, o, x, y, |p: $t, q: $t| p * q),
                Bin::Div => M::map2(shape, o, x, y, |p: $t, q: $t| p / q),
                Bin::FMax { keep_first: true } => M::map2(shape, o, x, y, pick::<$t, true, true>),
                Bin::FMax { keep_first: false } => M::map2(shape, o, x, y, pick::<$t, true, false>),
                Bin::FMin { keep_first: true } => M::map2(shape, o, x, y, pick::<$t, false, true>),
                Bin::FMin { keep_first: false } => M::map2(shape, o, x, y, pick::<$t, false, false>),
                _ => {}
            }
        };
    }
    macro_rules! int {
        ($t:ty) => {
            match b {
                Bin::Add => M::map2(shape, o, x, y, |p: $t, q: $t| p.wrapping_add(q)),
                Bin::Sub => M::map2(shape, o, x, y, |p: $t, q: $t| p.wrapping_sub(q)),
                Bin::Mul => M::map2(shape, o, x, y, |p: $t, q: $t| p.wrapping_mul(q)),
                Bin::Max => M::map2(shape, o, x, y, |p: $t, q: $t| p.max(q)),
                Bin::Min => M::map2(shape, o, x, y, |p: $t, q: $t| p.min(q)),
                Bin::BitAnd => M::map2(shape, o, x, y, |p: $t, q: $t| p & q),
                Bin::BitOr => M::map2(shape, o, x, y, |p: $t, q: $t| p | q),
                Bin::BitXor => M::map2(shape, o, x, y, |p: $t, q: $t| p ^ q),
                _ => {}
            }
        };
    }
    let compare = matches!(b, Bin::Eq | Bin::Ne | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge);
    match ty {
        Ty::F64 if compare => cmp!(f64),
        Ty::F32 if compare => cmp!(f32),
        Ty::I64 if compare => cmp!(i64),
        Ty::I32 if compare => cmp!(i32),
        Ty::I16 if compare => cmp!(i16),
        Ty::I8 if compare => cmp!(i8),
        Ty::U8 | Ty::Bool if compare => cmp!(u8),
        Ty::F64 => float!(f64),
        Ty::F32 => float!(f32),
        Ty::I64 => int!(i64),
        Ty::I32 => int!(i32),
        Ty::I16 => int!(i16),
        Ty::I8 => int!(i8),
        Ty::U8 | Ty::Bool => match b {
            Bin::And => M::map2(shape, o, x, y, |p: u8, q: u8| ((p != 0) & (q != 0)) as u8),
            Bin::Or => M::map2(shape, o, x, y, |p: u8, q: u8| ((p != 0) | (q != 0)) as u8),
            _ => int!(u8),
        },
        Ty::Bytes => {}
    }
}

/// A value read for a cast: exact integers (bool, int, uint8) or floats.
#[derive(Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

/// NumPy's cast between the exact storage types (float to integer excluded:
/// `step_for` leaves it to libtorch's).
///
/// # Safety
/// As `kernels::map1`.
#[inline(always)]
unsafe fn cast_with<M: kernels::Walk>(from: Ty, to: Ty, shape: &[i64], o: Raw, a: Raw) {
    macro_rules! read {
        ($conv:expr) => {
            match from {
                Ty::F64 => M::map1(shape, o, a, |x: f64| $conv(Num::F(x))),
                Ty::F32 => M::map1(shape, o, a, |x: f32| $conv(Num::F(x as f64))),
                Ty::I64 => M::map1(shape, o, a, |x: i64| $conv(Num::I(x))),
                Ty::I32 => M::map1(shape, o, a, |x: i32| $conv(Num::I(x as i64))),
                Ty::I16 => M::map1(shape, o, a, |x: i16| $conv(Num::I(x as i64))),
                Ty::I8 => M::map1(shape, o, a, |x: i8| $conv(Num::I(x as i64))),
                Ty::U8 => M::map1(shape, o, a, |x: u8| $conv(Num::I(x as i64))),
                Ty::Bool => M::map1(shape, o, a, |x: u8| $conv(Num::I((x != 0) as i64))),
                Ty::Bytes => {}
            }
        };
    }
    macro_rules! int_to {
        ($t:ty) => {
            read!(|v: Num| match v {
                Num::I(i) => i as $t,
                Num::F(f) => f as $t,
            })
        };
    }
    match to {
        Ty::F64 => read!(|v: Num| match v {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }),
        // One rounding from the source: integers do not pass through float64.
        Ty::F32 => read!(|v: Num| match v {
            Num::I(i) => i as f32,
            Num::F(f) => f as f32,
        }),
        Ty::I64 => int_to!(i64),
        Ty::I32 => int_to!(i32),
        Ty::I16 => int_to!(i16),
        Ty::I8 => int_to!(i8),
        Ty::U8 => int_to!(u8),
        Ty::Bool => read!(|v: Num| match v {
            Num::I(i) => (i != 0) as u8,
            Num::F(f) => (f != 0.0) as u8,
        }),
        Ty::Bytes => {}
    }
}

/// Fills the result's `n_out` elements with `red`'s identity, then folds the
/// operand (`from`, of `shape`) into them (`to`: the result's type).
///
/// # Safety
/// As `kernels::fold`; `acc` is the result's C-ordered block.
#[inline(always)]
unsafe fn reduce_in(red: Red, from: Ty, to: Ty, shape: &[i64], n_out: usize, acc: Raw, x: Raw) {
    use kernels::{fold, pick};
    unsafe fn fill<R: Copy>(acc: &Raw, n: usize, v: R) {
        std::slice::from_raw_parts_mut(acc.ptr as *mut R, n).fill(v);
    }
    macro_rules! go {
        ($r:ty, $a:ty, $id:expr, $f:expr, $join:expr) => {{
            fill::<$r>(&acc, n_out, $id);
            fold(shape, acc, x, $id, $f, $join)
        }};
    }
    // Integers (and bools) widened into int64 or kept in their own type.
    macro_rules! ints {
        ($a:ty, $id:expr, $op:ident) => {
            if to == Ty::I64 {
                go!(
                    i64,
                    $a,
                    $id,
                    |r: i64, v: $a| r.$op(v as i64),
                    |r: i64, v: i64| r.$op(v)
                )
            } else {
                go!(
                    $a,
                    $a,
                    $id as $a,
                    |r: $a, v: $a| r.$op(v),
                    |r: $a, v: $a| r.$op(v)
                )
            }
        };
    }
    macro_rules! each_int {
        ($id:expr, $op:ident) => {
            match from {
                Ty::I64 => ints!(i64, $id, $op),
                Ty::I32 => ints!(i32, $id, $op),
                Ty::I16 => ints!(i16, $id, $op),
                Ty::I8 => ints!(i8, $id, $op),
                Ty::U8 | Ty::Bool => ints!(u8, $id, $op),
                _ => {}
            }
        };
    }
    // NaN-propagating for floats (`pick`), plain for integers; the identity
    // is the far end of the type.
    macro_rules! extreme {
        ($max:expr) => {{
            macro_rules! float {
                ($t:ty) => {{
                    let id = if $max {
                        <$t>::NEG_INFINITY
                    } else {
                        <$t>::INFINITY
                    };
                    fill::<$t>(&acc, n_out, id);
                    if $max {
                        let run = kernels::Extreme::<$t, true> { id, zero: 0.0 };
                        kernels::fold_by(shape, acc, x, pick::<$t, true, false>, &run)
                    } else {
                        let run = kernels::Extreme::<$t, false> { id, zero: 0.0 };
                        kernels::fold_by(shape, acc, x, pick::<$t, false, false>, &run)
                    }
                }};
            }
            macro_rules! int {
                ($t:ty) => {{
                    let id = if $max { <$t>::MIN } else { <$t>::MAX };
                    let f = |r: $t, v: $t| if $max { r.max(v) } else { r.min(v) };
                    go!($t, $t, id, f, f)
                }};
            }
            match from {
                Ty::F64 => float!(f64),
                Ty::F32 => float!(f32),
                Ty::I64 => int!(i64),
                Ty::I32 => int!(i32),
                Ty::I16 => int!(i16),
                Ty::I8 => int!(i8),
                Ty::U8 => int!(u8),
                _ => {}
            }
        }};
    }
    macro_rules! truth {
        ($any:expr) => {{
            macro_rules! t {
                ($a:ty, $zero:expr) => {
                    if $any {
                        go!(
                            u8,
                            $a,
                            0u8,
                            |r: u8, v: $a| r | (v != $zero) as u8,
                            |r: u8, v: u8| r | v
                        )
                    } else {
                        go!(
                            u8,
                            $a,
                            1u8,
                            |r: u8, v: $a| r & (v != $zero) as u8,
                            |r: u8, v: u8| r & v
                        )
                    }
                };
            }
            match from {
                Ty::F64 => t!(f64, 0.0),
                Ty::F32 => t!(f32, 0.0),
                Ty::I64 => t!(i64, 0),
                Ty::I32 => t!(i32, 0),
                Ty::I16 => t!(i16, 0),
                Ty::I8 => t!(i8, 0),
                Ty::U8 | Ty::Bool => t!(u8, 0),
                Ty::Bytes => {}
            }
        }};
    }
    match red {
        Red::Sum => each_int!(0, wrapping_add),
        Red::Prod => each_int!(1, wrapping_mul),
        Red::Max => extreme!(true),
        Red::Min => extreme!(false),
        Red::Any => truth!(true),
        Red::All => truth!(false),
    }
}

/// `kernels::matmul` in `ty`'s arithmetic (integers wrap).
///
/// # Safety
/// As `kernels::matmul`.
#[inline(always)]
unsafe fn matmul_in(
    ty: Ty,
    mnk: [usize; 3],
    o: (*mut u8, [isize; 2]),
    a: (*const u8, [isize; 2]),
    b: (*const u8, [isize; 2]),
) {
    macro_rules! int {
        ($t:ty) => {
            kernels::matmul(
                mnk,
                o,
                a,
                b,
                0 as $t,
                <$t>::wrapping_mul,
                <$t>::wrapping_add,
            )
        };
    }
    match ty {
        Ty::F64 => kernels::matmul(mnk, o, a, b, 0.0f64, |p, q| p * q, |p, q| p + q),
        Ty::F32 => kernels::matmul(mnk, o, a, b, 0.0f32, |p, q| p * q, |p, q| p + q),
        Ty::I64 => int!(i64),
        Ty::I32 => int!(i32),
        Ty::I16 => int!(i16),
        Ty::I8 => int!(i8),
        Ty::U8 => int!(u8),
        Ty::Bool | Ty::Bytes => {}
    }
}

/// NumPy's order for a float sum of values at `strides`, where the result's
/// layout is C order (a block's); None where it is not. `layout`: the array
/// NumPy iterates, where another (its shape and strides, and the views that
/// make it of the same shape as the values), as `host_sum` reads it.
fn sum_plan(
    shape: &[i64],
    strides: &[isize],
    layout: Option<(&[i64], &[isize], &[ViewStep])>,
    reduced: &[bool],
    mean: bool,
    buffered: bool,
) -> Option<SumPlan> {
    let st: Vec<i64> = strides.iter().map(|&s| s as i64).collect();
    let numpy = match layout {
        Some((base, base_st, view)) => {
            let base_st: Vec<i64> = base_st.iter().map(|&s| s as i64).collect();
            let (s, lst) = replay_view(base, &base_st, view);
            if s == shape {
                lst
            } else {
                st.clone()
            }
        }
        None => st.clone(),
    };
    let plan = SumPlan::new(shape, &st, &numpy, reduced, mean, buffered);
    let mut c = 1i64;
    for a in (0..shape.len()).rev() {
        if reduced[a] {
            continue;
        }
        if shape[a] > 1 && plan.out_strides()[a] != c {
            return None;
        }
        c *= shape[a];
    }
    Some(plan)
}

/// The kernels for one element (no vector width to gain): plain calls.
mod narrow {
    use super::*;
    use kernels::One;

    pub unsafe fn unary(u: Un, ty: Ty, o: Raw, a: Raw) {
        unary_with::<One>(u, ty, &[], o, a)
    }
    pub unsafe fn binary(b: Bin, ty: Ty, o: Raw, x: Raw, y: Raw) {
        binary_with::<One>(b, ty, &[], o, x, y)
    }
    pub unsafe fn addcmul(ty: Ty, o: Raw, x: Raw, y: Raw, z: Raw) {
        addcmul_with::<One>(ty, &[], o, x, y, z)
    }
    pub unsafe fn cast(from: Ty, to: Ty, o: Raw, a: Raw) {
        cast_with::<One>(from, to, &[], o, a)
    }
}

// The kernels over arrays, for `wide`.
#[inline(always)]
unsafe fn unary_in(u: Un, ty: Ty, shape: &[i64], o: Raw, a: Raw) {
    unary_with::<kernels::Arrays>(u, ty, shape, o, a)
}
#[inline(always)]
unsafe fn binary_in(b: Bin, ty: Ty, shape: &[i64], o: Raw, x: Raw, y: Raw) {
    binary_with::<kernels::Arrays>(b, ty, shape, o, x, y)
}
#[inline(always)]
unsafe fn addcmul_in(ty: Ty, shape: &[i64], o: Raw, x: Raw, y: Raw, z: Raw) {
    addcmul_with::<kernels::Arrays>(ty, shape, o, x, y, z)
}
#[inline(always)]
unsafe fn cast_in(from: Ty, to: Ty, shape: &[i64], o: Raw, a: Raw) {
    cast_with::<kernels::Arrays>(from, to, shape, o, a)
}

/// The kernels over arrays: compiled a second time for AVX2 (four float64 a
/// vector instead of SSE2's two), chosen where the CPU has it. No FMA: `s + t1
/// * t2` stays two roundings either way.
mod wide {
    use super::*;

    fn avx2() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx2")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    fn avx512() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
            *ON.get_or_init(|| {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::env::var("NPCOMPILE_AVX512").as_deref() != Ok("0")
            })
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    macro_rules! thrice {
        ($name:ident, $avx:ident, $avx512:ident, $inner:ident, ($($arg:ident: $t:ty),*)) => {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            unsafe fn $avx($($arg: $t),*) {
                $inner($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2")]
            unsafe fn $avx512($($arg: $t),*) {
                $inner($($arg),*)
            }
            pub unsafe fn $name($($arg: $t),*) {
                #[cfg(target_arch = "x86_64")]
                {
                    if avx512() {
                        return $avx512($($arg),*);
                    }
                    if avx2() {
                        return $avx($($arg),*);
                    }
                }
                $inner($($arg),*)
            }
        };
    }

    thrice!(unary, unary_avx2, unary_avx512, unary_in, (u: Un, ty: Ty, shape: &[i64], o: Raw, a: Raw));
    thrice!(binary, binary_avx2, binary_avx512, binary_in, (b: Bin, ty: Ty, shape: &[i64], o: Raw, x: Raw, y: Raw));
    thrice!(addcmul, addcmul_avx2, addcmul_avx512, addcmul_in, (ty: Ty, shape: &[i64], o: Raw, x: Raw, y: Raw, z: Raw));
    thrice!(cast, cast_avx2, cast_avx512, cast_in, (from: Ty, to: Ty, shape: &[i64], o: Raw, a: Raw));
    thrice!(reduce, reduce_avx2, reduce_avx512, reduce_in, (red: Red, from: Ty, to: Ty, shape: &[i64], n_out: usize, acc: Raw, x: Raw));
    thrice!(matmul, matmul_avx2, matmul_avx512, matmul_in, (ty: Ty, mnk: [usize; 3], o: (*mut u8, [isize; 2]), a: (*const u8, [isize; 2]), b: (*const u8, [isize; 2])));
}

/// Groups runs of elementwise instructions into regions (see `Region`):
/// consecutive general instructions whose results have one shape of at least
/// `TILE` elements, each a typed loop over placed operands that are C-ordered
/// over that shape or single elements. A run whose writes meet an operand
/// other than at the same element (a block reused at another offset) stays
/// as it was.
#[allow(clippy::too_many_arguments)]
fn regions_of(
    ops: Vec<Op>,
    op_instr: Vec<u32>,
    execs: &[Exec],
    meta: &[Meta],
    place: &[Place],
    out_block: &[usize],
    internal: impl Fn(u32, &[u32]) -> bool,
    arena: &mut Arena,
) -> (Vec<Op>, Vec<u32>, Vec<Region>) {
    let (tiles_base, mut tiles_top) = (arena.top, arena.top);
    // A placed value's first element, in the arena's terms for outputs that
    // may fall back to their block: (root, offset, its place).
    let root_of = |s: u32| -> Option<(Root, isize, &Loc)> {
        let Place::Static(l) = &place[s as usize] else {
            return None;
        };
        Some(match l.root {
            Root::Output(j) => (Root::Arena, out_block[j as usize] as isize + l.off, l),
            r => (r, l.off, l),
        })
    };
    // An operand's or result's bytes: (root, start, end).
    let span = |s: u32| -> Option<(Root, isize, isize)> {
        let (root, off, l) = root_of(s)?;
        let m = &meta[s as usize];
        let (lo, hi) = kernels::extent(off as *const u8, &m.shape, &l.strides, m.item);
        Some((root, lo as isize, hi as isize))
    };
    // Some(true): the instruction reads one row broadcast down its result.
    let tileable = |ex: &Exec, args: &[u32]| -> Option<(Dims, bool)> {
        // A store into a placed view (`v[1:-1, 1:-1] = ...`) of a matrix
        // whose rows fit a tile: each tile of its value goes straight into
        // the view, in tiles of rows (where the result is a new array, the
        // base is copied into it before the region's tiles).
        if let (Step::Scatter { in_place, .. }, Some((r, _, _))) = (&ex.step, &ex.region) {
            let n = r.iter().product::<i64>().max(0) as usize;
            let cols = *r.last().unwrap_or(&1) as usize;
            let ok = r.len() >= 2
                && n >= TILE
                && cols <= TILE
                && !ex.overlap
                && ex.along.get(1).is_some_and(Option::is_some)
                && (*in_place || ex.along.first().is_some_and(Option::is_some))
                && span(args[0]).is_some()
                && span(args[1]).is_some()
                && span(ex.out).is_some();
            return ok.then(|| (r.clone(), true));
        }
        // A reduction of every element (`abs(v - u).max()`), in any order
        // (integer sums, max/min, any/all): folded tile by tile.
        if let Step::Reduce(..) = &ex.step {
            let (a, am) = (args[0], &meta[args[0] as usize]);
            let n = am.shape.iter().product::<i64>().max(0) as usize;
            let cols = *am.shape.last().unwrap_or(&1) as usize;
            let c_ordered = ex.along[0]
                .as_ref()
                .is_some_and(|st| c_ordered(&am.shape, st));
            let rows = !c_ordered && am.shape.len() >= 2 && cols <= TILE && ex.along[0].is_some();
            let ok = meta[ex.out as usize].shape.iter().product::<i64>() == 1
                && n >= TILE
                && (c_ordered || rows)
                && span(a).is_some()
                && span(ex.out).is_some();
            return ok.then(|| (am.shape.clone(), rows));
        }
        let m = &meta[ex.out as usize];
        let n = m.shape.iter().product::<i64>().max(0) as usize;
        if !ex.step.elementwise() || n < TILE || !matches!(place[ex.out as usize], Place::Static(_)) {
            return None;
        }
        let cols = *m.shape.last().unwrap_or(&1) as usize;
        let mut rows = false;
        for (k, &a) in args.iter().enumerate() {
            let na = meta[a as usize].shape.iter().product::<i64>() as usize;
            let one = na == 1;
            let (full, row, strided) = match &ex.along[k] {
                Some(st) => (
                    c_ordered(&m.shape, st),
                    m.shape.len() >= 2
                        && na == cols
                        && cols <= TILE
                        && st.last() == Some(&1)
                        && st[..st.len() - 1].iter().all(|&x| x == 0),
                    // A view of another shape's rows (a stencil's `u[2:, 1:-1]`):
                    // tiles of whole rows walk it with its own strides.
                    m.shape.len() >= 2 && cols <= TILE,
                ),
                None => (false, false, false),
            };
            if !(one || full || row || strided) || span(a).is_none() {
                return None;
            }
            rows |= !one && !full;
        }
        Some((m.shape.clone(), rows))
    };
    // A reduction along the rows of a matrix whose rows fit a tile, to one
    // element per row (`x.max(axis=1, keepdims=True)`; a float sum or mean
    // where NumPy adds each row as one pairwise run): each tile of rows
    // computes its rows' results. The matrix's shape.
    let row_reduce = |ex: &Exec, args: &[u32]| -> Option<Dims> {
        let am = &meta[*args.first()? as usize];
        let (&cols, lead) = am.shape.split_last()?;
        let rows: i64 = lead.iter().product();
        let om = &meta[ex.out as usize];
        // The result's strides along the operand's axes: C order over the
        // rows' axes, 0 along the last.
        let along_rows = |acc: &[isize]| {
            acc.split_last()
                .is_some_and(|(&l, a)| l == 0 && c_ordered(lead, a))
        };
        let ok = !lead.is_empty()
            && match &ex.step {
                Step::Reduce(_, acc) => along_rows(acc),
                Step::FloatSum {
                    reduced,
                    buffered: false,
                    plan: Some(p),
                    ..
                } => {
                    reduced.split_last().is_some_and(|(&l, a)| l && !a.contains(&true))
                        && p.row_pairwise(cols)
                }
                _ => false,
            };
        (ok && is_column(&om.shape, lead)
            && args.len() == 1
            && cols > 1
            && cols as usize <= TILE
            && (rows * cols) as usize >= TILE
            && ex.along[0].is_some()
            && matches!(place[ex.out as usize], Place::Static(_))
            && span(args[0]).is_some()
            && span(ex.out).is_some())
        .then(|| am.shape.clone())
    };
    // Elementwise work on columns of a region whose rows' axes are `lead`
    // (`var + eps` of a row reduction's result): one element per row, of
    // operands of its own shape (C-ordered over more than one axis of rows)
    // or single elements.
    let column = |ex: &Exec, args: &[u32], lead: &[i64]| -> bool {
        let om = &meta[ex.out as usize];
        ex.step.elementwise()
            && is_column(&om.shape, lead)
            && matches!(place[ex.out as usize], Place::Static(_))
            && span(ex.out).is_some()
            && args.iter().enumerate().all(|(j, &a)| {
                let am = &meta[a as usize];
                (am.shape.iter().product::<i64>() == 1 || am.shape == om.shape)
                    && ex.along[j]
                        .as_ref()
                        .is_some_and(|st| lead.len() == 1 || c_ordered(&om.shape, st))
                    && span(a).is_some()
            })
    };
    // Whether `ex`, joining as a column member (`col`) or not, reads the
    // values members produced (`produced`: whether each is a column) as
    // the tiles give them: a column down the rows of a matrix member or
    // along a column member; a matrix only in a matrix member or in the
    // reduction of its rows.
    let reads_fit = |ex: &Exec, col: bool, lead: &[i64], produced: &HashMap<u32, bool>| -> bool {
        let rows_in = ex.step.reads_rows(col);
        let om = &meta[ex.out as usize].shape;
        ex.args
            .iter()
            .zip(&ex.along)
            .all(|(a, along)| match (produced.get(a), along) {
                (None, _) => true,
                // Down the rows: C order over the rows' axes, 0 along the last.
                (Some(true), Some(st)) if rows_in => st
                    .split_last()
                    .is_some_and(|(&l, s)| l == 0 && s.len() == lead.len() && c_ordered(lead, s)),
                (Some(true), Some(st)) => c_ordered(om, st),
                (Some(false), _) => rows_in,
                (Some(true), None) => false,
            })
    };
    // Whether `ex` neither reads what `members` write nor writes what they
    // read or write (every span placed when the plan was built).
    let apart = |ex: &Exec, members: &[u32]| -> bool {
        let meets = |a: Option<(Root, isize, isize)>, b: Option<(Root, isize, isize)>| match (a, b)
        {
            (Some((r1, lo1, hi1)), Some((r2, lo2, hi2))) => r1 == r2 && lo1 < hi2 && lo2 < hi1,
            _ => true,
        };
        let w = span(ex.out);
        let instrs: Vec<u32> = members
            .iter()
            .map(|&m| execs[m as usize].instr as u32)
            .collect();
        // A value the region keeps a tile at a time is never in its block.
        let kept =
            |s: u32| members.iter().any(|&m| execs[m as usize].out == s) && internal(s, &instrs);
        w.is_some()
            && matches!(
                ex.step,
                Step::Unary(_) | Step::Binary(_) | Step::AddCMul | Step::Cast | Step::Copy
            )
            && members.iter().all(|&m| {
                let mx = &execs[m as usize];
                let mw = if kept(mx.out) {
                    Some((Root::Abs, 0, 0))
                } else {
                    span(mx.out)
                };
                !meets(w, mw)
                    && mx.args.iter().all(|&a| kept(a) || !meets(w, span(a)))
                    && ex.args.iter().all(|&a| !meets(span(a), mw))
            })
    };
    let mut out_ops = Vec::with_capacity(ops.len());
    let mut out_instr = Vec::with_capacity(ops.len());
    let mut regions = vec![];
    let mut k = 0;
    while k < ops.len() {
        let start = k;
        let mut shape: Option<Dims> = None;
        let mut rows = false;
        let mut members = vec![];
        // Each member's result, and whether it is a column.
        let mut produced: HashMap<u32, bool> = HashMap::new();
        // Instructions between members that touch nothing the members do
        // (a small operand computed mid-chain): run before the region.
        let mut hoisted = vec![];
        while k < ops.len() {
            let Op::General(e) = ops[k] else { break };
            let ex = &execs[e as usize];
            let args = &ex.args;
            // The region's rows, where its matrix's rows can be reduced
            // and columns computed (two axes, more than one column).
            let matrix_rows: Option<Dims> = shape
                .as_ref()
                .and_then(|s| s.split_last())
                .and_then(|(&c, lead)| (c > 1 && !lead.is_empty()).then(|| lead.into()));
            let reduced_rows = row_reduce(ex, args);
            match tileable(ex, args) {
                Some((s, r))
                    if shape.as_ref().is_none_or(|t| *t == s)
                        && reads_fit(ex, false, s.split_last().map_or(&[], |x| x.1), &produced) =>
                {
                    shape = Some(s);
                    rows |= r;
                    members.push(e);
                    produced.insert(ex.out, false);
                    k += 1;
                    // Its result is whole only after the last tile.
                    if matches!(ex.step, Step::Reduce(..)) {
                        break;
                    }
                }
                // Only work on the region's own columns: a vector of as many
                // elements that does not read one (`y * 0.5` of an argument)
                // may be a row broadcast down the matrix instead.
                _ if matrix_rows.as_deref().is_some_and(|l| column(ex, args, l))
                    && args.iter().any(|a| produced.get(a) == Some(&true))
                    && reads_fit(ex, true, matrix_rows.as_deref().unwrap_or(&[]), &produced) =>
                {
                    rows = true;
                    members.push(e);
                    produced.insert(ex.out, true);
                    k += 1;
                }
                _ if reduced_rows
                    .as_ref()
                    .is_some_and(|s| shape.as_ref().is_none_or(|t| t == s))
                    && reads_fit(
                        ex,
                        true,
                        reduced_rows.as_ref().and_then(|s| s.split_last()).map_or(&[], |x| x.1),
                        &produced,
                    ) =>
                {
                    shape = reduced_rows;
                    rows = true;
                    members.push(e);
                    produced.insert(ex.out, true);
                    k += 1;
                }
                _ if !members.is_empty() && apart(ex, &members) => {
                    hoisted.push(k);
                    k += 1;
                }
                _ => break,
            }
        }
        // Hoisted instructions after the last member stay where they were.
        while hoisted.last().is_some_and(|&h| h + 1 == k) {
            hoisted.pop();
            k -= 1;
        }
        let safe = |members: &[u32]| -> bool {
            // A store's base is whole before the region runs (not a member's).
            let bases_ready = members.iter().all(|&e| {
                let ex = &execs[e as usize];
                !matches!(ex.step, Step::Scatter { .. })
                    || !members.iter().any(|&m| execs[m as usize].out == ex.args[0])
            });
            // One instruction alone is a region where it is a large
            // reduction (its tiles then shared among threads).
            let worth = members.len() > 1
                || members.len() == 1
                    && members.iter().all(|&e| {
                        let ex = &execs[e as usize];
                        matches!(ex.step, Step::Reduce(..))
                            && ex.args.first().is_some_and(|&a| {
                                meta[a as usize].shape.iter().product::<i64>() >= PARALLEL as i64
                            })
                    });
            bases_ready && worth && {
                let mut writes = vec![];
                let mut reads = vec![];
                let instrs: Vec<u32> = members
                    .iter()
                    .map(|&m| execs[m as usize].instr as u32)
                    .collect();
                let kept = |s: u32| {
                    members.iter().any(|&m| execs[m as usize].out == s) && internal(s, &instrs)
                };
                // Each access: the bytes it spans, and where known the
                // element at each index of the region's shape (root, first
                // element, strides): two accesses that meet are safe only
                // where they are the same elements at every index.
                // (Element strides of two sizes over one address are not the
                // same elements: an int64 result over an int8 operand's
                // block would write ahead of what is still to be read.)
                let at = |s: u32, strides: &[isize], off: isize| -> Option<Access> {
                    let (root, base, _) = root_of(s)?;
                    let item = meta[s as usize].item;
                    Some((root, base + off, strides.iter().copied().collect(), item))
                };
                for &e in members {
                    let ex = &execs[e as usize];
                    let m = &meta[ex.out as usize];
                    match (&ex.step, &ex.region) {
                        // A store writes its view of the base.
                        (Step::Scatter { .. }, Some((_, rs, off))) => {
                            writes.extend(span(ex.out).map(|w| (w, at(ex.out, rs, *off))))
                        }
                        // A closing reduction writes its result after the
                        // last tile, when nothing of the region is read (a
                        // reduction along the rows writes its column tile
                        // by tile, as any member).
                        (Step::Reduce(..), _) if produced.get(&ex.out) != Some(&true) => {}
                        _ if !kept(ex.out) => writes
                            .extend(span(ex.out).map(|w| (w, at(ex.out, &c_strides(&m.shape), 0)))),
                        _ => {}
                    }
                    for (k, (&a, along)) in ex.args.iter().zip(&ex.along).enumerate() {
                        let exact = match (&ex.step, k) {
                            // A store into its base does not read it; one
                            // into a new array reads it whole, before the
                            // first tile: nothing of the region may write it.
                            (Step::Scatter { in_place: true, .. }, 0) => continue,
                            (Step::Scatter { .. }, 0) => None,
                            _ if kept(a) => continue,
                            // A member's column is read at the rows of the
                            // tile that wrote it, after it did.
                            _ if produced.get(&a) == Some(&true)
                                && members.iter().any(|&m| execs[m as usize].out == a) =>
                            {
                                continue
                            }
                            _ => along.as_ref().and_then(|st| at(a, st, 0)),
                        };
                        reads.extend(span(a).map(|r| (r, exact)));
                    }
                }
                let meets = |(r1, lo1, hi1): (Root, isize, isize),
                             (r2, lo2, hi2): (Root, isize, isize)| {
                    r1 == r2 && lo1 < hi2 && lo2 < hi1
                };
                let same = |x: &Option<Access>, y: &Option<Access>| {
                    matches!((x, y), (Some(x), Some(y)) if x == y)
                };
                writes.iter().enumerate().all(|(i, (w, wx))| {
                    writes
                        .iter()
                        .enumerate()
                        .all(|(j, (v, vx))| i == j || !meets(*w, *v) || same(wx, vx))
                        && reads.iter().all(|(r, rx)| !meets(*w, *r) || same(wx, rx))
                })
            }
        };
        // A store that would meet what the region reads (an in-place update
        // of the array the chain reads: NumPy computes the whole value
        // first) stays after the region.
        if !safe(&members)
            && members
                .last()
                .is_some_and(|&e| matches!(execs[e as usize].step, Step::Scatter { .. }))
        {
            members.pop();
            k -= 1;
            while hoisted.last().is_some_and(|&h| h + 1 == k) {
                hoisted.pop();
                k -= 1;
            }
        }
        let safe = safe(&members);
        if safe {
            let cols = match (&shape, rows) {
                (Some(s), true) => *s.last().unwrap_or(&1) as usize,
                _ => 0,
            };
            let n = shape.as_ref().map_or(0, |s| s.iter().product::<i64>() as usize);
            // Units (rows or elements) per tile.
            let tile = (TILE_LEN / cols.max(1)).max(1);
            let instrs: Vec<u32> = members
                .iter()
                .map(|&e| execs[e as usize].instr as u32)
                .collect();
            // Tiles of values nothing else reads: arena bytes of their own,
            // above every block (blocks freed by the end of the build may be
            // live while the region runs), shared by every region (one runs
            // at a time): a 50-step stencil's tiles were 12 MB of scratch,
            // walked through every call, past L2.
            arena.top = tiles_base;
            let first = arena.top;
            // A tile's bytes are free again once the last member reading it
            // has run (a 100-step chain needs three tiles, not 100: 3.2 MB
            // of tiles walked per tile of the result was past L2). A result
            // never takes the tile of an operand it reads.
            let producer: HashMap<u32, usize> = members
                .iter()
                .enumerate()
                .map(|(q, &e)| (execs[e as usize].out, q))
                .collect();
            let mut last_read = vec![usize::MAX; members.len()];
            for (q, &e) in members.iter().enumerate() {
                for a in &execs[e as usize].args {
                    if let Some(&p) = producer.get(a) {
                        last_read[p] = q;
                    }
                }
            }
            let col: Vec<bool> = members
                .iter()
                .map(|&e| produced.get(&execs[e as usize].out) == Some(&true))
                .collect();
            let tile_bytes = |q: usize| {
                let per_unit = if col[q] { 1 } else { cols.max(1) };
                tile * per_unit * meta[execs[members[q] as usize].out as usize].item + TILE_SKEW
            };
            let forward: Vec<bool> = (0..members.len())
                .map(|q| {
                    let ex = &execs[members[q] as usize];
                    let Some(next) = members.get(q + 1).map(|&e| &execs[e as usize]) else {
                        return false;
                    };
                    ex.step.elementwise()
                        && !col[q]
                        && !col[q + 1]
                        && matches!(next.step, Step::Scatter { .. })
                        && next.region.is_some()
                        && next.args.get(1) == Some(&ex.out)
                        && last_read[q] == q + 1
                        && internal(ex.out, &instrs)
                        && meta[ex.out as usize].item == meta[next.out as usize].item
                })
                .collect();
            let mut free: Vec<(usize, usize)> = Vec::new();
            let mut tile_at: Vec<usize> = Vec::with_capacity(members.len());
            for (q, &e) in members.iter().enumerate() {
                let ex = &execs[e as usize];
                let at = if forward[q] {
                    NO_BLOCK
                } else if internal(ex.out, &instrs) {
                    // Skewed by a few cache lines: tiles a multiple of
                    // 4 KiB apart alias in L1 (a load waits on the store
                    // to the same offset of another tile), 1.6x slower.
                    let bytes = tile_bytes(q);
                    match free.iter().position(|&(_, b)| b == bytes) {
                        Some(k) => free.swap_remove(k).0,
                        None => arena.alloc_apart(bytes),
                    }
                } else {
                    NO_BLOCK
                };
                tile_at.push(at);
                for (j, a) in ex.args.iter().enumerate() {
                    // Once per operand value (`t * t` reads one tile twice).
                    if ex.args[..j].contains(a) {
                        continue;
                    }
                    if let Some(&p) = producer.get(a) {
                        if last_read[p] == q && tile_at[p] != NO_BLOCK {
                            free.push((tile_at[p], tile_bytes(p)));
                        }
                    }
                }
            }
            // Per member and operand: the tile it reads, or `NO_BLOCK`.
            let reads: Vec<SmallVec<[(usize, bool); 3]>> = members
                .iter()
                .map(|&e| {
                    execs[e as usize]
                        .args
                        .iter()
                        .map(|a| producer.get(a).map_or((NO_BLOCK, false), |&q| (tile_at[q], col[q])))
                        .collect()
                })
                .collect();
            let partial = members.last().and_then(|&e| {
                let ex = &execs[e as usize];
                (matches!(ex.step, Step::Reduce(..)) && !col[col.len() - 1])
                    .then(|| arena.alloc_apart(meta[ex.out as usize].item))
            });
            let span = arena.top - first;
            if n >= PARALLEL {
                // The other threads' tiles.
                arena.alloc_apart(span * (workers() - 1));
            }
            tiles_top = tiles_top.max(arena.top);
            for &h in &hoisted {
                out_ops.push(ops[h]);
                out_instr.push(op_instr[h]);
            }
            out_ops.push(Op::Region(regions.len() as u32));
            out_instr.push(op_instr[start]);
            regions.push(Region {
                members,
                numel: n,
                tile_at,
                reads,
                tile,
                span,
                cols,
                lead: match (&shape, cols) {
                    (Some(s), c) if c > 0 => s[..s.len() - 1].iter().copied().collect(),
                    _ => Dims::new(),
                },
                partial,
                col,
                forward,
            });
        } else if k == start {
            out_ops.push(ops[k]);
            out_instr.push(op_instr[k]);
            k += 1;
        } else {
            for j in start..k {
                out_ops.push(ops[j]);
                out_instr.push(op_instr[j]);
            }
        }
    }
    arena.top = tiles_top;
    (out_ops, out_instr, regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshape_views_where_libtorch_would() {
        // C-ordered: any reshape views.
        assert_eq!(
            view_strides(&[2, 6], &[6, 1], &[3, 4]).unwrap().as_slice(),
            &[4, 1]
        );
        // Every other column of a 4x8 array: rows stay apart, (4, 2, 2) views...
        assert_eq!(
            view_strides(&[4, 4], &[8, 2], &[4, 2, 2])
                .unwrap()
                .as_slice(),
            &[8, 4, 2]
        );
        // ...and so does flattening it (stride 2 throughout); three of every
        // four columns do not flatten.
        assert_eq!(
            view_strides(&[4, 4], &[8, 2], &[16]).unwrap().as_slice(),
            &[2]
        );
        assert!(view_strides(&[4, 3], &[8, 2], &[12]).is_none());
        // A transpose cannot be flattened either; a scalar can be any shape of one.
        assert!(view_strides(&[3, 2], &[1, 3], &[6]).is_none());
        assert_eq!(view_strides(&[], &[], &[1, 1]).unwrap().as_slice(), &[1, 1]);
    }

    #[test]
    fn arena_reuses_freed_blocks_and_merges_neighbours() {
        let mut a = Arena::default();
        let (x, y, z) = (a.alloc(100), a.alloc(64), a.alloc(8));
        assert_eq!((x, y, z), (0, 128, 192));
        a.release(x, 100);
        a.release(y, 64);
        // The two freed neighbours are one block of 192 bytes now.
        assert_eq!(a.alloc(150), 0);
        assert_eq!(a.alloc(0), 0);
        // Apart from every block, however many are free.
        a.release(0, 150);
        assert_eq!(a.alloc_apart(10), 256);
        assert_eq!(a.top, 320);
    }
}


