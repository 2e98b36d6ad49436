//! One test per named rule (positive and negative), and the pipeline end to end.

use egg::Rewrite;
use ir::{DType, Graph, Op, TensorType};
use passes::analysis::TypeAnalysis;
use passes::lang::ENode;
use passes::pipeline::{optimize, rewrite_stage, Limits};

fn rules_named(names: &[&str]) -> Vec<Rewrite<ENode, TypeAnalysis>> {
    let all: Vec<_> = passes::promote::rules()
        .into_iter()
        .chain(passes::normalize::rules())
        .chain(passes::fuse::rules())
        .collect();
    let picked: Vec<_> = all
        .into_iter()
        .filter(|r| names.contains(&r.name.as_str()))
        .collect();
    assert_eq!(picked.len(), names.len(), "unknown rule among {names:?}");
    picked
}

fn op(text: &str) -> Op {
    text.parse().unwrap()
}

/// Build `graph f(inputs) { ... }` from (op text, operand indices) rows; operands
/// index the inputs first, then the rows. The last row is the output.
fn build(inputs: &[(DType, &[i64])], rows: &[(&str, &[usize])]) -> Graph {
    let mut g = Graph::new("f");
    let mut vals: Vec<_> = inputs
        .iter()
        .enumerate()
        .map(|(i, (d, s))| g.add_input(format!("x{i}"), TensorType::new(*d, s)))
        .collect();
    for (text, args) in rows {
        let args: Vec<_> = args.iter().map(|&i| vals[i]).collect();
        vals.push(g.add(op(text), &args).unwrap());
    }
    g.outputs = vec![*vals.last().unwrap()];
    g
}

/// The named rules alone; extraction may keep ops the backend cannot run as
/// written (as in the `promote` stage), so each rule is seen by itself.
fn run(g: &Graph, names: &[&str]) -> String {
    let (out, _) = rewrite_stage(g, &rules_named(names), Limits::default(), false).unwrap();
    out.verify().unwrap();
    out.to_string()
}

fn body(dump: &str) -> Vec<String> {
    dump.lines()
        .skip(1)
        .filter(|l| !l.starts_with('}'))
        .map(|l| l.split(" = ").last().unwrap().trim().to_string())
        .collect()
}

#[test]
fn elementwise_promote() {
    let g = build(
        &[(DType::I32, &[3]), (DType::F32, &[3])],
        &[("add", &[0, 1])],
    );
    assert_eq!(
        body(&run(&g, &["elementwise-promote"])),
        [
            "cast[to=f64] %x0",
            "cast[to=f64] %x1",
            "add %0, %1",
            "return %2"
        ]
    );
    // A comparison computes in the promoted dtype but returns bool.
    let g = build(
        &[(DType::I64, &[3]), (DType::F32, &[3])],
        &[("less", &[0, 1])],
    );
    assert_eq!(
        body(&run(&g, &["elementwise-promote"])),
        [
            "cast[to=f64] %x0",
            "cast[to=f64] %x1",
            "less %0, %1",
            "return %2"
        ]
    );
    // Nothing to do when operands already agree.
    let g = build(
        &[(DType::F32, &[3]), (DType::F32, &[3])],
        &[("add", &[0, 1])],
    );
    assert_eq!(
        body(&run(&g, &["elementwise-promote"])),
        ["add %x0, %x1", "return %0"]
    );
}

#[test]
fn reduce_promote() {
    let g = build(
        &[(DType::I32, &[2, 3])],
        &[("sum[axes=(1,),keepdims=false]", &[0])],
    );
    assert_eq!(
        body(&run(&g, &["reduce-promote"])),
        [
            "cast[to=i64] %x0",
            "sum[axes=(1,),keepdims=false] %0",
            "return %1"
        ]
    );
    // A float sum or mean over a cast operand is NumPy's buffered reduction.
    let g = build(
        &[(DType::I64, &[2, 3])],
        &[("mean[axes=(0,),keepdims=false]", &[0])],
    );
    assert_eq!(
        body(&run(&g, &["reduce-promote"])),
        [
            "cast[to=f64] %x0",
            "mean[axes=(0,),keepdims=false,buffered=true] %0",
            "return %1"
        ]
    );
    let g = build(
        &[(DType::F32, &[2, 3])],
        &[("mean[axes=(0,),keepdims=false]", &[0])],
    );
    assert_eq!(
        body(&run(&g, &["reduce-promote"])),
        ["mean[axes=(0,),keepdims=false] %x0", "return %0"]
    );
    let g = build(
        &[(DType::F32, &[2, 3])],
        &[("any[axes=(0,1),keepdims=false]", &[0])],
    );
    assert_eq!(
        body(&run(&g, &["reduce-promote"])),
        [
            "cast[to=b8] %x0",
            "any[axes=(0,1),keepdims=false] %0",
            "return %1"
        ]
    );
    let g = build(
        &[(DType::F32, &[2, 3])],
        &[("max[axes=(0,),keepdims=false]", &[0])],
    );
    assert_eq!(
        body(&run(&g, &["reduce-promote"])),
        ["max[axes=(0,),keepdims=false] %x0", "return %0"]
    );
}

