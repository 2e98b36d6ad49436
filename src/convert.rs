//! Arguments ⇄ tensors: the pytree walk that makes the signature key and finds the
//! array leaves, zero-copy numpy → tensor wrapping, and tensor → numpy/torch outputs.

use crate::errors::tch_err;
use ir::DType;
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyComplex, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use smallvec::SmallVec;
use tch::{Device, Kind, Tensor};

/// The signature cache's hasher: FxHash's multiply-rotate (keys are short and
/// not adversarial; SipHash was a visible part of a cache hit).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(n as u64);
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FastHash = std::hash::BuildHasherDefault<FxHasher>;

/// One part of a signature key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KeyPart {
    Tuple(usize),
    List(usize),
    Dict(usize),
    None,
    Bool(bool),
    Int(i64),
    BigInt(String),
    Float(u64),
    Complex(u64, u64),
    Str(String),
    /// numpy array: dtype, shape, layout (0 C, 1 F, 2 other; + 4 read-only).
    Array(DType, SmallVec<[i64; 4]>, u8),
    /// torch tensor: dtype, shape, device, requires_grad.
    Tensor(DType, Vec<i64>, String, bool),
    /// NumPy scalar (np.float64(1.0), ...): a 0-d input of its dtype.
    NpScalar(DType),
    /// An array-like npcompile cannot take (object dtype, non-native byte order, ...).
    Unsupported(String),
    /// Any other object, by identity (the cache entry keeps it alive).
    Object(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafKind {
    Numpy,
    Torch,
    NpScalar,
}

/// How the walk treats one object.
pub enum Class {
    Tuple,
    List,
    Dict,
    Leaf(LeafKind, KeyPart),
    Static(KeyPart),
}

static NP_GENERIC: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static NP_NDARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub fn dtype_of_char(c: u8) -> Option<DType> {
    Some(match c {
        b'?' => DType::Bool,
        b'b' => DType::I8,
        b'h' => DType::I16,
        b'i' => DType::I32,
        b'l' | b'q' => DType::I64,
        b'B' => DType::U8,
        b'H' => DType::U16,
        b'I' => DType::U32,
        b'L' | b'Q' => DType::U64,
        b'e' => DType::F16,
        b'f' => DType::F32,
        b'd' => DType::F64,
        b'F' => DType::C64,
        b'D' => DType::C128,
        _ => return None,
    })
}

pub fn dtype_of_kind(k: Kind) -> Option<DType> {
    Some(match k {
        Kind::Bool => DType::Bool,
        Kind::Int8 => DType::I8,
        Kind::Int16 => DType::I16,
        Kind::Int => DType::I32,
        Kind::Int64 => DType::I64,
        Kind::Uint8 => DType::U8,
        Kind::Half => DType::F16,
        Kind::Float => DType::F32,
        Kind::Double => DType::F64,
        Kind::ComplexFloat => DType::C64,
        Kind::ComplexDouble => DType::C128,
        _ => return None,
    })
}

fn array_dtype(arr: &Bound<'_, PyUntypedArray>) -> Result<DType, String> {
    let descr = arr.dtype();
    if descr.is_native_byteorder() == Some(false) {
        return Err("a non-native byte order array".into());
    }
    dtype_of_char(descr.char()).ok_or_else(|| format!("an array of dtype {}", descr))
}

pub fn torch_tensor(obj: &Bound<'_, PyAny>) -> Option<Tensor> {
    // SAFETY: obj is a live Python object; the check rejects non-tensors.
    unsafe {
        Tensor::pyobject_unpack(obj.as_ptr() as *mut _)
            .ok()
            .flatten()
    }
}

pub fn classify(obj: &Bound<'_, PyAny>) -> PyResult<Class> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Class::Static(KeyPart::None));
    }
    if obj.is_exact_instance_of::<PyTuple>() {
        return Ok(Class::Tuple);
    }
    if obj.is_exact_instance_of::<PyList>() {
        return Ok(Class::List);
    }
    if obj.is_exact_instance_of::<PyDict>() {
        return Ok(Class::Dict);
    }
    if let Ok(arr) = obj.cast::<PyUntypedArray>() {
        if !obj
            .get_type()
            .is(NP_NDARRAY.import(py, "numpy", "ndarray")?)
        {
            // np.matrix, masked arrays, ...: their operators mean other things.
            let name = obj.get_type().name()?.to_string();
            return Ok(Class::Static(KeyPart::Unsupported(format!(
                "an ndarray subclass ({name})"
            ))));
        }
        let shape: SmallVec<[i64; 4]> = arr.shape().iter().map(|&d| d as i64).collect();
        let order = if arr.is_c_contiguous() {
            0
        } else if arr.is_fortran_contiguous() {
            1
        } else {
            2
        };
        // A plan may write its arguments in place: a read-only array is
        // another signature (its trace raises NumPy's error on a write).
        // SAFETY: reading the flags of a live array.
        let writeable =
            unsafe { (*arr.as_array_ptr()).fields.flags } & numpy::npyffi::NPY_ARRAY_WRITEABLE != 0;
        let layout = order | if writeable { 0 } else { 4 };
        return Ok(match array_dtype(arr) {
            Ok(d) => Class::Leaf(LeafKind::Numpy, KeyPart::Array(d, shape, layout)),
            Err(why) => Class::Static(KeyPart::Unsupported(why)),
        });
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Class::Static(KeyPart::Bool(obj.extract()?)));
    }
    let generic = NP_GENERIC.import(py, "numpy", "generic")?;
    if obj.get_type().is_subclass(generic)? {
        let dtype = obj.getattr("dtype")?;
        let c: String = dtype.getattr("char")?.extract()?;
        return Ok(match dtype_of_char(c.as_bytes()[0]) {
            Some(d) => Class::Leaf(LeafKind::NpScalar, KeyPart::NpScalar(d)),
            None => Class::Static(KeyPart::Unsupported(format!(
                "a NumPy scalar of dtype {dtype}"
            ))),
        });
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(Class::Static(match obj.extract::<i64>() {
            Ok(i) => KeyPart::Int(i),
            Err(_) => KeyPart::BigInt(obj.str()?.to_string()),
        }));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Class::Static(KeyPart::Float(
            obj.extract::<f64>()?.to_bits(),
        )));
    }
    if let Ok(c) = obj.cast::<PyComplex>() {
        return Ok(Class::Static(KeyPart::Complex(
            c.real().to_bits(),
            c.imag().to_bits(),
        )));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Class::Static(KeyPart::Str(s.to_string())));
    }
    if let Some(t) = torch_tensor(obj) {
        let shape = t.size();
        // tch has no kind for torch.uint16/32/64 (`kind()` would panic).
        let kind = t.f_kind().ok();
        return Ok(match kind.and_then(dtype_of_kind) {
            Some(d) => Class::Leaf(
                LeafKind::Torch,
                KeyPart::Tensor(d, shape, format!("{:?}", t.device()), t.requires_grad()),
            ),
            None => Class::Static(KeyPart::Unsupported(match kind {
                Some(k) => format!("a tensor of dtype {k:?}"),
                None => "a tensor of a dtype tch does not know (torch.uint16/32/64)".to_string(),
            })),
        });
    }
    Ok(Class::Static(KeyPart::Object(obj.as_ptr() as usize)))
}

