//! Plan execution on CPU: graphs are optimized by `passes`, lowered to a libtorch
//! `Plan` and run; every expected value and dtype is NumPy's, worked out by hand.

use backends::torch::{lower, Instr, PlanError, TorchOp};
use ir::{DType, Graph, Op, TensorType, Value};
use tch::{Device, Kind, Tensor};

fn op(text: &str) -> Op {
    text.parse().unwrap()
}

fn input(g: &mut Graph, name: &str, dtype: DType, shape: &[i64]) -> Value {
    g.add_input(name, TensorType::new(dtype, shape))
}

fn optimize(g: &Graph) -> Graph {
    passes::optimize(g, passes::Limits::default()).unwrap().0
}

/// Optimize, lower and run.
fn run(g: &Graph, inputs: Vec<Tensor>) -> Result<Vec<Tensor>, PlanError> {
    lower(&optimize(g), Device::Cpu).unwrap().run(inputs)
}

fn f64s(v: &[f64], shape: &[i64]) -> Tensor {
    Tensor::f_from_slice(v).unwrap().f_reshape(shape).unwrap()
}

fn i32s(v: &[i64], shape: &[i64]) -> Tensor {
    Tensor::f_from_slice(v)
        .unwrap()
        .f_reshape(shape)
        .unwrap()
        .f_to_kind(Kind::Int)
        .unwrap()
}

fn as_f64(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.f_to_kind(Kind::Double).unwrap().f_reshape([-1]).unwrap()).unwrap()
}

fn as_i64(t: &Tensor) -> Vec<i64> {
    Vec::<i64>::try_from(t.f_to_kind(Kind::Int64).unwrap().f_reshape([-1]).unwrap()).unwrap()
}

#[test]
fn f64_mul_add_with_weak_int_fuses_to_addcmul() {
    // x * 2 + y
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::F64, &[3]);
    let y = input(&mut g, "y", DType::F64, &[3]);
    let two = g.add(op("const[value=2:weak_int]"), &[]).unwrap();
    let m = g.add(op("multiply"), &[x, two]).unwrap();
    let r = g.add(op("add"), &[m, y]).unwrap();
    g.outputs = vec![r];
    let opt = optimize(&g);
    let text = opt.to_string();
    assert!(text.contains("addcmul"), "{text}");
    assert!(!text.contains("multiply"), "{text}");
    let plan = lower(&opt, Device::Cpu).unwrap();
    assert!(plan
        .instrs
        .iter()
        .any(|Instr::Torch { op, .. }| matches!(op, TorchOp::AddCMul)));
    let out = plan
        .run(vec![
            f64s(&[1.0, 2.0, 3.0], &[3]),
            f64s(&[0.5, -1.0, 10.0], &[3]),
        ])
        .unwrap();
    assert_eq!(out[0].kind(), Kind::Double);
    assert_eq!(as_f64(&out[0]), vec![2.5, 3.0, 16.0]);
}

#[test]
fn int32_plus_float32_is_float64() {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::I32, &[3]);
    let y = input(&mut g, "y", DType::F32, &[3]);
    g.outputs = vec![g.add(op("add"), &[x, y]).unwrap()];
    let y_t = f64s(&[0.5, 0.25, -1.0], &[3])
        .f_to_kind(Kind::Float)
        .unwrap();
    let out = run(&g, vec![i32s(&[1, 2, 3], &[3]), y_t]).unwrap();
    assert_eq!(out[0].kind(), Kind::Double);
    assert_eq!(out[0].size(), vec![3]);
    assert_eq!(as_f64(&out[0]), vec![1.5, 2.25, 2.0]);
}

#[test]
fn int32_true_divide_is_exact_float64() {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::I32, &[4]);
    let y = input(&mut g, "y", DType::I32, &[4]);
    g.outputs = vec![g.add(op("true_divide"), &[x, y]).unwrap()];
    let out = run(
        &g,
        vec![i32s(&[7, -7, 1, 2], &[4]), i32s(&[2, 2, 3, 7], &[4])],
    )
    .unwrap();
    assert_eq!(out[0].kind(), Kind::Double);
    assert_eq!(as_f64(&out[0]), vec![3.5, -3.5, 1.0 / 3.0, 2.0 / 7.0]);
}

