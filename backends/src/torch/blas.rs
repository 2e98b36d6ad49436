//! Matrix products through NumPy's own BLAS (the OpenBLAS its wheels bundle),
//! found among the libraries already loaded in the process. Sharing NumPy's
//! BLAS shares its thread pool: libtorch's MKL threads would spin against
//! OpenBLAS's workers on the same cores (see docs/architecture.md, "Threads").
//! Where no such library is loaded (no NumPy, or a NumPy built otherwise) the
//! plan keeps libtorch's matmul.

use crate::plan::PlanError;
use std::ffi::{c_int, c_void, CStr};
use std::sync::OnceLock;
use tch::{Device, Kind, Tensor};

const ROW_MAJOR: c_int = 101;
const NO_TRANS: c_int = 111;
const TRANS: c_int = 112;

/// `cblas_?gemm` of an ILP64 OpenBLAS (64-bit integer arguments).
type Gemm<T> = unsafe extern "C" fn(
    order: c_int,
    trans_a: c_int,
    trans_b: c_int,
    m: i64,
    n: i64,
    k: i64,
    alpha: T,
    a: *const T,
    lda: i64,
    b: *const T,
    ldb: i64,
    beta: T,
    c: *mut T,
    ldc: i64,
) -> ();

/// `cblas_?gemv` of an ILP64 OpenBLAS: `y = alpha * op(A) x + beta * y`.
type Gemv<T> = unsafe extern "C" fn(
    order: c_int,
    trans: c_int,
    m: i64,
    n: i64,
    alpha: T,
    a: *const T,
    lda: i64,
    x: *const T,
    incx: i64,
    beta: T,
    y: *mut T,
    incy: i64,
) -> ();

pub struct Blas {
    pub library: String,
    dgemm: Gemm<f64>,
    sgemm: Gemm<f32>,
    /// Matrix-vector products, as NumPy's matmul computes them (where found).
    gemv: Option<(Gemv<f64>, Gemv<f32>)>,
}

/// NumPy's BLAS where it is loaded (looked up once).
pub fn numpy_blas() -> Option<&'static Blas> {
    static BLAS: OnceLock<Option<Blas>> = OnceLock::new();
    BLAS.get_or_init(find).as_ref()
}

fn find() -> Option<Blas> {
    if std::env::var("NPCOMPILE_BLAS").is_ok_and(|v| v == "torch") {
        return None;
    }
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let mut paths: Vec<&str> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|p| p.contains("openblas") && p.contains(".so"))
        .collect();
    paths.dedup();
    // Only the suffixed ILP64 names: their integer width is certain.
    let names = [
        (c"scipy_cblas_dgemm64_", c"scipy_cblas_sgemm64_", c"scipy_cblas_dgemv64_", c"scipy_cblas_sgemv64_"),
        (c"cblas_dgemm64_", c"cblas_sgemm64_", c"cblas_dgemv64_", c"cblas_sgemv64_"),
    ];
    for path in paths {
        let Some(lib) = crate::dl::Loaded::find(path) else {
            continue;
        };
        for (d, s, dv, sv) in names {
            let (dvp, svp) = (lib.symbol(dv), lib.symbol(sv));
            if let (Some(dp), Some(sp)) = (lib.symbol(d), lib.symbol(s)) {
                // SAFETY: these symbols are cblas_dgemm/cblas_sgemm (and
                // cblas_dgemv/cblas_sgemv) of an ILP64 build, whose C signatures
                // `Gemm` and `Gemv` spell.
                return Some(Blas {
                    library: format!("{path} ({})", to_str(d)),
                    dgemm: unsafe { std::mem::transmute::<*mut c_void, Gemm<f64>>(dp) },
                    sgemm: unsafe { std::mem::transmute::<*mut c_void, Gemm<f32>>(sp) },
                    gemv: dvp.zip(svp).map(|(dvp, svp)| unsafe {
                        (
                            std::mem::transmute::<*mut c_void, Gemv<f64>>(dvp),
                            std::mem::transmute::<*mut c_void, Gemv<f32>>(svp),
                        )
                    }),
                });
            }
        }
    }
    None
}

