//! Memory for the large arrays a compiled call returns. A fresh block of many
//! megabytes comes from `mmap` (glibc's threshold stops at 32 MiB), and every
//! page of it faults on first touch: a 1e7-element float64 result costs ~20,000
//! page faults a call. The arrays are allocated by NumPy with a data-memory
//! handler of ours (NumPy's `PyDataMem_SetHandler`, set only around the
//! allocation): a block a freed array gives back is kept, up to a bound, and
//! handed to the next array of the same size without faulting its pages again.
//! Arrays keep NumPy's own layout and flags (`owndata`, no `base`).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use std::collections::HashMap;
use std::ffi::{c_char, c_void};
use std::sync::Mutex;

/// Blocks at least this large go through the cache.
pub const LARGE: usize = 1 << 20;
/// The most bytes the cache keeps.
const KEEP_BYTES: usize = 1 << 30;

#[repr(C)]
struct Allocator {
    ctx: *mut c_void,
    malloc: unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void,
    calloc: unsafe extern "C" fn(*mut c_void, usize, usize) -> *mut c_void,
    realloc: unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> *mut c_void,
    free: unsafe extern "C" fn(*mut c_void, *mut c_void, usize),
}

/// NumPy's `PyDataMem_Handler` (version 1).
#[repr(C)]
struct Handler {
    name: [c_char; 127],
    version: u8,
    allocator: Allocator,
}

extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn calloc(n: usize, size: usize) -> *mut c_void;
    fn realloc(p: *mut c_void, size: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

/// Freed large blocks by size (addresses as integers) oldest first, their
/// total, and the size of each large block handed out (NumPy's size argument
/// to `free` is not relied on).
#[derive(Default)]
struct Cache {
    blocks: HashMap<usize, Vec<usize>>,
    order: Vec<(usize, usize)>,
    bytes: usize,
    live: HashMap<usize, usize>,
}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

fn with_cache<T>(f: impl FnOnce(&mut Cache) -> T) -> Option<T> {
    let mut guard = CACHE.lock().ok()?;
    Some(f(guard.get_or_insert_with(Cache::default)))
}

unsafe extern "C" fn h_malloc(_: *mut c_void, size: usize) -> *mut c_void {
    if size < LARGE {
        return malloc(size);
    }
    with_cache(|cache| {
        let p = match cache.blocks.get_mut(&size).and_then(Vec::pop) {
            Some(p) => {
                cache.bytes -= size;
                cache.order.retain(|&(q, _)| q != p);
                p as *mut c_void
            }
            None => malloc(size),
        };
        if !p.is_null() {
            cache.live.insert(p as usize, size);
        }
        p
    })
    .unwrap_or_else(|| malloc(size))
}

unsafe extern "C" fn h_calloc(_: *mut c_void, n: usize, size: usize) -> *mut c_void {
    calloc(n, size)
}

unsafe extern "C" fn h_realloc(_: *mut c_void, p: *mut c_void, size: usize) -> *mut c_void {
    with_cache(|cache| cache.live.remove(&(p as usize)));
    realloc(p, size)
}

unsafe extern "C" fn h_free(_: *mut c_void, p: *mut c_void, _size: usize) {
    if p.is_null() {
        return;
    }
    let kept = with_cache(|cache| {
        let Some(size) = cache.live.remove(&(p as usize)) else {
            return false;
        };
        if size > KEEP_BYTES {
            return false;
        }
        // Oldest blocks go first when the bound is reached.
        while cache.bytes + size > KEEP_BYTES && !cache.order.is_empty() {
            let (q, qsize) = cache.order.remove(0);
            if let Some(list) = cache.blocks.get_mut(&qsize) {
                list.retain(|&x| x != q);
            }
            cache.bytes -= qsize;
            free(q as *mut c_void);
        }
        cache.blocks.entry(size).or_default().push(p as usize);
        cache.order.push((p as usize, size));
        cache.bytes += size;
        true
    });
    if kept != Some(true) {
        free(p)
    }
}

static HANDLER: Handler = Handler {
    name: {
        let mut name = [0 as c_char; 127];
        let text = b"npcompile_block_cache";
        let mut i = 0;
        while i < text.len() {
            name[i] = text[i] as c_char;
            i += 1;
        }
        name
    },
    version: 1,
    allocator: Allocator {
        ctx: std::ptr::null_mut(),
        malloc: h_malloc,
        calloc: h_calloc,
        realloc: h_realloc,
        free: h_free,
    },
};

// SAFETY: the handler is immutable data and functions that lock the cache.
unsafe impl Sync for Handler {}

type SetHandler = unsafe extern "C" fn(*mut pyo3::ffi::PyObject) -> *mut pyo3::ffi::PyObject;

struct Api {
    set_handler: SetHandler,
    capsule: Py<PyAny>,
}

// SAFETY: a function pointer and a Python object only used with the GIL held.
unsafe impl Send for Api {}
unsafe impl Sync for Api {}

static API: PyOnceLock<Option<Api>> = PyOnceLock::new();

fn api(py: Python<'_>) -> Option<&Api> {
    API.get_or_init(py, || {
        let table = py
            .import("numpy._core._multiarray_umath")
            .and_then(|m| m.getattr("_ARRAY_API"))
            .ok()?;
        // SAFETY: NumPy's C-API table; slot 304 is PyDataMem_SetHandler (NumPy >= 1.22).
        let set_handler = unsafe {
            let table = pyo3::ffi::PyCapsule_GetPointer(table.as_ptr(), std::ptr::null())
                as *const *const c_void;
            if table.is_null() {
                pyo3::ffi::PyErr_Clear();
                return None;
            }
            let f = *table.add(304);
            if f.is_null() {
                return None;
            }
            std::mem::transmute::<*const c_void, SetHandler>(f)
        };
        // SAFETY: a capsule named as NumPy requires, over a static handler.
        let capsule = unsafe {
            let ptr = pyo3::ffi::PyCapsule_New(
                &HANDLER as *const Handler as *mut c_void,
                c"mem_handler".as_ptr(),
                None,
            );
            Bound::from_owned_ptr_or_err(py, ptr).ok()?.unbind()
        };
        Some(Api {
            set_handler,
            capsule,
        })
    })
    .as_ref()
}

/// Run `f` (which allocates NumPy arrays) with the block cache as NumPy's
/// data-memory handler; NumPy's own is back after. Where the handler cannot be
/// set, `f` runs with NumPy's.
pub fn with_block_cache<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    let Some(api) = api(py) else {
        return f();
    };
    // SAFETY: PyDataMem_SetHandler takes a handler capsule and returns a new
    // reference to the previous one (or NULL with an exception set).
    let old = unsafe { (api.set_handler)(api.capsule.as_ptr()) };
    if old.is_null() {
        return Err(PyErr::fetch(py));
    }
    let result = f();
    unsafe {
        let back = (api.set_handler)(old);
        pyo3::ffi::Py_DECREF(old);
        if back.is_null() {
            return Err(PyErr::fetch(py));
        }
        pyo3::ffi::Py_DECREF(back);
    }
    result
}