/// The flattened arguments of one call.
#[derive(Default)]
pub struct Flat<'py> {
    pub key: Vec<KeyPart>,
    pub leaves: SmallVec<[(LeafKind, Bound<'py, PyAny>); 4]>,
    /// Objects keyed by identity: the cache entry holds them so ids stay unique.
    pub objects: Vec<Bound<'py, PyAny>>,
}

impl<'py> Flat<'py> {
    pub fn walk(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        match classify(obj)? {
            Class::Tuple => {
                let t = obj.cast::<PyTuple>()?;
                self.key.push(KeyPart::Tuple(t.len()));
                for item in t.iter() {
                    self.walk(&item)?;
                }
            }
            Class::List => {
                let l = obj.cast::<PyList>()?;
                self.key.push(KeyPart::List(l.len()));
                for item in l.iter() {
                    self.walk(&item)?;
                }
            }
            Class::Dict => {
                let d = obj.cast::<PyDict>()?;
                self.key.push(KeyPart::Dict(d.len()));
                for (k, v) in d.iter() {
                    self.walk(&k)?;
                    self.walk(&v)?;
                }
            }
            Class::Leaf(kind, part) => {
                self.key.push(part);
                self.leaves.push((kind, obj.clone()));
            }
            Class::Static(part) => {
                if matches!(part, KeyPart::Object(_)) {
                    self.objects.push(obj.clone());
                }
                self.key.push(part);
            }
        }
        Ok(())
    }

    pub fn device(&self) -> Device {
        self.leaves
            .iter()
            .find_map(|(k, o)| {
                if *k == LeafKind::Torch {
                    torch_tensor(o).map(|t| t.device())
                } else {
                    None
                }
            })
            .unwrap_or(Device::Cpu)
    }

    /// Whether every array argument is a C-ordered NumPy array (or a NumPy
    /// scalar); torch tensors' strides are not part of the signature.
    pub fn c_ordered(&self) -> bool {
        self.key.iter().all(|k| match k {
            KeyPart::Array(_, _, layout) => layout & 3 == 0,
            KeyPart::Tensor(..) => false,
            _ => true,
        })
    }

    /// Whether a torch tensor argument requires grad.
    pub fn requires_grad(&self) -> bool {
        self.key
            .iter()
            .any(|k| matches!(k, KeyPart::Tensor(_, _, _, true)))
    }

    pub fn torch_out(&self) -> bool {
        self.leaves.iter().any(|(k, _)| *k == LeafKind::Torch)
    }
}

/// Rebuild `obj` with each array leaf replaced by `f(leaf)`, in the walk's order.
pub fn map_leaves<'py>(
    obj: &Bound<'py, PyAny>,
    f: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    Ok(match classify(obj)? {
        Class::Tuple => {
            let items: Vec<_> = obj
                .cast::<PyTuple>()?
                .iter()
                .map(|i| map_leaves(&i, f))
                .collect::<PyResult<_>>()?;
            PyTuple::new(py, items)?.into_any()
        }
        Class::List => {
            let items: Vec<_> = obj
                .cast::<PyList>()?
                .iter()
                .map(|i| map_leaves(&i, f))
                .collect::<PyResult<_>>()?;
            PyList::new(py, items)?.into_any()
        }
        Class::Dict => {
            let out = PyDict::new(py);
            for (k, v) in obj.cast::<PyDict>()?.iter() {
                out.set_item(k, map_leaves(&v, f)?)?;
            }
            out.into_any()
        }
        Class::Leaf(..) => f.call1((obj,))?,
        Class::Static(_) => obj.clone(),
    })
}