#[test]
fn cumulative_promote() {
    let g = build(&[(DType::I8, &[2, 3])], &[("cumsum[axis=1]", &[0])]);
    assert_eq!(
        body(&run(&g, &["cumulative-promote"])),
        ["cast[to=i64] %x0", "cumsum[axis=1] %0", "return %1"]
    );
    let g = build(&[(DType::Bool, &[4])], &[("cumprod[axis=0]", &[0])]);
    assert_eq!(
        body(&run(&g, &["cumulative-promote"])),
        ["cast[to=i64] %x0", "cumprod[axis=0] %0", "return %1"]
    );
    let g = build(&[(DType::U8, &[4])], &[("cumsum[axis=0]", &[0])]);
    assert_eq!(
        body(&run(&g, &["cumulative-promote"])),
        ["cast[to=u64] %x0", "cumsum[axis=0] %0", "return %1"]
    );
    let g = build(&[(DType::F16, &[4])], &[("cumsum[axis=0]", &[0])]);
    assert_eq!(
        body(&run(&g, &["cumulative-promote"])),
        ["cumsum[axis=0] %x0", "return %0"]
    );
}

#[test]
fn matmul_promote() {
    let g = build(
        &[(DType::I32, &[2, 3]), (DType::F32, &[3])],
        &[("matmul", &[0, 1])],
    );
    assert_eq!(
        body(&run(&g, &["matmul-promote"])),
        [
            "cast[to=f64] %x0",
            "cast[to=f64] %x1",
            "matmul %0, %1",
            "return %2"
        ]
    );
}

#[test]
fn shape_promote() {
    let g = build(
        &[],
        &[
            ("const[value=2.5:weak_float]", &[]),
            ("reshape[shape=(1,)]", &[0]),
        ],
    );
    assert_eq!(
        body(&run(&g, &["shape-promote", "cast-const-fold"])),
        ["reshape[shape=(1,)] 2.5:f64", "return %0"]
    );
    let g = build(&[(DType::F32, &[2])], &[("permute[perm=(0,)]", &[0])]);
    assert_eq!(
        body(&run(&g, &["shape-promote"])),
        ["permute[perm=(0,)] %x0", "return %0"]
    );
}

#[test]
fn take_promote() {
    // Indices are read as int64 (libtorch's index type); the array keeps its dtype.
    let g = build(
        &[(DType::F32, &[5, 2]), (DType::I32, &[3])],
        &[("take[axis=0]", &[0, 1])],
    );
    assert_eq!(
        body(&run(&g, &["take-promote"])),
        ["cast[to=i64] %x1", "take[axis=0] %x0, %0", "return %1"]
    );
}

#[test]
fn concat_promote() {
    let g = build(
        &[(DType::I32, &[2]), (DType::F32, &[3]), (DType::F32, &[1])],
        &[("concat[axis=0,n=3]", &[0, 1, 2])],
    );
    assert_eq!(
        body(&run(&g, &["concat-promote"])),
        [
            "cast[to=f64] %x0",
            "cast[to=f64] %x1",
            "cast[to=f64] %x2",
            "concat[axis=0,n=3] %0, %1, %2",
            "return %3"
        ]
    );
}

#[test]
fn scatter_promote() {
    // Assigning int64 values into a float32 array casts them to float32 (NumPy's setitem).
    let g = build(
        &[(DType::F32, &[4]), (DType::I64, &[2])],
        &[("slice_scatter[starts=(1,),lens=(2,),steps=(1,)]", &[0, 1])],
    );
    assert_eq!(
        body(&run(&g, &["scatter-promote"])),
        [
            "cast[to=f32] %x1",
            "slice_scatter[starts=(1,),lens=(2,),steps=(1,)] %x0, %0",
            "return %1"
        ]
    );
}