fn to_str(s: &CStr) -> &str {
    s.to_str().unwrap_or("?")
}

/// A row-major operand as BLAS reads it: (transposed, leading dimension), or
/// `None` where neither axis has unit stride.
fn layout(t: &Tensor) -> Option<(bool, i64)> {
    layout_of(&t.size(), &t.stride())
}

/// `layout` from a matrix's size and strides (read once: each is a call).
fn layout_of(size: &[i64], stride: &[i64]) -> Option<(bool, i64)> {
    if size.len() != 2 || stride.len() != 2 {
        return None;
    }
    let (rows, cols) = (size[0], size[1]);
    // The stride of a length-1 axis steps nowhere: read it as C order's.
    let s1 = if cols == 1 { 1 } else { stride[1] };
    let s0 = if rows == 1 { cols.max(1) } else { stride[0] };
    if s1 == 1 && s0 >= cols.max(1) {
        Some((false, s0))
    } else if s0 == 1 && s1 >= rows.max(1) {
        Some((true, s1))
    } else {
        None
    }
}

/// `a @ b` written into `c` (m x n, unit column stride) through NumPy's BLAS;
/// false (nothing written) where it does not take them.
pub fn matmul_into(a: &Tensor, b: &Tensor, c: &Tensor) -> Result<bool, PlanError> {
    gemm_into(a, b, c, 1.0, 0.0)
}

/// `y = a @ x` (`matrix_first`: a is m x k, x has k elements) or `y = x @ a`
/// (a is k x m) for float32/float64 on the CPU through NumPy's gemv, as
/// NumPy's matmul computes a matrix-vector product; false (nothing written)
/// where it does not take them.
pub fn gemv_into(a: &Tensor, x: &Tensor, y: &Tensor, matrix_first: bool) -> Result<bool, PlanError> {
    let Some((dgemv, sgemv)) = numpy_blas().and_then(|b| b.gemv) else {
        return Ok(false);
    };
    let kind = a.kind();
    let cpu = [a, x, y].iter().all(|t| t.device() == Device::Cpu && t.kind() == kind);
    if !cpu || !matches!(kind, Kind::Double | Kind::Float) || a.dim() != 2 || x.dim() != 1 || y.dim() != 1 {
        return Ok(false);
    }
    let size = a.size();
    let (k, m) = if matrix_first { (size[1], size[0]) } else { (size[0], size[1]) };
    if m == 0 || k == 0 || x.size()[0] != k || y.size()[0] != m {
        return Ok(false);
    }
    let (incx, incy) = (x.stride()[0], y.stride()[0]);
    if incx < 1 || incy < 1 {
        return Ok(false);
    }
    let (a, (transposed, lda)) = match layout_of(&size, &a.stride()) {
        Some(l) => (a.shallow_clone(), l),
        None => {
            let c = a.f_contiguous()?;
            let l = layout(&c).ok_or_else(|| PlanError::Torch("gemv operand layout".into()))?;
            (c, l)
        }
    };
    // The stored row-major matrix is `a` or its transpose; y needs `a` (matrix
    // first) or its transpose (vector first) times x.
    let trans = if transposed == matrix_first { TRANS } else { NO_TRANS };
    let (rows, cols) = if transposed { (size[1], size[0]) } else { (size[0], size[1]) };
    // SAFETY: the pointers address live tensors of the sizes and strides given;
    // `y` (m elements, stride incy) shares no memory with `a` or `x` (a plan's
    // destinations never hold a live value).
    unsafe {
        if kind == Kind::Double {
            dgemv(ROW_MAJOR, trans, rows, cols, 1.0, a.data_ptr() as *const f64, lda,
                  x.data_ptr() as *const f64, incx, 0.0, y.data_ptr() as *mut f64, incy)
        } else {
            sgemv(ROW_MAJOR, trans, rows, cols, 1.0, a.data_ptr() as *const f32, lda,
                  x.data_ptr() as *const f32, incx, 0.0, y.data_ptr() as *mut f32, incy)
        }
    }
    Ok(true)
}