/// Wrap an array leaf as a tensor without copying where its layout allows; `keep`
/// holds any copy made so it outlives the run. The flag says whether the tensor
/// is the caller's own memory (no copy, no device transfer).
pub fn leaf_tensor<'py>(
    kind: LeafKind,
    obj: &Bound<'py, PyAny>,
    device: Device,
    keep: &mut Vec<Bound<'py, PyAny>>,
) -> PyResult<(Tensor, bool)> {
    let py = obj.py();
    let copies = keep.len();
    let t = match kind {
        LeafKind::Torch => torch_tensor(obj)
            .ok_or_else(|| crate::errors::InternalError::new_err("expected a tensor"))?,
        LeafKind::NpScalar => {
            let arr = py.import("numpy")?.call_method1("asarray", (obj,))?;
            let t = numpy_tensor(&arr, keep)?;
            keep.push(arr);
            t
        }
        LeafKind::Numpy => numpy_tensor(obj, keep)?,
    };
    if t.device() != device {
        return Ok((t.f_to(device).map_err(tch_err)?, false));
    }
    Ok((t, keep.len() == copies))
}

fn numpy_tensor<'py>(
    obj: &Bound<'py, PyAny>,
    keep: &mut Vec<Bound<'py, PyAny>>,
) -> PyResult<Tensor> {
    let arr = obj.cast::<PyUntypedArray>()?;
    let dtype = array_dtype(arr).map_err(crate::errors::UnsupportedError::new_err)?;
    let kind = backends::torch::kind_of(dtype).map_err(|e| crate::errors::ir_err(obj.py(), e))?;
    let item = dtype.itemsize() as isize;
    let shape: Vec<i64> = arr.shape().iter().map(|&d| d as i64).collect();
    // libtorch aborts on negative or unaligned strides: copy such arrays first.
    let ok = arr
        .strides()
        .iter()
        .zip(arr.shape())
        .all(|(&s, &d)| d <= 1 || (s >= 0 && s % item == 0));
    if !ok {
        let copy = obj
            .py()
            .import("numpy")?
            .call_method1("ascontiguousarray", (obj,))?;
        let t = numpy_tensor(&copy, keep)?;
        keep.push(copy);
        return Ok(t);
    }
    let strides: Vec<i64> = arr
        .strides()
        .iter()
        .zip(arr.shape())
        .map(|(&s, &d)| if d <= 1 { 0 } else { (s / item) as i64 })
        .collect();
    // SAFETY: the pointer, shape and strides describe the array's own buffer, the
    // strides are checked above, and the caller keeps the array alive while the
    // tensor is used (it never leaves the call: outputs that alias are copied).
    unsafe {
        let data = (*arr.as_array_ptr()).fields.data as *const u8;
        Tensor::f_from_blob(data, &shape, &strides, kind, Device::Cpu).map_err(tch_err)
    }
}