#[test]
fn cast_const_fold() {
    let g = build(
        &[(DType::F32, &[3])],
        &[("const[value=0.1:weak_float]", &[]), ("multiply", &[0, 1])],
    );
    let out = run(&g, &["elementwise-promote", "cast-const-fold"]);
    // The weak Python float becomes an f32 literal: the array's dtype decides (NEP 50).
    assert_eq!(
        body(&out),
        [
            format!("multiply %x0, {}:f32", 0.1f32 as f64),
            "return %0".into()
        ]
    );
}

#[test]
fn cast_identity() {
    let g = build(
        &[(DType::F32, &[3])],
        &[("cast[to=f32]", &[0]), ("sin", &[1])],
    );
    assert_eq!(body(&run(&g, &["cast-identity"])), ["sin %x0", "return %0"]);
    let g = build(&[(DType::F32, &[3])], &[("cast[to=f64]", &[0])]);
    assert_eq!(
        body(&run(&g, &["cast-identity"])),
        ["cast[to=f64] %x0", "return %0"]
    );
}

#[test]
fn add_mul_addcmul() {
    let g = build(
        &[(DType::F64, &[3]), (DType::F64, &[3]), (DType::F64, &[3])],
        &[("multiply", &[0, 1]), ("add", &[3, 2])],
    );
    assert_eq!(
        body(&run(&g, &["add-mul-addcmul"])),
        ["addcmul %x2, %x0, %x1", "return %0"]
    );
    // Not on complex (NumPy's product formula) or float16 (NumPy rounds the product).
    for d in [DType::C128, DType::F16] {
        let g = build(
            &[(d, &[3]), (d, &[3]), (d, &[3])],
            &[("multiply", &[0, 1]), ("add", &[3, 2])],
        );
        assert_eq!(
            body(&run(&g, &["add-mul-addcmul"])),
            ["multiply %x0, %x1", "add %0, %x2", "return %1"]
        );
    }
    // Not on bools (torch has no bool addcmul) ...
    let g = build(
        &[
            (DType::Bool, &[3]),
            (DType::Bool, &[3]),
            (DType::Bool, &[3]),
        ],
        &[("multiply", &[0, 1]), ("add", &[3, 2])],
    );
    assert_eq!(
        body(&run(&g, &["add-mul-addcmul"])),
        ["multiply %x0, %x1", "add %0, %x2", "return %1"]
    );
    // ... nor across a dtype change.
    let g = build(
        &[(DType::F32, &[3]), (DType::F32, &[3]), (DType::F64, &[3])],
        &[
            ("multiply", &[0, 1]),
            ("cast[to=f64]", &[3]),
            ("add", &[4, 2]),
        ],
    );
    assert!(!run(&g, &["add-mul-addcmul"]).contains("addcmul"));
}

#[test]
fn addcmul_wins_where_both_operands_of_the_add_are_products() {
    // `x0*x1 + x2*x3`: the add's dearest operand is either product, so
    // the fused form must win the tie on its own cost (one kernel, not two).
    let g = build(
        &[(DType::F64, &[8]), (DType::F64, &[]), (DType::F64, &[8]), (DType::F64, &[])],
        &[("multiply", &[0, 1]), ("multiply", &[2, 3]), ("add", &[4, 5])],
    );
    let out = body(&run(&g, &["add-mul-addcmul", "add-mul-addcmul-rhs"]));
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(out[1].starts_with("addcmul"), "{out:?}");
}

#[test]
fn add_mul_addcmul_rhs() {
    let g = build(
        &[
            (DType::F32, &[2, 3]),
            (DType::F32, &[3]),
            (DType::F32, &[2, 1]),
        ],
        &[("multiply", &[1, 2]), ("add", &[0, 3])],
    );
    assert_eq!(
        body(&run(&g, &["add-mul-addcmul-rhs"])),
        ["addcmul %x0, %x1, %x2", "return %0"]
    );
}

#[test]
fn pipeline_promotes_folds_fuses_and_drops_dead_code() {
    let g = build(
        &[(DType::F64, &[4]), (DType::I32, &[4])],
        &[
            ("const[value=2:weak_int]", &[]),
            ("multiply", &[0, 2]),
            ("add", &[3, 1]),
            ("sin", &[0]),
        ],
    );
    let mut g = g;
    let fifth = g.values().nth(4).unwrap();
    g.outputs = vec![fifth];
    let (out, reports) = optimize(&g, Limits::default()).unwrap();
    let names: Vec<_> = reports.iter().map(|r| r.name).collect();
    assert_eq!(names, ["dce", "promote", "normalize", "fuse", "dce"]);
    assert_eq!(
        out.to_string(),
        "\
graph f(%x0: f64[4], %x1: i32[4]) -> (f64[4]) {
  %0: f64[4] = cast[to=f64] %x1
  %1: f64[4] = addcmul %0, %x0, 2.0:f64
  return %1
}"
    );
}

