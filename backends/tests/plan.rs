//! Plan execution on CPU: graphs are optimized by `passes`, lowered to a libtorch
//! `Plan` and run; every expected value and dtype is NumPy's, worked out by hand.

use backends::torch::{lower, Instr, PlanError, Prim};
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
    lower(&optimize(g), Device::Cpu, &Default::default())
        .unwrap()
        .run(inputs)
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
    let plan = lower(&opt, Device::Cpu, &Default::default()).unwrap();
    assert!(plan
        .instrs
        .iter()
        .any(|Instr::Op { op, .. }| matches!(op, Prim::AddCMul)));
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
    let plan = lower(&optimize(&g), Device::Cpu, &Default::default()).unwrap();
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
    let plan = backends::torch::lower(&opt, tch::Device::Cpu, &Default::default()).unwrap();
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

/// NumPy's `pairwise_sum` (the spec the host sum follows), for expected values.
fn numpy_pairwise(x: &[f64]) -> f64 {
    let n = x.len();
    if n < 8 {
        return x.iter().fold(0.0, |r, &v| r + v);
    }
    if n <= 128 {
        let mut r: Vec<f64> = x[..8].to_vec();
        let m = n - n % 8;
        for i in (8..m).step_by(8) {
            for j in 0..8 {
                r[j] += x[i + j];
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &x[m..] {
            res += v;
        }
        return res;
    }
    let n2 = n / 2 - (n / 2) % 8;
    numpy_pairwise(&x[..n2]) + numpy_pairwise(&x[n2..])
}

/// Values near +-2^62 (a fixed LCG): their float64 sums round at every step.
fn big_ints(n: usize) -> Vec<i64> {
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s as i64) >> 1
        })
        .collect()
}

fn sum_plan(text: &str, dtype: DType, shape: &[i64]) -> (Graph, backends::torch::Plan) {
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", dtype, shape);
    g.outputs = vec![g.add(op(text), &[x]).unwrap()];
    let plan = lower(&optimize(&g), Device::Cpu, &Default::default()).unwrap();
    (g, plan)
}

#[test]
fn float_sum_adds_in_numpys_pairwise_order() {
    // Eight accumulators: 1e16 + 1 rounds back to 1e16 at every step of r0, the
    // other seven hold 2 each: NumPy's sum is 1e16 + 14 (in order: 1e16).
    let mut v = vec![1.0; 16];
    v[0] = 1e16;
    let (_, plan) = sum_plan("sum[axes=(0,),keepdims=false]", DType::F64, &[16]);
    assert!(plan.to_string().contains("HostSum"), "{plan}");
    let out = plan.run(vec![f64s(&v, &[16])]).unwrap();
    assert_eq!(as_f64(&out[0]), vec![1e16 + 14.0]);
    let (_, plan) = sum_plan("mean[axes=(0,),keepdims=true]", DType::F64, &[16]);
    let out = plan.run(vec![f64s(&v, &[16])]).unwrap();
    assert_eq!(out[0].size(), vec![1]);
    assert_eq!(as_f64(&out[0]), vec![(1e16 + 14.0) / 16.0]);
}

#[test]
fn float_sum_over_a_kept_inner_axis_adds_row_by_row() {
    // np.sum(x, axis=0) of a C-contiguous array: out[j] += x[i, j], i in order.
    let v = [1.0, 2.0, 1e16, 1e16, -1e16, -3e16];
    let (_, plan) = sum_plan("sum[axes=(0,),keepdims=false]", DType::F64, &[3, 2]);
    let out = plan.run(vec![f64s(&v, &[3, 2])]).unwrap();
    assert_eq!(
        as_f64(&out[0]),
        vec![((0.0 + 1.0) + 1e16) - 1e16, ((0.0 + 2.0) + 1e16) - 3e16]
    );
    assert_eq!(as_f64(&out[0]), vec![0.0, 2.0 + 1e16 - 3e16]);
}

#[test]
fn buffered_mean_of_int64_adds_chunks_of_8192() {
    // np.mean of int64 casts on the fly: each 8192 elements are one pairwise sum.
    let n = 20000;
    let ints = big_ints(n);
    let f: Vec<f64> = ints.iter().map(|&i| i as f64).collect();
    let chunked = f.chunks(8192).fold(0.0, |acc, c| acc + numpy_pairwise(c));
    let whole = 0.0 + numpy_pairwise(&f);
    assert_ne!(chunked, whole, "the data should tell the two orders apart");
    let x = || Tensor::f_from_slice(&ints).unwrap();
    let (_, plan) = sum_plan("mean[axes=(0,),keepdims=false]", DType::I64, &[n as i64]);
    assert!(plan.to_string().contains("buffered: true"), "{plan}");
    let out = plan.run(vec![x()]).unwrap();
    assert_eq!(as_f64(&out[0]), vec![chunked / n as f64]);
    // x.astype(np.float64).sum() sums the materialized float64 array whole.
    let mut g = Graph::new("f");
    let xi = input(&mut g, "x", DType::I64, &[n as i64]);
    let c = g.add(op("cast[to=f64]"), &[xi]).unwrap();
    g.outputs = vec![g.add(op("sum[axes=(0,),keepdims=false]"), &[c]).unwrap()];
    let out = run(&g, vec![x()]).unwrap();
    assert_eq!(as_f64(&out[0]), vec![whole]);
    // The same graph with NumPy's on-the-fly cast (np.sum(x, dtype=np.float64)).
    let mut g = Graph::new("f");
    let xi = input(&mut g, "x", DType::I64, &[n as i64]);
    let c = g.add(op("cast[to=f64]"), &[xi]).unwrap();
    let s = op("sum[axes=(0,),keepdims=false,buffered=true]");
    g.outputs = vec![g.add(s, &[c]).unwrap()];
    let out = run(&g, vec![x()]).unwrap();
    assert_eq!(as_f64(&out[0]), vec![chunked]);
}

#[test]
fn float_sum_of_a_transposed_input_follows_memory_order() {
    // np.sum(x.T, axis=0) for a C-contiguous x of shape (3, 40): NumPy iterates
    // memory order, one pairwise sum per row of x.
    let f: Vec<f64> = big_ints(120).iter().map(|&i| i as f64).collect();
    let mut g = Graph::new("f");
    let x = input(&mut g, "x", DType::F64, &[3, 40]);
    let t = g.add(op("permute[perm=(1,0)]"), &[x]).unwrap();
    g.outputs = vec![g.add(op("sum[axes=(0,),keepdims=false]"), &[t]).unwrap()];
    let out = run(&g, vec![f64s(&f, &[3, 40])]).unwrap();
    let want: Vec<f64> = f.chunks(40).map(|r| 0.0 + numpy_pairwise(r)).collect();
    assert_eq!(as_f64(&out[0]), want);
}

#[test]
fn float32_sum_accumulates_in_float32() {
    // 2^24 + 1 is not a float32: NumPy's float32 sum of [2^24, 1, 1] (in order)
    // stays 2^24, where a float64 accumulator would give 2^24 + 2.
    let t = Tensor::f_from_slice(&[16777216.0f32, 1.0, 1.0]).unwrap();
    let (_, plan) = sum_plan("sum[axes=(0,),keepdims=false]", DType::F32, &[3]);
    let out = plan.run(vec![t]).unwrap();
    assert_eq!(out[0].kind(), Kind::Float);
    assert_eq!(as_f64(&out[0]), vec![16777216.0]);
}