/// A tensor handed to Python: a torch.Tensor, or a numpy array viewing its memory.
/// uint16/32/64 results come from their signed storage as a view of the same bits.
pub fn tensor_out<'py>(
    py: Python<'py>,
    t: Tensor,
    dtype: DType,
    as_torch: bool,
    scalar: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let ptr = t.pyobject_wrap().map_err(tch_err)?;
    // SAFETY: pyobject_wrap returns a new reference to a torch.Tensor.
    let obj = unsafe { Bound::from_owned_ptr(py, ptr as *mut pyo3::ffi::PyObject) };
    let unsigned = ir::native::storage_only(dtype);
    if as_torch {
        if unsigned {
            return obj.call_method1("view", (py.import("torch")?.getattr(dtype.numpy_name())?,));
        }
        return Ok(obj);
    }
    let mut arr = obj.call_method0("numpy")?;
    if unsigned {
        arr = arr.call_method1("view", (dtype.numpy_name(),))?;
    }
    if scalar {
        return arr.get_item(PyTuple::empty(py));
    }
    Ok(arr)
}

/// An array's or CPU tensor's memory in bytes: (data address, shape,
/// strides, item size).
type Memory = (isize, Vec<isize>, Vec<isize>, isize);

fn array_memory(obj: &Bound<'_, PyAny>) -> Option<Memory> {
    if let Ok(arr) = obj.cast::<PyUntypedArray>() {
        // SAFETY: reading the data pointer of a live array.
        let data = unsafe { (*arr.as_array_ptr()).fields.data } as isize;
        return Some((
            data,
            arr.shape().iter().map(|&d| d as isize).collect(),
            arr.strides().to_vec(),
            arr.dtype().itemsize() as isize,
        ));
    }
    tensor_memory(&torch_tensor(obj)?)
}

fn tensor_memory(t: &Tensor) -> Option<Memory> {
    if t.device() != Device::Cpu {
        return None;
    }
    let item = t.f_kind().ok()?.elt_size_in_bytes() as isize;
    Some((
        t.data_ptr() as isize,
        t.size().iter().map(|&d| d as isize).collect(),
        t.stride().iter().map(|&s| s as isize * item).collect(),
        item,
    ))
}

/// The byte range some memory's elements span, where it has elements.
fn span((start, shape, strides, item): Memory) -> Option<(usize, usize)> {
    if shape.contains(&0) {
        return None;
    }
    let (mut lo, mut hi) = (start, start + item);
    for (&d, &s) in shape.iter().zip(&strides) {
        let reach = (d - 1) * s;
        if reach < 0 {
            lo += reach;
        } else {
            hi += reach;
        }
    }
    Some((lo as usize, hi as usize))
}

fn extent(obj: &Bound<'_, PyAny>) -> Option<(usize, usize)> {
    span(array_memory(obj)?)
}

/// Whether two CPU tensors' element ranges intersect.
pub fn tensors_overlap(a: &Tensor, b: &Tensor) -> bool {
    match (
        tensor_memory(a).and_then(span),
        tensor_memory(b).and_then(span),
    ) {
        (Some((a0, a1)), Some((b0, b1))) => a0 < b1 && b0 < a1,
        _ => false,
    }
}

/// Whether an array's own elements may share memory: axes sorted by stride,
/// each must step past everything the smaller ones span.
pub fn self_overlaps(obj: &Bound<'_, PyAny>) -> bool {
    let Some((_, shape, strides, item)) = array_memory(obj) else {
        return false;
    };
    if shape.contains(&0) {
        return false;
    }
    let mut axes: Vec<(isize, isize)> = shape
        .iter()
        .zip(&strides)
        .filter(|(&d, _)| d > 1)
        .map(|(&d, &s)| (s.abs(), d))
        .collect();
    axes.sort_unstable();
    let mut span = item;
    for (stride, d) in axes {
        if stride < span {
            return true;
        }
        span = stride * (d - 1) + span;
    }
    false
}

/// Whether two of these arrays may share memory (NumPy's `may_share_memory`).
pub fn any_overlap<'py>(objs: impl Iterator<Item = Bound<'py, PyAny>>) -> bool {
    let mut ranges: Vec<(usize, usize)> = objs.filter_map(|o| extent(&o)).collect();
    ranges.sort_unstable();
    ranges.windows(2).any(|w| w[1].0 < w[0].1)
}