#[test]
fn bounded_runs_report_why_they_stopped() {
    let mut g = Graph::new("chain");
    let mut v = g.add_input("x", TensorType::new(DType::F64, [8]));
    for _ in 0..2000 {
        let c = g.add(op("const[value=1.5:weak_float]"), &[]).unwrap();
        let m = g.add(op("multiply"), &[v, c]).unwrap();
        v = g.add(op("add"), &[m, v]).unwrap();
    }
    g.outputs = vec![v];
    let whole = Limits {
        window: usize::MAX,
        ..Limits::default()
    };
    let (out, reports) = optimize(&g, whole).unwrap();
    out.verify().unwrap();
    assert!(
        reports[1].detail.starts_with("stopped: "),
        "{}",
        reports[1].detail
    );
    // f32 * 2 stays f32 (the weak int takes the array's dtype); the f64 add then
    // needs a cast between the two, so nothing fuses across it.
    let g = build(
        &[(DType::F32, &[4]), (DType::I32, &[4])],
        &[
            ("const[value=2:weak_int]", &[]),
            ("multiply", &[0, 2]),
            ("add", &[3, 1]),
        ],
    );
    let (mixed, _) = optimize(&g, Limits::default()).unwrap();
    assert_eq!(
        body(&mixed.to_string()),
        [
            "multiply %x0, 2.0:f32",
            "cast[to=f64] %0",
            "cast[to=f64] %x1",
            "add %1, %2",
            "return %3"
        ]
    );
    assert_eq!(
        out.to_string().matches("addcmul").count(),
        2000,
        "{}",
        reports[2].detail
    );
}

#[test]
fn long_graphs_are_rewritten_in_windows_with_the_same_result() {
    // A chain of 3000 fusable steps, each with a weak literal: rewritten whole
    // and in windows of 100 nodes, the programs must agree node for node.
    let mut g = Graph::new("long");
    let mut v = g.add_input("x", TensorType::new(DType::F32, [4]));
    let y = g.add_input("y", TensorType::new(DType::I32, [4]));
    for _ in 0..1000 {
        let c = g.add(op("const[value=0.5:weak_float]"), &[]).unwrap();
        let m = g.add(op("multiply"), &[v, c]).unwrap();
        v = g.add(op("add"), &[m, v]).unwrap();
    }
    let last = g.add(op("add"), &[v, y]).unwrap();
    g.outputs = vec![last, v];
    let whole = optimize(&g, Limits::default()).unwrap().0;
    let windowed = Limits {
        window: 100,
        ..Limits::default()
    };
    let (parts, reports) = optimize(&g, windowed).unwrap();
    parts.verify().unwrap();
    assert!(
        reports[1]
            .detail
            .starts_with("31 windows of up to 100 nodes"),
        "{}",
        reports[1].detail
    );
    // A multiply and its add in different windows stay unfused: at most one a window.
    let fused = parts.to_string().matches("addcmul").count();
    assert!((1000 - 30..=1000).contains(&fused), "{fused}");
    assert_eq!(whole.to_string().matches("addcmul").count(), 1000);
    assert_eq!(parts.outputs.len(), 2);
    for (p, w) in parts.outputs.iter().zip(&whole.outputs) {
        assert_eq!(parts.node(*p).ty, whole.node(*w).ty);
    }
}

/// The normalize rules, extracted as the pipeline does: only native ops.
fn run_native(g: &Graph, names: &[&str]) -> String {
    let (out, _) = rewrite_stage(g, &rules_named(names), Limits::default(), true).unwrap();
    out.verify().unwrap();
    out.to_string()
}

#[test]
fn unsigned_widen() {
    let g = build(
        &[(DType::U32, &[3]), (DType::U32, &[3])],
        &[("add", &[0, 1])],
    );
    assert_eq!(
        body(&run_native(&g, &["unsigned-widen"])),
        [
            "cast[to=i64] %x0",
            "cast[to=i64] %x1",
            "add %0, %1",
            "cast[to=u32] %2",
            "return %3"
        ]
    );
    // A bool result needs no cast back; uint16 widens to int32.
    let g = build(
        &[(DType::U16, &[3]), (DType::U16, &[3])],
        &[("less", &[0, 1])],
    );
    assert_eq!(
        body(&run_native(&g, &["unsigned-widen"])),
        [
            "cast[to=i32] %x0",
            "cast[to=i32] %x1",
            "less %0, %1",
            "return %2"
        ]
    );
    // Data movement runs on the storage as it is.
    let g = build(&[(DType::U32, &[2, 3])], &[("permute[perm=(1,0)]", &[0])]);
    assert_eq!(
        body(&run_native(&g, &["unsigned-widen"])),
        ["permute[perm=(1,0)] %x0", "return %0"]
    );
    // uint64 has no wider dtype: not this rule's.
    let g = build(
        &[(DType::U64, &[3]), (DType::U64, &[3])],
        &[("add", &[0, 1])],
    );
    assert!(rewrite_stage(
        &g,
        &rules_named(&["unsigned-widen"]),
        Limits::default(),
        true
    )
    .is_err());
}

