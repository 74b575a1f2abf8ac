// Records the folder of libludwiginfer.so (found by the ludwig-infer crate's
// build script, which exports it as DEP_LUDWIGINFER_LIB_DIR) as an rpath, so
// the contender runs without LD_LIBRARY_PATH.
fn main() {
    if let Ok(dir) = std::env::var("DEP_LUDWIGINFER_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    println!("cargo:rerun-if-env-changed=DEP_LUDWIGINFER_LIB_DIR");
}