/// A new C-ordered NumPy array of `dtype` and `shape` (NumPy's allocator), and
/// a tensor of storage `kind` over its memory for the plan to write.
pub fn numpy_empty<'py>(
    py: Python<'py>,
    dtype: DType,
    kind: Kind,
    shape: &[i64],
    cache: &ViewCache,
    position: usize,
) -> PyResult<(Bound<'py, PyAny>, Tensor)> {
    use numpy::npyffi::{npy_intp, NPY_TYPES, PY_ARRAY_API};
    let typenum = match dtype {
        DType::Bool => NPY_TYPES::NPY_BOOL,
        DType::I8 => NPY_TYPES::NPY_BYTE,
        DType::I16 => NPY_TYPES::NPY_SHORT,
        DType::I32 => NPY_TYPES::NPY_INT,
        DType::I64 => NPY_TYPES::NPY_LONG,
        DType::U8 => NPY_TYPES::NPY_UBYTE,
        DType::U16 => NPY_TYPES::NPY_USHORT,
        DType::U32 => NPY_TYPES::NPY_UINT,
        DType::U64 => NPY_TYPES::NPY_ULONG,
        DType::F16 => NPY_TYPES::NPY_HALF,
        DType::F32 => NPY_TYPES::NPY_FLOAT,
        DType::F64 => NPY_TYPES::NPY_DOUBLE,
        DType::C64 => NPY_TYPES::NPY_CFLOAT,
        DType::C128 => NPY_TYPES::NPY_CDOUBLE,
    };
    let mut dims: Vec<npy_intp> = shape.iter().map(|&d| d as npy_intp).collect();
    // SAFETY: DescrFromType returns a new reference that PyArray_Empty steals;
    // PyArray_Empty returns a new reference or NULL with an exception set.
    let arr = unsafe {
        let descr = PY_ARRAY_API.PyArray_DescrFromType(py, typenum as i32);
        if descr.is_null() {
            return Err(PyErr::fetch(py));
        }
        let ptr = PY_ARRAY_API.PyArray_Empty(py, dims.len() as i32, dims.as_mut_ptr(), descr, 0);
        Bound::from_owned_ptr_or_err(py, ptr)?
    };
    let untyped = arr.cast::<PyUntypedArray>()?;
    if let Some(t) = cache.get(position, untyped) {
        return Ok((arr, t));
    }
    let mut strides = vec![0i64; shape.len()];
    let mut step = 1i64;
    for d in (0..shape.len()).rev() {
        strides[d] = step;
        step *= shape[d].max(1);
    }
    // SAFETY: the array is C-ordered with these element strides, and the caller
    // keeps it alive while the tensor is used.
    let data = unsafe { (*untyped.as_array_ptr()).fields.data } as *const u8;
    let t = unsafe { Tensor::f_from_blob(data, shape, &strides, kind, Device::Cpu) }
        .map_err(tch_err)?;
    cache.put(position, untyped, &t);
    Ok((arr, t))
}

/// Tensors over arrays seen before, per input (or output) position: a cache hit
/// passes the same memory with the same strides again (a loop calling with the
/// same arrays, or NumPy handing the same block to a new result), and its tensor
/// is reused instead of wrapping the memory anew. The tensors own nothing: one
/// found here describes exactly the memory of the array that matched it.
#[derive(Default)]
pub struct ViewCache(std::sync::Mutex<Vec<Option<(usize, Vec<isize>, Tensor)>>>);

impl ViewCache {
    /// The tensor over `arr`'s memory where the last array at `position` had
    /// the same data pointer and strides.
    pub fn get(&self, position: usize, arr: &Bound<'_, PyUntypedArray>) -> Option<Tensor> {
        let guard = self.0.lock().ok()?;
        let (ptr, strides, t) = guard.get(position)?.as_ref()?;
        // SAFETY: reading the data pointer of a live array.
        let data = unsafe { (*arr.as_array_ptr()).fields.data } as usize;
        (data == *ptr && arr.strides() == strides.as_slice()).then(|| t.shallow_clone())
    }

    pub fn put(&self, position: usize, arr: &Bound<'_, PyUntypedArray>, t: &Tensor) {
        if let Ok(mut guard) = self.0.lock() {
            if guard.len() <= position {
                guard.resize_with(position + 1, || None);
            }
            // SAFETY: reading the data pointer of a live array.
            let data = unsafe { (*arr.as_array_ptr()).fields.data } as usize;
            guard[position] = Some((data, arr.strides().to_vec(), t.shallow_clone()));
        }
    }
}
