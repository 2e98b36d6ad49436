//! `CompiledFunction`: the plan cache keyed by call signature, and the call fast path.

use crate::builder::GraphBuilder;
use crate::convert::{leaf_tensor, tensor_out, Flat, KeyPart};
use crate::errors::{ir_err, plan_err, InternalError};
use backends::torch::{lower, LowerOptions, Plan, PlanError};
use ir::DType;
use passes::{optimize, Limits, StageReport};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

use crate::panics::{guard, lock};
use std::time::Instant;

/// How to rebuild the function's return value from the plan's outputs.
enum OutSpec {
    /// `scalar`: a NumPy scalar for a 0-d result; `python`: a Python object
    /// (`.item()`: np.allclose's bool).
    Leaf {
        index: usize,
        scalar: bool,
        python: bool,
    },
    Const(Py<PyAny>),
    /// An array untraced code made while tracing: a copy of it per call.
    Fresh(Py<PyAny>),
    /// A view of NumPy argument `input` (its view steps `path`): NumPy's view
    /// of the caller's array, made after the write-back.
    View(usize, Py<PyAny>),
    Tuple(Vec<OutSpec>),
    /// A named tuple (NumPy's `SlogdetResult`, a user's): its class and fields.
    Named(Py<PyAny>, Vec<OutSpec>),
    List(Vec<OutSpec>),
    Dict(Vec<(Py<PyAny>, OutSpec)>),
}

impl OutSpec {
    /// Parse the tracer's description: ("leaf", i, kind) with kind 0 (an
    /// array), 1 (a NumPy scalar) or 2 (a Python scalar) | ("const", obj) |
    /// ("view", input, path) |
    /// ("tuple", [..]) | ("named", cls, [..]) | ("list", [..]) | ("dict", [keys], [..]).
    fn parse(obj: &Bound<'_, PyAny>) -> PyResult<OutSpec> {
        let tag: String = obj.get_item(0)?.extract()?;
        let items = |i: usize| -> PyResult<Vec<OutSpec>> {
            obj.get_item(i)?
                .try_iter()?
                .map(|x| OutSpec::parse(&x?))
                .collect()
        };
        Ok(match tag.as_str() {
            "leaf" => {
                let kind: i64 = obj.get_item(2)?.extract()?;
                OutSpec::Leaf {
                    index: obj.get_item(1)?.extract()?,
                    scalar: kind >= 1,
                    python: kind == 2,
                }
            }
            "const" => OutSpec::Const(obj.get_item(1)?.unbind()),
            "fresh" => OutSpec::Fresh(obj.get_item(1)?.unbind()),
            "view" => OutSpec::View(obj.get_item(1)?.extract()?, obj.get_item(2)?.unbind()),
            "tuple" => OutSpec::Tuple(items(1)?),
            "named" => OutSpec::Named(obj.get_item(1)?.unbind(), items(2)?),
            "list" => OutSpec::List(items(1)?),
            "dict" => {
                let keys: Vec<Py<PyAny>> = obj
                    .get_item(1)?
                    .try_iter()?
                    .map(|k| Ok(k?.unbind()))
                    .collect::<PyResult<_>>()?;
                OutSpec::Dict(keys.into_iter().zip(items(2)?).collect())
            }
            _ => return Err(InternalError::new_err(format!("bad output spec tag {tag}"))),
        })
    }