#[test]
fn int_floor_divide_and_remainder_floor_and_give_zero_for_zero_divisor() {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::I32, &[5]);
    let y = input(&mut g, "y", DType::I32, &[5]);
    let q = g.add(op("floor_divide"), &[x, y]).unwrap();
    let r = g.add(op("remainder"), &[x, y]).unwrap();
    g.outputs = vec![q, r];
    let out = run(
        &g,
        vec![
            i32s(&[-7, 7, 5, -7, 7], &[5]),
            i32s(&[2, 0, 0, -2, -2], &[5]),
        ],
    )
    .unwrap();
    assert_eq!(out[0].kind(), Kind::Int);
    assert_eq!(out[1].kind(), Kind::Int);
    // -7 // 2 == -4, 7 // 0 == 0, 5 // 0 == 0, -7 // -2 == 3, 7 // -2 == -4
    assert_eq!(as_i64(&out[0]), vec![-4, 0, 0, 3, -4]);
    // -7 % 2 == 1, 7 % 0 == 0, 5 % 0 == 0, -7 % -2 == -1, 7 % -2 == -1
    assert_eq!(as_i64(&out[1]), vec![1, 0, 0, -1, -1]);
}

#[test]
fn int_power_rejects_negative_exponents() {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::I32, &[3]);
    let y = input(&mut g, "y", DType::I32, &[3]);
    g.outputs = vec![g.add(op("power"), &[x, y]).unwrap()];
    let plan = lower(&optimize(&g), Device::Cpu).unwrap();
    let out = plan
        .run(vec![i32s(&[3, 5, -2], &[3]), i32s(&[2, 0, 3], &[3])])
        .unwrap();
    assert_eq!(out[0].kind(), Kind::Int);
    assert_eq!(as_i64(&out[0]), vec![9, 1, -8]);
    let err = plan
        .run(vec![i32s(&[3, 5, -2], &[3]), i32s(&[2, -1, 0], &[3])])
        .unwrap_err();
    assert!(matches!(err, PlanError::Value(_)), "{err:?}");
}

#[test]
fn int32_sum_over_axis_is_int64() {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::I32, &[2, 3]);
    g.outputs = vec![g.add(op("sum[axes=(1,),keepdims=false]"), &[x]).unwrap()];
    let out = run(&g, vec![i32s(&[1, 2, 3, 4, 5, 6], &[2, 3])]).unwrap();
    assert_eq!(out[0].kind(), Kind::Int64);
    assert_eq!(out[0].size(), vec![2]);
    assert_eq!(as_i64(&out[0]), vec![6, 15]);
}

#[test]
fn sum_over_no_axes_copies_the_input() {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::F64, &[2, 2]);
    g.outputs = vec![g.add(op("sum[axes=(),keepdims=false]"), &[x]).unwrap()];
    let x_t = f64s(&[1.0, -2.0, 3.5, 4.0], &[2, 2]);
    let ptr = x_t.data_ptr();
    let out = run(&g, vec![x_t.shallow_clone()]).unwrap();
    assert_eq!(out[0].kind(), Kind::Double);
    assert_eq!(out[0].size(), vec![2, 2]);
    assert_eq!(as_f64(&out[0]), vec![1.0, -2.0, 3.5, 4.0]);
    assert_ne!(out[0].data_ptr(), ptr);
}

#[test]
fn int32_sum_over_no_axes_is_int64() {
    // np.sum(int32, axis=()) still accumulates (and returns) int64.
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::I32, &[3]);
    g.outputs = vec![g.add(op("sum[axes=(),keepdims=false]"), &[x]).unwrap()];
    let out = run(&g, vec![i32s(&[1, -2, 3], &[3])]).unwrap();
    assert_eq!(out[0].kind(), Kind::Int64);
    assert_eq!(as_i64(&out[0]), vec![1, -2, 3]);
}

#[test]
fn argmax_over_all_axes_flattens_and_takes_first_max() {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::F64, &[2, 3]);
    g.outputs = vec![g.add(op("argmax[axis=None,keepdims=false]"), &[x]).unwrap()];
    let out = run(&g, vec![f64s(&[1.0, 5.0, 2.0, 5.0, 0.0, -1.0], &[2, 3])]).unwrap();
    assert_eq!(out[0].kind(), Kind::Int64);
    assert_eq!(out[0].size(), Vec::<i64>::new());
    assert_eq!(out[0].f_int64_value(&[]).unwrap(), 1);
}

