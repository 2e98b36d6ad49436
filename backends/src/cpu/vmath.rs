//! Transcendental functions as libtorch's CPU kernels compute them, called
//! on a tile without libtorch's dispatch (1-2 us a call, more than a
//! 1024-element tile's work), so `exp`, `log`, `sin`, ... join fused regions
//! and the bits are libtorch's at every size (a scalar libm loop gave others
//! below 512 elements). libtorch's `at::vml` computes `exp`, `log`, `sin`,
//! `cos` and `tanh` with MKL's VML (`vdExp`, ...) and `expm1` and `log1p`
//! with SLEEF's 1.0-ulp vector functions (8 float64 / 16 float32 lanes where
//! the CPU has AVX-512, libtorch's choice there, else 4 / 8 with AVX2 and
//! FMA); libtorch_cpu exports both, and they are looked up in it once. MKL's
//! `exp` and `log` give NumPy's bits on every value measured, `sin`/`cos`
//! 99.8% of them (a last-bit difference elsewhere); SLEEF's `exp` 1 ulp off
//! NumPy's on most values, which is why it is not used for `exp`. A function
//! not found leaves the caller's scalar loop or libtorch call.

use super::kernels::{Raw, Rows};
use crate::dl::Loaded;
use std::ffi::{c_int, c_void, CString};

/// The functions, one entry each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fun {
    Exp,
    Log,
    Sin,
    Cos,
    Tanh,
    Expm1,
    Log1p,
}

const FUNS: [Fun; 7] = [
    Fun::Exp,
    Fun::Log,
    Fun::Sin,
    Fun::Cos,
    Fun::Tanh,
    Fun::Expm1,
    Fun::Log1p,
];

/// How one function runs for one float type.
#[derive(Clone, Copy)]
enum Impl {
    /// MKL's `v?Fn(n, a, y)` over a contiguous run.
    Vml(unsafe extern "C" fn(c_int, *const u8, *mut u8)),
    /// A SLEEF function of one vector, run by the C loop for its width.
    Sleef(*const c_void, SleefLoop),
}

type SleefLoop = unsafe extern "C" fn(*const c_void, *mut u8, isize, *const u8, isize, usize);

// SAFETY: function addresses in a library that stays loaded.
unsafe impl Send for Impl {}
unsafe impl Sync for Impl {}

/// Per function: float64's and float32's; and MKL's
/// `mkl_set_num_threads_local`.
struct Table(
    [(Option<Impl>, Option<Impl>); 7],
    Option<unsafe extern "C" fn(c_int) -> c_int>,
);

fn table() -> &'static Table {
    static T: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        // libtorch_cpu is loaded: the extension links it.
        let lib = Loaded::find("libtorch_cpu.so")
            .filter(|_| std::env::var("NPCOMPILE_VMATH").as_deref() != Ok("0"));
        let Some(lib) = lib else {
            return Table([(None, None); 7], None);
        };
        let sym = |name: &str| lib.symbol(&CString::new(name).ok()?);
        // The C entry (mkl.h's `mkl_set_num_threads_local` is a macro for
        // it; the lower-case symbol is Fortran's, taking a pointer).
        let local = sym("MKL_Set_Num_Threads_Local")
            // SAFETY: MKL's `int MKL_Set_Num_Threads_Local(int nt)`.
            .map(|p| unsafe { std::mem::transmute::<*mut c_void, _>(p) });
        Table(FUNS.map(|f| (find(f, true, &sym), find(f, false, &sym))), local)
    })
}

/// Whether `f` runs here for float64 (`f64`) or float32.
pub fn has(f: Fun, f64: bool) -> bool {
    let (d, s) = table().0[f as usize];
    if f64 {
        d.is_some()
    } else {
        s.is_some()
    }
}

#[cfg(target_arch = "x86_64")]
extern "C" {
    // csrc/vmath_sleef.h, one per width: AVX-512F (float64, float32) and
    // AVX2 with FMA; called only where the CPU has the extension.
    fn npc_sleef_d8(g: *const c_void, o: *mut u8, so: isize, x: *const u8, sx: isize, n: usize);
    fn npc_sleef_f16(g: *const c_void, o: *mut u8, so: isize, x: *const u8, sx: isize, n: usize);
    fn npc_sleef_d4(g: *const c_void, o: *mut u8, so: isize, x: *const u8, sx: isize, n: usize);
    fn npc_sleef_f8(g: *const c_void, o: *mut u8, so: isize, x: *const u8, sx: isize, n: usize);
}