    fn build<'py>(
        &self,
        py: Python<'py>,
        outs: &mut Vec<Option<OutValue<'py>>>,
        torch: bool,
        inputs: &dyn Fn(usize) -> Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            OutSpec::Leaf {
                index,
                scalar,
                python,
            } => {
                let value = match outs[*index]
                    .take()
                    .ok_or_else(|| InternalError::new_err("output used twice"))?
                {
                    OutValue::Tensor(t, dtype) => tensor_out(py, t, dtype, torch, *scalar)?,
                    OutValue::Array(a) if *scalar => a.get_item(PyTuple::empty(py))?,
                    OutValue::Array(a) => a,
                };
                if *python {
                    value.call_method0("item")?
                } else {
                    value
                }
            }
            OutSpec::Const(obj) => obj.bind(py).clone(),
            OutSpec::Fresh(obj) => obj.bind(py).call_method0("copy")?,
            OutSpec::View(input, path) => {
                let array = inputs(*input)
                    .ok_or_else(|| InternalError::new_err("a returned view of no input"))?;
                py.import("npcompile._trace")?
                    .getattr("replay_view")?
                    .call1((array, path.bind(py)))?
            }
            OutSpec::Tuple(xs) => {
                let items: Vec<_> = xs
                    .iter()
                    .map(|x| x.build(py, outs, torch, inputs))
                    .collect::<PyResult<_>>()?;
                PyTuple::new(py, items)?.into_any()
            }
            OutSpec::Named(cls, xs) => {
                let items: Vec<_> = xs
                    .iter()
                    .map(|x| x.build(py, outs, torch, inputs))
                    .collect::<PyResult<_>>()?;
                cls.bind(py).call1(PyTuple::new(py, items)?)?
            }
            OutSpec::List(xs) => {
                let items: Vec<_> = xs
                    .iter()
                    .map(|x| x.build(py, outs, torch, inputs))
                    .collect::<PyResult<_>>()?;
                PyList::new(py, items)?.into_any()
            }
            OutSpec::Dict(kv) => {
                let d = PyDict::new(py);
                for (k, v) in kv {
                    d.set_item(k.bind(py), v.build(py, outs, torch, inputs)?)?;
                }
                d.into_any()
            }
        })
    }
}

/// One output of a run: an array NumPy allocated and the plan wrote, or a
/// tensor to hand out.
enum OutValue<'py> {
    Array(Bound<'py, PyAny>),
    Tensor(tch::Tensor, DType),
}

enum RunError {
    Plan(PlanError),
    Py(PyErr),
}

impl From<PyErr> for RunError {
    fn from(e: PyErr) -> Self {
        RunError::Py(e)
    }
}

struct Compiled {
    plan: Arc<Plan>,
    out: OutSpec,
    /// Arrays read from globals and closures, passed as the last inputs.
    captured: Vec<Py<PyAny>>,
    /// Where captured arrays were read from: rebinding one means a new trace.
    guards: Vec<Guard>,
    /// (input, output): the output is the input's new contents, copied into the
    /// caller's memory once the whole plan has run.
    writebacks: Vec<(usize, usize)>,
    /// Warnings NumPy gives on every call of this signature (a complex array
    /// cast to real), re-emitted after each run; `None` where there are none.
    warnings: Option<Py<PyAny>>,
    /// Tensors over the arrays of recent calls: inputs, and output blocks.
    input_views: crate::convert::ViewCache,
    output_views: crate::convert::ViewCache,
}

/// An identity guard: a global name or a closure cell still holds `expected`.
enum Guard {
    Global {
        globals: Py<PyDict>,
        name: Py<PyAny>,
        expected: Py<PyAny>,
    },
    Cell {
        cell: Py<PyAny>,
        expected: Py<PyAny>,
    },
}

impl Guard {
    /// From the tracer's ("global", globals, name, obj) | ("cell", cell, obj).
    fn parse(obj: &Bound<'_, PyAny>) -> PyResult<Guard> {
        let tag: String = obj.get_item(0)?.extract()?;
        Ok(match tag.as_str() {
            "global" => Guard::Global {
                globals: obj.get_item(1)?.cast_into::<PyDict>()?.unbind(),
                name: obj.get_item(2)?.unbind(),
                expected: obj.get_item(3)?.unbind(),
            },
            "cell" => Guard::Cell {
                cell: obj.get_item(1)?.unbind(),
                expected: obj.get_item(2)?.unbind(),
            },
            _ => return Err(InternalError::new_err(format!("bad guard tag {tag}"))),
        })
    }

    fn holds(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(match self {
            Guard::Global {
                globals,
                name,
                expected,
            } => globals
                .bind(py)
                .get_item(name.bind(py))?
                .is_some_and(|v| v.is(expected.bind(py))),
            Guard::Cell { cell, expected } => cell
                .bind(py)
                .getattr("cell_contents")
                .is_ok_and(|v| v.is(expected.bind(py))),
        })
    }
}

