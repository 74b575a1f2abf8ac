//! Finds libludwiginfer.so and tells rustc how to link it.
//!
//! Where the library is looked for, in order (the first that has it wins):
//!
//! 1. `$LUDWIG_INFER_LIB_DIR` - a folder holding `libludwiginfer.so` (when set,
//!    it must hold the library: the build fails rather than link another);
//! 2. pkg-config's `ludwiginfer` package (what `./build.sh install` writes;
//!    `PKG_CONFIG_PATH` is honoured);
//! 3. the repository's `build/` folder (`../../build` from this crate), where
//!    `./build.sh` puts it.
//!
//! Each place is one function in [`PROBES`], so another (pkg-config, a system
//! folder) is one more entry. The folder found is linked with an rpath, so
//! `cargo test` and `cargo run --example` need no `LD_LIBRARY_PATH`.

use std::env;
use std::path::{Path, PathBuf};

/// The library's file name on this platform.
const LIB_FILE: &str = "libludwiginfer.so";
/// The name given to `-l`.
const LIB_NAME: &str = "ludwiginfer";

/// Where a probe found the library.
struct Found {
    dir: PathBuf,
}

/// What a place to look answered.
enum Answer {
    /// The library is here.
    Found(Found),
    /// Not here (a line for the error message); try the next place.
    Skip(String),
    /// Stop: the user asked for this place and the library is not there.
    Fail(String),
}

/// A place to look.
type Probe = fn() -> Answer;

const PROBES: &[Probe] = &[from_env, from_pkg_config, from_repo_build];

fn from_env() -> Answer {
    println!("cargo:rerun-if-env-changed=LUDWIG_INFER_LIB_DIR");
    match env::var_os("LUDWIG_INFER_LIB_DIR") {
        None => Answer::Skip("LUDWIG_INFER_LIB_DIR is not set".into()),
        Some(d) => {
            let dir = PathBuf::from(d);
            if dir.join(LIB_FILE).is_file() {
                Answer::Found(Found { dir })
            } else {
                Answer::Fail(format!("LUDWIG_INFER_LIB_DIR={} has no {LIB_FILE}", dir.display()))
            }
        }
    }
}

fn from_pkg_config() -> Answer {
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let out = std::process::Command::new("pkg-config")
        .args(["--variable=libdir", "ludwiginfer"])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let dir = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
            if dir.join(LIB_FILE).is_file() {
                Answer::Found(Found { dir })
            } else {
                Answer::Skip(format!("pkg-config's libdir {} has no {LIB_FILE}", dir.display()))
            }
        }
        Ok(_) => Answer::Skip("pkg-config knows no package ludwiginfer".into()),
        Err(e) => Answer::Skip(format!("pkg-config did not run: {e}")),
    }
}

fn from_repo_build() -> Answer {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = manifest.join("..").join("..").join("build");
    // Rebuild when ./build.sh creates or replaces the library (a missing
    // path is watched too: cargo reruns once it appears).
    println!("cargo:rerun-if-changed={}", dir.join(LIB_FILE).display());
    if dir.join(LIB_FILE).is_file() {
        let dir = dir.canonicalize().unwrap_or(dir);
        Answer::Found(Found { dir })
    } else {
        Answer::Skip(format!("{} does not exist", dir.join(LIB_FILE).display()))
    }
}

fn emit(found: &Found) {
    let dir = found.dir.display();
    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:rustc-link-lib=dylib={LIB_NAME}");
    // An rpath, so test binaries and examples find the library at run time.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    println!("cargo:rerun-if-changed={}", Path::new(&found.dir).join(LIB_FILE).display());
    // Dependents (with `links`) read it as DEP_LUDWIGINFER_LIB_DIR.
    println!("cargo:lib_dir={dir}");
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut tried = Vec::new();
    for probe in PROBES {
        match probe() {
            Answer::Found(found) => {
                emit(&found);
                return;
            }
            Answer::Skip(why) => tried.push(why),
            Answer::Fail(why) => {
                tried.push(why);
                break;
            }
        }
    }
    panic!(
        "\n\nludwig-infer: cannot find {LIB_FILE}.\n\
         Tried:\n  - {}\n\
         Build it with `./build.sh` at the repository root, or set LUDWIG_INFER_LIB_DIR \
         to the folder that holds {LIB_FILE}.\n\n",
        tried.join("\n  - ")
    );
}