/// `f` for float64 or float32 among libtorch_cpu's symbols (`sym`), where found.
fn find(f: Fun, f64: bool, sym: &impl Fn(&str) -> Option<*mut c_void>) -> Option<Impl> {
    let vml = match f {
        Fun::Exp => Some("Exp"),
        Fun::Log => Some("Ln"),
        Fun::Sin => Some("Sin"),
        Fun::Cos => Some("Cos"),
        Fun::Tanh => Some("Tanh"),
        Fun::Expm1 | Fun::Log1p => None,
    };
    if let Some(name) = vml {
        let p = sym(&format!("v{}{name}", if f64 { 'd' } else { 's' }))?;
        // SAFETY: MKL's `v?Fn(const MKL_INT n, const T a[], T y[])` (LP64:
        // a 32-bit count).
        return Some(Impl::Vml(unsafe { std::mem::transmute::<*mut c_void, _>(p) }));
    }
    sleef(f, f64, sym)
}

#[cfg(target_arch = "x86_64")]
fn sleef(f: Fun, f64: bool, sym: &impl Fn(&str) -> Option<*mut c_void>) -> Option<Impl> {
    let name = match f {
        Fun::Expm1 => "expm1",
        Fun::Log1p => "log1p",
        _ => return None,
    };
    let (suffix, run): (&str, SleefLoop) = if std::arch::is_x86_feature_detected!("avx512f") {
        if f64 {
            ("d8_u10avx512f", npc_sleef_d8)
        } else {
            ("f16_u10avx512f", npc_sleef_f16)
        }
    } else if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        if f64 {
            ("d4_u10avx2", npc_sleef_d4)
        } else {
            ("f8_u10avx2", npc_sleef_f8)
        }
    } else {
        return None;
    };
    Some(Impl::Sleef(sym(&format!("Sleef_{name}{suffix}"))?, run))
}

#[cfg(not(target_arch = "x86_64"))]
fn sleef(_: Fun, _: bool, _: &impl Fn(&str) -> Option<*mut c_void>) -> Option<Impl> {
    None
}

/// Elements per MKL call at most: past a few thousand VML may start threads
/// of its own (a region's tiles are shorter; a long run goes in pieces).
const VML_RUN: usize = 2048;

/// `out = f(a)` elementwise over `shape` (float64 where `f64`, else
/// float32), any strides. Returns false, doing nothing, where `has(f, f64)`
/// does not hold.
///
/// # Safety
/// `out` and `a` address `shape` elements of the type at their strides.
pub unsafe fn map(f: Fun, f64: bool, shape: &[i64], out: Raw, a: Raw) -> bool {
    let t = table();
    let (d, s) = t.0[f as usize];
    let Some(how) = (if f64 { d } else { s }) else {
        return false;
    };
    // VML starts OpenMP threads of its own on long runs; from a region's
    // worker threads (new ones each call) that was a team per thread per
    // call, and the 500k-element long_chain ran 2.4 ms or 40 ms by turns.
    // One thread for this call, then the caller's setting back.
    let local = match (how, t.1) {
        (Impl::Vml(_), Some(set)) => Some((set, set(1))),
        _ => None,
    };
    let item: isize = if f64 { 8 } else { 4 };
    let rank = shape.len();
    let (n, so, sa) = match rank {
        0 => (1, 1, 1),
        _ => (
            shape[rank - 1].max(0) as usize,
            out.strides[rank - 1],
            a.strides[rank - 1],
        ),
    };
    let run = |o: *mut u8, x: *const u8| match how {
        Impl::Sleef(g, run) => run(g, o, so, x, sa, n),
        Impl::Vml(v) if so == 1 && sa == 1 => {
            let mut i = 0;
            while i < n {
                let k = (n - i).min(VML_RUN);
                let at = i as isize * item;
                v(k as c_int, x.offset(at), o.offset(at));
                i += k;
            }
        }
        Impl::Vml(v) => {
            // Strided: through a buffer, a piece at a time.
            let mut buf = [0u64; 256];
            let cap = if f64 { 256 } else { 512 };
            let b = buf.as_mut_ptr() as *mut u8;
            let mut i = 0;
            while i < n {
                let k = (n - i).min(cap);
                for j in 0..k {
                    let (from, to) = (x.offset((i + j) as isize * sa * item), b.offset(j as isize * item));
                    std::ptr::copy_nonoverlapping(from, to, item as usize);
                }
                v(k as c_int, b, b);
                for j in 0..k {
                    let (from, to) = (b.offset(j as isize * item), o.offset((i + j) as isize * so * item));
                    std::ptr::copy_nonoverlapping(from, to, item as usize);
                }
                i += k;
            }
        }
    };
    if rank == 0 {
        run(out.ptr, a.ptr);
    } else {
        for [p, q] in Rows::new(shape, [out.strides, a.strides]) {
            run(out.ptr.offset(p * item), a.ptr.offset(q * item));
        }
    }
    if let Some((set, before)) = local {
        set(before);
    }
    true
}