#[test]
fn slices_with_negative_steps() {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::F64, &[6]);
    // x[4:0:-2], x[5::-2], x[::-1]
    let a = g
        .add(op("slice[starts=(4,),lens=(2,),steps=(-2,)]"), &[x])
        .unwrap();
    let b = g
        .add(op("slice[starts=(5,),lens=(3,),steps=(-2,)]"), &[x])
        .unwrap();
    let c = g
        .add(op("slice[starts=(5,),lens=(6,),steps=(-1,)]"), &[x])
        .unwrap();
    g.outputs = vec![a, b, c];
    let out = run(&g, vec![f64s(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[6])]).unwrap();
    assert_eq!(as_f64(&out[0]), vec![4.0, 2.0]);
    assert_eq!(as_f64(&out[1]), vec![5.0, 3.0, 1.0]);
    assert_eq!(as_f64(&out[2]), vec![5.0, 4.0, 3.0, 2.0, 1.0, 0.0]);
}

#[test]
fn matmul_matrix_by_vector() {
    let mut g = Graph::new("f");
    let a = input(&mut g, "a", DType::F64, &[2, 3]);
    let v = input(&mut g, "v", DType::F64, &[3]);
    g.outputs = vec![g.add(op("matmul"), &[a, v]).unwrap()];
    let out = run(
        &g,
        vec![
            f64s(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]),
            f64s(&[1.0, 0.5, -1.0], &[3]),
        ],
    )
    .unwrap();
    assert_eq!(out[0].kind(), Kind::Double);
    assert_eq!(out[0].size(), vec![2]);
    assert_eq!(as_f64(&out[0]), vec![-1.0, 0.5]);
}

#[test]
fn outputs_never_alias_inputs() {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::F64, &[2, 3]);
    let r = g.add(op("reshape[shape=(3,2)]"), &[x]).unwrap();
    g.outputs = vec![x, r, x];
    let x_t = f64s(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let ptr = x_t.data_ptr();
    let out = run(&g, vec![x_t.shallow_clone()]).unwrap();
    assert_eq!(out.len(), 3);
    let ptrs: Vec<_> = out.iter().map(|t| t.data_ptr()).collect();
    for (i, t) in out.iter().enumerate() {
        assert_eq!(as_f64(t), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_ne!(ptrs[i], ptr, "output {i} aliases the input");
    }
    assert_ne!(ptrs[0], ptrs[2], "repeated outputs share memory");
    assert_eq!(out[0].size(), vec![2, 3]);
    assert_eq!(out[1].size(), vec![3, 2]);
}

#[test]
fn sin_of_bool_is_float16() {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::Bool, &[2]);
    g.outputs = vec![g.add(op("sin"), &[x]).unwrap()];
    let out = run(&g, vec![Tensor::f_from_slice(&[true, false]).unwrap()]).unwrap();
    assert_eq!(out[0].kind(), Kind::Half);
    let v = as_f64(&out[0]);
    // float16(sin(1)) == 0.8413 (0.84130859375), sin(0) == 0
    assert_eq!(v, vec![0.84130859375, 0.0]);
}

#[test]
fn slice_scatter_writes_a_strided_region_of_a_copy() {
    // x = arange(6); x[4:0:-2] = [10, 20]  -> [0, 1, 20, 3, 10, 5]; x itself unchanged.
    let mut g = ir::Graph::new("f");
    let x = g.add_input("x", ir::TensorType::new(ir::DType::F64, [6]));
    let v = g.add_input("v", ir::TensorType::new(ir::DType::I64, [2]));
    let w = g
        .add(
            "slice_scatter[starts=(4,),lens=(2,),steps=(-2,)]"
                .parse()
                .unwrap(),
            &[x, v],
        )
        .unwrap();
    g.outputs = vec![w];
    let (opt, _) = passes::optimize(&g, passes::Limits::default()).unwrap();
    let plan = backends::torch::lower(&opt, tch::Device::Cpu).unwrap();
    let xs = tch::Tensor::f_from_slice(&[0.0f64, 1., 2., 3., 4., 5.]).unwrap();
    let vs = tch::Tensor::f_from_slice(&[10i64, 20]).unwrap();
    let out = plan.run(vec![xs.shallow_clone(), vs]).unwrap().remove(0);
    assert_eq!(
        Vec::<f64>::try_from(&out).unwrap(),
        vec![0., 1., 20., 3., 10., 5.]
    );
    assert_eq!(
        Vec::<f64>::try_from(&xs).unwrap(),
        vec![0., 1., 2., 3., 4., 5.]
    );
}