#[test]
fn u64_wrapping() {
    let g = build(
        &[(DType::U64, &[3]), (DType::U64, &[3])],
        &[("multiply", &[0, 1])],
    );
    assert_eq!(
        body(&run_native(&g, &["u64-wrapping"])),
        [
            "cast[to=i64] %x0",
            "cast[to=i64] %x1",
            "multiply %0, %1",
            "cast[to=u64] %2",
            "return %3"
        ]
    );
    // Order is not wrapping: `less` is left for u64-order.
    let g = build(
        &[(DType::U64, &[3]), (DType::U64, &[3])],
        &[("less", &[0, 1])],
    );
    assert!(rewrite_stage(&g, &rules_named(&["u64-wrapping"]), Limits::default(), true).is_err());
}

#[test]
fn u64_order() {
    let g = build(
        &[(DType::U64, &[3]), (DType::U64, &[3])],
        &[("less", &[0, 1])],
    );
    assert_eq!(
        body(&run_native(&g, &["u64-order"])),
        [
            "cast[to=i64] %x0",
            "bitwise_xor %0, -9223372036854775808:i64",
            "cast[to=i64] %x1",
            "bitwise_xor %2, -9223372036854775808:i64",
            "less %1, %3",
            "return %4"
        ]
    );
    // A uint64 result is flipped back.
    let g = build(
        &[(DType::U64, &[2, 3])],
        &[("max[axes=(1,),keepdims=false]", &[0])],
    );
    let out = body(&run_native(&g, &["u64-order"]));
    assert_eq!(
        out[out.len() - 3..],
        [
            "bitwise_xor %2, -9223372036854775808:i64",
            "cast[to=u64] %3",
            "return %4"
        ]
    );
    // Unsigned division is the backend's own: not this rule's.
    let g = build(
        &[(DType::U64, &[3]), (DType::U64, &[3])],
        &[("floor_divide", &[0, 1])],
    );
    assert_eq!(
        body(&run_native(&g, &["u64-order"])),
        ["floor_divide %x0, %x1", "return %0"]
    );
}

#[test]
fn complex_order() {
    let g = build(
        &[(DType::C128, &[3]), (DType::C128, &[3])],
        &[("less", &[0, 1])],
    );
    let out = body(&run_native(&g, &["complex-order"]));
    // Real parts first, the imaginary parts where they tie; no complex `less` left.
    assert!(
        out.contains(&"real %x0".to_string()) && out.contains(&"imag %x1".to_string()),
        "{out:?}"
    );
    assert!(
        out.iter()
            .filter(|l| l.starts_with("less "))
            .all(|l| !l.contains("%x")),
        "{out:?}"
    );
    // Equality is native on complex: not this rule's.
    let g = build(
        &[(DType::C64, &[3]), (DType::C64, &[3])],
        &[("equal", &[0, 1])],
    );
    assert_eq!(
        body(&run_native(&g, &["complex-order"])),
        ["equal %x0, %x1", "return %0"]
    );
}

#[test]
fn complex_select() {
    let g = build(
        &[(DType::C64, &[3]), (DType::C64, &[3])],
        &[("maximum", &[0, 1])],
    );
    let out = body(&run_native(&g, &["complex-order", "complex-select"]));
    assert!(
        out[out.len() - 2].starts_with("where ") && out[out.len() - 2].ends_with("%x0, %x1"),
        "{out:?}"
    );
    assert!(!out.iter().any(|l| l.starts_with("maximum")), "{out:?}");
    // Real maximum stays as it is.
    let g = build(
        &[(DType::F32, &[3]), (DType::F32, &[3])],
        &[("maximum", &[0, 1])],
    );
    assert_eq!(
        body(&run_native(&g, &["complex-select"])),
        ["maximum %x0, %x1", "return %0"]
    );
}