enum Entry {
    Compiled(Compiled),
    /// Run the original function under NumPy (the tracer has warned once).
    Fallback,
}

struct CacheEntry {
    entry: Arc<Entry>,
    /// Keeps objects keyed by identity alive.
    _objects: Vec<Py<PyAny>>,
}

#[derive(Default, Clone)]
struct Stats {
    hits: u64,
    misses: u64,
    traces: u64,
    fallbacks: u64,
    /// Calls whose plan found a speculation false (lstsq's full rank) and ran under NumPy.
    deopts: u64,
    compile_seconds: f64,
    limit_warned: bool,
    alias_warned: bool,
}

/// What one trace produced, before caching.
struct Traced {
    graph: ir::Graph,
    out: OutSpec,
    captured: Vec<Py<PyAny>>,
    guards: Vec<Guard>,
    writebacks: Vec<(usize, usize)>,
    warnings: Option<Py<PyAny>>,
}

#[pyclass(module = "npcompile._core", weakref)]
pub struct CompiledFunction {
    func: Py<PyAny>,
    tracer: Py<PyAny>,
    fullgraph: bool,
    cache_limit: usize,
    /// The reason of the latest graph break, for explain.
    last_break: Mutex<String>,
    cache: Mutex<HashMap<Vec<KeyPart>, CacheEntry, crate::convert::FastHash>>,
    stats: Mutex<Stats>,
}

impl CompiledFunction {
    /// Trace once; `None` where the tracer chose to fall back to NumPy.
    fn trace(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: &Bound<'_, PyDict>,
    ) -> PyResult<Option<Traced>> {
        lock(&self.stats).traces += 1;
        let res = self
            .tracer
            .bind(py)
            .call1((self.func.bind(py), args, kwargs, self.fullgraph))?;
        let tag: String = res.get_item(0)?.extract()?;
        if tag == "fallback" {
            *lock(&self.last_break) = res.get_item(1)?.extract()?;
            return Ok(None);
        }
        let builder = res.get_item(1)?;
        let graph = builder.cast::<GraphBuilder>()?.borrow().graph.clone();
        let out = OutSpec::parse(&res.get_item(2)?)?;
        let captured = res
            .get_item(3)?
            .try_iter()?
            .map(|c| Ok(c?.unbind()))
            .collect::<PyResult<_>>()?;
        let guards = res
            .get_item(4)?
            .try_iter()?
            .map(|g| Guard::parse(&g?))
            .collect::<PyResult<_>>()?;
        let writebacks = res.get_item(5)?.extract()?;
        let warnings = res.get_item(6)?;
        let warnings = (warnings.len()? > 0).then(|| warnings.unbind());
        Ok(Some(Traced {
            graph,
            out,
            captured,
            guards,
            writebacks,
            warnings,
        }))
    }

    fn compile(
        py: Python<'_>,
        graph: &ir::Graph,
        flat: &Flat<'_>,
        writebacks: &[(usize, usize)],
        captured: &[Py<PyAny>],
    ) -> PyResult<(Plan, Vec<StageReport>)> {
        let (optimized, reports) = guard("optimize", || optimize(graph, Limits::default()))
            .map_err(InternalError::new_err)?
            .map_err(|e| ir_err(py, e))?;
        let opts = LowerOptions {
            writebacks: writebacks.to_vec(),
            // libtorch refuses in-place writes into tensors that require grad.
            inputs_in_place: !flat.requires_grad(),
            c_ordered_inputs: flat.c_ordered()
                && captured.iter().all(|o| {
                    o.bind(py)
                        .cast::<numpy::PyUntypedArray>()
                        .is_ok_and(|a| numpy::PyUntypedArrayMethods::is_c_contiguous(a))
                }),
        };
        let plan = guard("lower", || lower(&optimized, flat.device(), &opts))
            .map_err(InternalError::new_err)?
            .map_err(|e| ir_err(py, e))?;
        if std::env::var("NPCOMPILE_LOG").is_ok_and(|v| v.split(',').any(|k| k.trim() == "plan")) {
            py.import("npcompile._trace")?
                .getattr("log")?
                .call1(("plan", format!("{}\n{plan}", optimized.name)))?;
        }
        Ok((plan, reports))
    }