/// `c = alpha * (a @ b) + beta * c` (c: m x n with unit column stride) through
/// NumPy's BLAS; false (nothing written) where it does not take them. With
/// `beta == 0` BLAS does not read `c`.
pub fn gemm_into(
    a: &Tensor,
    b: &Tensor,
    c: &Tensor,
    alpha: f64,
    beta: f64,
) -> Result<bool, PlanError> {
    let Some(blas) = numpy_blas() else {
        return Ok(false);
    };
    let kind = a.kind();
    if a.device() != Device::Cpu
        || !matches!(kind, Kind::Double | Kind::Float)
        || b.kind() != kind
        || c.kind() != kind
        || c.device() != Device::Cpu
    {
        return Ok(false);
    }
    let (sa, sb, sc) = (a.size(), b.size(), c.size());
    if sa.len() != 2 || sb.len() != 2 || sc.len() != 2 {
        return Ok(false);
    }
    let (m, k, n) = (sa[0], sa[1], sb[1]);
    if m == 0 || n == 0 || k == 0 || sc != [m, n] {
        return Ok(false);
    }
    let Some((false, ldc)) = layout_of(&sc, &c.stride()) else {
        return Ok(false);
    };
    // Each operand as BLAS reads it, made C-ordered where it cannot.
    let readable = |t: &Tensor, size: &[i64]| -> Result<(Tensor, (bool, i64)), PlanError> {
        if let Some(l) = layout_of(size, &t.stride()) {
            return Ok((t.shallow_clone(), l));
        }
        let t = t.f_contiguous()?;
        let l = layout(&t).ok_or_else(|| PlanError::Torch("matmul operand layout".into()))?;
        Ok((t, l))
    };
    let (a, la) = readable(a, &sa)?;
    let (b, lb) = readable(b, &sb)?;
    // SAFETY: the pointers address live tensors of the sizes and strides given;
    // `c` is m x n with unit column stride and row stride ldc (read where beta
    // is nonzero); it shares no memory with `a` or `b` (a plan's destinations
    // never hold a live value).
    unsafe {
        gemm_raw(
            blas,
            kind == Kind::Double,
            [m, n, k],
            alpha,
            (a.data_ptr() as *const u8, la),
            (b.data_ptr() as *const u8, lb),
            beta,
            (c.data_ptr() as *mut u8, ldc),
        )
    };
    Ok(true)
}

/// A matrix as BLAS reads it, from its size and strides in elements (see
/// `layout_of`).
pub fn blas_layout(size: &[i64], strides: &[isize]) -> Option<(bool, i64)> {
    let st: [i64; 2] = match strides {
        [a, b] => [*a as i64, *b as i64],
        _ => return None,
    };
    layout_of(size, &st)
}

/// `c = alpha * (a @ b) + beta * c` on raw float64 (`double`) or float32
/// memory: `[m, n, k]`, each operand's (first element, (transposed, leading
/// dimension)), `c` row-major with leading dimension `ldc`.
///
/// # Safety
/// The pointers address the elements those layouts describe; `c` does not
/// overlap `a` or `b`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_raw(
    blas: &Blas,
    double: bool,
    [m, n, k]: [i64; 3],
    alpha: f64,
    (a, (ta, lda)): (*const u8, (bool, i64)),
    (b, (tb, ldb)): (*const u8, (bool, i64)),
    beta: f64,
    (c, ldc): (*mut u8, i64),
) {
    let trans = |t: bool| if t { TRANS } else { NO_TRANS };
    if double {
        (blas.dgemm)(
            ROW_MAJOR,
            trans(ta),
            trans(tb),
            m,
            n,
            k,
            alpha,
            a as *const f64,
            lda,
            b as *const f64,
            ldb,
            beta,
            c as *mut f64,
            ldc,
        )
    } else {
        (blas.sgemm)(
            ROW_MAJOR,
            trans(ta),
            trans(tb),
            m,
            n,
            k,
            alpha as f32,
            a as *const f32,
            lda,
            b as *const f32,
            ldb,
            beta as f32,
            c as *mut f32,
            ldc,
        )
    }
}
