// The extension lives at site-packages/npcompile/_core*.so; torch's libraries at
// site-packages/torch/lib. The linker drops torch-sys's own rpath, so give the module one.
fn main() {
    println!("cargo:rustc-link-arg-cdylib=-Wl,-rpath,$ORIGIN/../torch/lib");
}