    fn tracing(py: Python<'_>) -> PyResult<bool> {
        py.import("npcompile._trace")?
            .getattr("tracing")?
            .call0()?
            .extract()
    }

    /// Warn (or raise, with fullgraph) that this signature runs under NumPy.
    fn compile_failed(&self, py: Python<'_>, e: &PyErr) -> PyResult<()> {
        py.import("npcompile._trace")?
            .getattr("compile_failed")?
            .call1((self.func.bind(py), e.to_string(), self.fullgraph))?;
        Ok(())
    }

    /// Whether arrays the plan writes may share memory with other arguments,
    /// or have elements that share memory among themselves (an `as_strided`
    /// array with a zero stride): the plan writes as if each element were
    /// its own memory.
    fn inputs_alias(&self, py: Python<'_>, c: &Compiled, flat: &Flat<'_>) -> bool {
        let leaves = flat.leaves.iter().map(|(_, o)| o.clone());
        let all: Vec<_> = leaves
            .chain(c.captured.iter().map(|o| o.bind(py).clone()))
            .collect();
        c.writebacks
            .iter()
            .any(|&(input, _)| all.get(input).is_some_and(crate::convert::self_overlaps))
            || crate::convert::any_overlap(all.into_iter())
    }

    fn run(&self, py: Python<'_>, c: &Compiled, flat: &Flat<'_>) -> Result<Py<PyAny>, RunError> {
        for &(input, _) in &c.writebacks {
            // torch refuses to write a leaf that requires grad: say so before running.
            if let Some((crate::convert::LeafKind::Torch, obj)) = flat.leaves.get(input) {
                if obj.getattr("requires_grad")?.is_truthy()? && obj.getattr("is_leaf")?.is_truthy()? {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "a leaf Variable that requires grad is being used in an in-place operation.",
                    )
                    .into());
                }
            }
        }
        let device = c.plan.device;
        let mut keep = vec![];
        let n = flat.leaves.len() + c.captured.len();
        let mut inputs = Vec::with_capacity(n);
        // Per input: the tensor viewing the caller's own memory, where it does.
        let mut callers: Vec<Option<tch::Tensor>> = Vec::with_capacity(n);
        let captured = c.captured.iter().map(|o| {
            let obj = o.bind(py).clone();
            let kind = if crate::convert::torch_tensor(&obj).is_some() {
                crate::convert::LeafKind::Torch
            } else {
                crate::convert::LeafKind::Numpy
            };
            (kind, obj)
        });
        for (j, (kind, obj)) in flat.leaves.iter().cloned().chain(captured).enumerate() {
            let array = (kind == crate::convert::LeafKind::Numpy && device == tch::Device::Cpu)
                .then(|| obj.cast::<numpy::PyUntypedArray>().ok())
                .flatten();
            let (t, zero_copy) = match array.and_then(|a| c.input_views.get(j, a)) {
                Some(t) => (t, true),
                None => {
                    let (t, zero_copy) = leaf_tensor(kind, &obj, device, &mut keep)?;
                    if let (Some(a), true) = (array, zero_copy) {
                        c.input_views.put(j, a, &t);
                    }
                    (t, zero_copy)
                }
            };
            if !c.writebacks.is_empty() {
                callers.push(zero_copy.then(|| t.shallow_clone()));
            }
            inputs.push(t);
        }
        // NumPy arrays out: NumPy allocates them and the plan writes into them.
        let mut arrays: Vec<Option<Bound<'_, PyAny>>> = vec![];
        let mut dests: Vec<Option<tch::Tensor>> = vec![];
        if !flat.torch_out() && device == tch::Device::Cpu {
            let large =
                c.plan
                    .output_types
                    .iter()
                    .zip(&c.plan.output_dtypes)
                    .any(|((_, shape), d)| {
                        shape.iter().product::<i64>() as usize * d.itemsize() >= crate::alloc::LARGE
                    });
            let mut allocate = || -> PyResult<()> {
                for (j, ((kind, shape), dtype)) in c
                    .plan
                    .output_types
                    .iter()
                    .zip(&c.plan.output_dtypes)
                    .enumerate()
                {
                    if c.writebacks.iter().any(|&(_, o)| o == j) {
                        arrays.push(None);
                        dests.push(None);
                        continue;
                    }
                    let (arr, t) =
                        crate::convert::numpy_empty(py, *dtype, *kind, shape, &c.output_views, j)?;
                    arrays.push(Some(arr));
                    dests.push(Some(t));
                }
                Ok(())
            };
            if large {
                crate::alloc::with_block_cache(py, allocate)?;
            } else {
                allocate()?;
            }
        }
        let plan = c.plan.clone();
        let writes = !c.writebacks.is_empty();
        let run = move || {
            guard("run", || plan.run_into(inputs, &dests)).unwrap_or_else(|m| {
                // Arguments written in place may be half updated: not re-run under NumPy.
                Err(if writes { PlanError::InputsWritten(m) } else { PlanError::Torch(m) })
            })
        };
        let outs = if c.plan.small {
            // Microseconds of work: releasing the GIL would cost more.
            run()
        } else {
            py.detach(run)
        }
        .map_err(RunError::Plan)?;
        drop(keep);
        let mut outs: Vec<Option<OutValue<'_>>> = outs
            .into_iter()
            .zip(c.plan.output_dtypes.iter().copied())
            .enumerate()
            .map(|(j, (t, dtype))| {
                Some(match arrays.get_mut(j).and_then(Option::take) {
                    Some(a) => OutValue::Array(a),
                    None => OutValue::Tensor(t, dtype),
                })
            })
            .collect();
        for &(input, output) in &c.writebacks {
            let Some(OutValue::Tensor(value, dtype)) = outs[output].take() else {
                return Err(InternalError::new_err("write-back output used twice").into());
            };
            match &callers[input] {
                Some(target) if backends::torch::same_memory(target, &value) => {}
                Some(target) => {
                    // The new value may be the argument's own memory seen
                    // another way (`a[:] = a.T` on an F-ordered `a`).
                    let value = if crate::convert::tensors_overlap(target, &value) {
                        value
                            .f_to_dtype(value.kind(), false, true)
                            .map_err(crate::errors::tch_err)?
                    } else {
                        value
                    };
                    target
                        .shallow_clone()
                        .f_copy_(&value)
                        .map_err(crate::errors::tch_err)?
                }
                None => {
                    let target = match flat.leaves.get(input) {
                        Some((_, obj)) => obj.clone(),
                        None => c.captured[input - flat.leaves.len()].bind(py).clone(),
                    };
                    write_back(py, &target, value, dtype)?;
                }
            }
        }
        if let Some(w) = &c.warnings {
            py.import("npcompile._trace")?
                .getattr("replay_warnings")?
                .call1((w.bind(py),))?;
        }
        // Input k (an argument, then a captured array): read only for a returned view.
        let n_args = flat.leaves.len();
        let input = |k: usize| match flat.leaves.get(k) {
            Some((_, o)) => Some(o.clone()),
            None => c.captured.get(k - n_args).map(|o| o.bind(py).clone()),
        };
        Ok(c.out.build(py, &mut outs, flat.torch_out(), &input)?.unbind())
    }
}

/// Copy a plan's final value of an input into the caller's array, in place
/// (where the plan ran on a copy of it).
fn write_back(
    py: Python<'_>,
    target: &Bound<'_, PyAny>,
    value: tch::Tensor,
    dtype: DType,
) -> PyResult<()> {
    if let Some(mut t) = crate::convert::torch_tensor(target) {
        return t.f_copy_(&value).map_err(crate::errors::tch_err);
    }
    let src = tensor_out(py, value, dtype, false, false)?;
    py.import("numpy")?.call_method1("copyto", (target, src))?;
    Ok(())
}

#[pymethods]
impl CompiledFunction {
    #[new]
    #[pyo3(signature = (func, tracer, fullgraph=false, cache_limit=8))]
    fn new(func: Py<PyAny>, tracer: Py<PyAny>, fullgraph: bool, cache_limit: usize) -> Self {
        CompiledFunction {
            func,
            tracer,
            fullgraph,
            cache_limit,
            last_break: Mutex::new(String::new()),
            cache: Mutex::new(HashMap::default()),
            stats: Mutex::new(Stats::default()),
        }
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let mut flat = Flat::default();
        flat.walk(args.as_any())?;
        match kwargs {
            Some(kw) => flat.walk(kw.as_any())?,
            // What walking an empty dict records.
            None => flat.key.push(KeyPart::Dict(0)),
        }
        if !flat.objects.is_empty() && Self::tracing(py)? {
            // Called from inside another compiled function's trace, on its traced
            // arrays: trace through this function as plain Python.
            return Ok(self.func.bind(py).call(args, kwargs)?.unbind());
        }
        let mut hit = lock(&self.cache)
            .get(&flat.key)
            .map(|e| e.entry.clone());
        if let Some(Entry::Compiled(c)) = hit.as_deref() {
            for g in &c.guards {
                if !g.holds(py)? {
                    // A global or closure array was rebound: trace this signature again.
                    lock(&self.cache).remove(&flat.key);
                    hit = None;
                    break;
                }
            }
        }
        let entry = match hit {
            Some(e) => {
                lock(&self.stats).hits += 1;
                e
            }
            None if lock(&self.cache).len() >= self.cache_limit => {
                // Past the limit: run under NumPy rather than compile forever.
                let mut stats = lock(&self.stats);
                stats.misses += 1;
                stats.fallbacks += 1;
                let first = !std::mem::replace(&mut stats.limit_warned, true);
                drop(stats);
                if first {
                    py.import("npcompile._trace")?
                        .getattr("cache_limit_reached")?
                        .call1((self.func.bind(py), self.cache_limit, self.fullgraph))?;
                }
                return Ok(self.func.bind(py).call(args, kwargs)?.unbind());
            }
            None => {
                lock(&self.stats).misses += 1;
                let start = Instant::now();
                let empty = PyDict::new(py);
                let entry = match self.trace(py, args, kwargs.unwrap_or(&empty))? {
                    None => Entry::Fallback,
                    Some(t) => match Self::compile(py, &t.graph, &flat, &t.writebacks, &t.captured)
                    {
                        Ok((plan, _)) => Entry::Compiled(Compiled {
                            plan: Arc::new(plan),
                            out: t.out,
                            captured: t.captured,
                            guards: t.guards,
                            writebacks: t.writebacks,
                            warnings: t.warnings,
                            input_views: Default::default(),
                            output_views: Default::default(),
                        }),
                        Err(e) => {
                            self.compile_failed(py, &e)?;
                            Entry::Fallback
                        }
                    },
                };
                let entry = Arc::new(entry);
                let mut stats = lock(&self.stats);
                stats.compile_seconds += start.elapsed().as_secs_f64();
                if matches!(*entry, Entry::Fallback) {
                    stats.fallbacks += 1;
                }
                drop(stats);
                let objects = flat.objects.iter().map(|o| o.clone().unbind()).collect();
                let mut cache = lock(&self.cache);
                // Threads that missed together may all get here: the limit holds
                // (past it, the entry serves this call only).
                if cache.len() < self.cache_limit || cache.contains_key(&flat.key) {
                    cache.insert(
                        flat.key.clone(),
                        CacheEntry {
                            entry: entry.clone(),
                            _objects: objects,
                        },
                    );
                }
                drop(cache);
                entry
            }
        };
        match &*entry {
            Entry::Fallback => Ok(self.func.bind(py).call(args, kwargs)?.unbind()),
            Entry::Compiled(c) if !c.writebacks.is_empty() && self.inputs_alias(py, c, &flat) => {
                // The plan writes its inputs as if they were distinct memory.
                let first = !std::mem::replace(
                    &mut lock(&self.stats).alias_warned,
                    true,
                );
                if first {
                    self.compile_failed(
                        py,
                        &pyo3::exceptions::PyValueError::new_err(
                            "arrays it writes share memory with other arguments, or among their own elements, in this call (this call runs under NumPy)",
                        ),
                    )?;
                }
                lock(&self.stats).fallbacks += 1;
                Ok(self.func.bind(py).call(args, kwargs)?.unbind())
            }
            Entry::Compiled(c) => match self.run(py, c, &flat) {
                Err(RunError::Plan(PlanError::Torch(m))) => {
                    // A libtorch failure is our bug, not the user's: nothing was
                    // written back, so NumPy can still give the answer.
                    self.compile_failed(py, &InternalError::new_err(m))?;
                    let objects = flat.objects.iter().map(|o| o.clone().unbind()).collect();
                    lock(&self.cache).insert(
                        flat.key.clone(),
                        CacheEntry {
                            entry: Arc::new(Entry::Fallback),
                            _objects: objects,
                        },
                    );
                    Ok(self.func.bind(py).call(args, kwargs)?.unbind())
                }
                Err(RunError::Plan(PlanError::Deopt(_))) => {
                    // The plan's assumption about values does not hold for these:
                    // nothing was written back; this call runs under NumPy.
                    lock(&self.stats).deopts += 1;
                    Ok(self.func.bind(py).call(args, kwargs)?.unbind())
                }
                Err(RunError::Plan(e)) => Err(plan_err(e)),
                Err(RunError::Py(e)) => Err(e),
                Ok(out) => Ok(out),
            },
        }
    }

    /// The traced graph, the graph after each stage, and the plan, as text.
    #[pyo3(signature = (*args, **kwargs))]
    fn explain(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<String> {
        let empty = PyDict::new(py);
        let kwargs = kwargs.unwrap_or(&empty);
        let mut flat = Flat::default();
        flat.walk(args.as_any())?;
        flat.walk(kwargs.as_any())?;
        let mut s = String::new();
        let Some(t) = self.trace(py, args, kwargs)? else {
            return Ok(format!(
                "== graph break ==\n{}\n",
                lock(&self.last_break)
            ));
        };
        let (plan, reports) = Self::compile(py, &t.graph, &flat, &t.writebacks, &t.captured)?;
        let _ = writeln!(s, "== traced ==\n{}\n", t.graph);
        for r in &reports {
            let _ = writeln!(s, "== after {} ({}) ==\n{}\n", r.name, r.detail, r.graph);
        }
        let _ = writeln!(s, "== plan ({:?}) ==\n{}", plan.device, plan);
        if !t.writebacks.is_empty() {
            let _ = writeln!(s, "== write-back (after the plan has run) ==");
            for (input, output) in &t.writebacks {
                let name = t.graph.input_names.get(*input).map_or("?", String::as_str);
                let _ = writeln!(s, "  %{name} <- output {output}");
            }
        }
        let n = lock(&self.cache).len();
        let _ = writeln!(s, "== cache ==\n{n} entries");
        Ok(s)
    }

    /// hits, misses, entries, traces, fallbacks, deopts, compile_seconds.
    fn cache_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let st = lock(&self.stats).clone();
        let d = PyDict::new(py);
        d.set_item("hits", st.hits)?;
        d.set_item("misses", st.misses)?;
        d.set_item("entries", lock(&self.cache).len())?;
        d.set_item("traces", st.traces)?;
        d.set_item("fallbacks", st.fallbacks)?;
        d.set_item("deopts", st.deopts)?;
        d.set_item("compile_seconds", st.compile_seconds)?;
        d.set_item("cache_limit", self.cache_limit)?;
        Ok(d)
    }

    fn cache_clear(&self) {
        lock(&self.cache).clear();
        lock(&self.stats).limit_warned = false;
    }

    #[getter]
    fn __wrapped__(&self, py: Python<'_>) -> Py<PyAny> {
        self.func.clone_ref(py)
    }

    fn __get__(
        slf: Py<Self>,
        obj: Option<&Bound<'_, PyAny>>,
        _ty: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        match obj {
            None => Ok(slf.into_any()),
            Some(o) => Err(PyTypeError::new_err(format!(
                "np_compile on methods is not supported yet (bound to {})",
                o.get_type().name()?
            ))),
        }
    }
}
