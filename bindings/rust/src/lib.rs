//! Run models exported by Ludwig's TorchScript export (`inference_preprocessor.pt`,
//! `inference_predictor-<device>.pt`, `inference_postprocessor.pt` and the
//! JSON files beside them) from Rust, without Python or Ludwig.
//!
//! This crate is a thin, safe layer over `libludwiginfer.so` and its C ABI
//! (`include/ludwig_infer.h`, whose raw declarations are in [`sys`]). It has
//! no dependencies; it carries a small JSON type ([`Value`]) for requests and
//! responses.
//!
//! ```
//! use ludwig_infer::{Form, Model, Options, Request};
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/models/tabular");
//! let model = Model::load(dir, Options::default())?;
//!
//! // Owned Rust values: predictions as strings, probabilities as a matrix.
//! let out = model.predict(&Request::json(
//!     r#"{"Age": [34, 51], "city": ["Paris", "Rome"], "member": [true, false],
//!         "cell": [617703466028236799, 617703466028236799]}"#,
//! ))?;
//! let plans = out.predictions("plan")?;
//! let probs = out.probabilities("plan")?;
//! let probs = probs.as_tensor().unwrap().view2::<f32>().unwrap();
//! for (plan, p) in plans.as_strings().unwrap().iter().zip(probs.iter_rows()) {
//!     println!("{plan}: {p:?}");
//! }
//!
//! // Or the response JSON, for relaying.
//! let out = model.predict_json(r#"[{"Age": 34, "city": "Paris", "member": true, "cell": 617703466028236799}]"#, Form::Full)?;
//! assert!(out.json().contains("\"plan_probability\""));
//! # Ok::<(), ludwig_infer::Error>(())
//! ```
//!
//! # What is where
//!
//! - [`Model::load`] opens an export with [`Options`] (device, warm-up,
//!   custom-op extensions); [`Model::schema`] describes its inputs and
//!   outputs.
//! - [`Model::predict`] runs a [`Request`]: a column dict, records or raw JSON,
//!   plus [`TensorRef`] buffers borrowed from `&[f32]`, `&[f64]`, `&[i64]`,
//!   `&[u8]`, ... without copying. [`Model::predict_json`] returns the
//!   response JSON of a [`Form`].
//! - [`Output`] holds the response: [`Output::json`], typed [`Column`]s per
//!   feature and key, owned [`Tensor`]s with a 2-D [`View2`].
//! - Staged calls: [`Model::preprocess`], [`Model::predict_tensors`],
//!   [`Model::postprocess`], with tensors crossing between them
//!   ([`Output::tensor_refs`]); [`Model::infer`] takes every option.
//! - Every failure is an [`Error`] with a [`Status`] and a message.
//!
//! # Threads
//!
//! [`Model`] is `Send + Sync`: many threads may run calls on one model at
//! once (the library's `li_infer` is thread-safe). libtorch's intra-op thread
//! pool is process-wide: [`set_threads`] sets it, before the first load only;
//! by default each call uses one thread, the best setting measured for small
//! models.
//!
//! # Host rules
//!
//! The library embeds a Go runtime, which sets rules for the whole process:
//!
//! - **One runtime per process, never unloaded.** Link the library once (this
//!   crate links it at build time); do not `dlopen` a second copy or
//!   `dlclose` it.
//! - **No `fork` after the library is loaded** (the Go runtime starts its
//!   threads when the library loads, before `main`). A forked child has no
//!   Go runtime threads, so any call it makes into the library may hang or
//!   crash. Start worker
//!   processes with a spawn-style start (`std::process::Command` execs a new
//!   program, which is fine), or fork before the library is loaded.
//! - **Signals.** The Go runtime installs signal handlers (chaining to the
//!   ones that were there before) and, to preempt goroutines, sends `SIGURG`
//!   to threads that run Go code. Hosts with many native threads, or that
//!   are sensitive to signals (interrupted system calls, their own signal
//!   handling, profilers), should start with `GODEBUG=asyncpreemptoff=1` in
//!   the environment, which turns that preemption signal off (goroutines
//!   are then preempted only at function calls, which suits the library's
//!   short per-call work).
//! - **Trust.** Loading a model executes code stored in its `.pt` files:
//!   load only models you trust.
//!
//! # Building
//!
//! The build script links `libludwiginfer.so` from `$LUDWIG_INFER_LIB_DIR`,
//! else from the repository's `build/` folder (run `./build.sh` at the
//! repository root first), and sets an rpath to that folder, so this crate's
//! tests and examples need no `LD_LIBRARY_PATH`. Cargo does not pass that
//! rpath on to binaries of crates that depend on this one: install the
//! library where the loader looks, or give the binary its own rpath (its
//! build script reads the folder from `DEP_LUDWIGINFER_LIB_DIR`).

#![warn(missing_docs)]

use core::ffi::{c_char, c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock, RwLock};

mod error;
mod json;
mod model;
mod output;
mod schema;
pub mod sys;
mod tensor;

pub use error::{Error, Result, Status};
pub use json::{Map, Number, ParseError, Value};
pub use model::{Form, InferOptions, Model, Options, Request, Stage};
pub use output::{Column, Output};
pub use schema::{InputInfo, OutputInfo, Schema};
pub use tensor::{DType, Element, Tensor, TensorData, TensorRef, View2};

/// The ABI version this crate speaks; [`Model::load`] refuses a library with
/// another ([`abi_version`]).
pub const ABI_VERSION: i32 = sys::LI_ABI_VERSION;

fn static_str(p: *const c_char) -> &'static str {
    if p.is_null() {
        return "";
    }
    // SAFETY: the library documents these strings as static and
    // NUL-terminated.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("")
}

/// The library's version, e.g. `"0.1.0"`.
///
/// ```
/// assert_eq!(ludwig_infer::version().split('.').count(), 3);
/// ```
pub fn version() -> &'static str {
    // SAFETY: never fails; returns a static string.
    static_str(unsafe { sys::li_version() })
}

/// The ABI version of the loaded library (1 for this crate to work).
///
/// ```
/// assert_eq!(ludwig_infer::abi_version(), ludwig_infer::ABI_VERSION);
/// ```
pub fn abi_version() -> i32 {
    // SAFETY: never fails.
    unsafe { sys::li_abi_version() }
}

/// The version of the libtorch the library was built against, e.g.
/// `"1.13.1"`.
pub fn torch_version() -> &'static str {
    // SAFETY: never fails; returns a static string.
    static_str(unsafe { sys::li_torch_version() })
}

/// Fails unless the library speaks [`ABI_VERSION`] (checked once).
pub(crate) fn check_abi() -> Result<()> {
    static ABI: OnceLock<i32> = OnceLock::new();
    let v = *ABI.get_or_init(abi_version);
    if v == ABI_VERSION {
        Ok(())
    } else {
        Err(Error::new(
            Status::InvalidArgument,
            format!("libludwiginfer has ABI version {v}, but this crate speaks version {ABI_VERSION}: use a matching crate and library"),
        ))
    }
}

/// Sets libtorch's intra-op thread count for the whole process (its pool is
/// process-wide). Call it before the first [`Model::load`]; later it fails
/// with [`Status::InvalidArgument`], as does `n == 0`. Without it each call
/// uses one thread. Thread-safe.
pub fn set_threads(n: usize) -> Result<()> {
    check_abi()?;
    let n = c_int::try_from(n).map_err(|_| Error::new(Status::InvalidArgument, format!("{n} threads is too many")))?;
    // SAFETY: a plain call with a valid out-parameter.
    error::check(|err| unsafe { sys::li_set_threads(n, err) })
}

/// Levels of library log messages (`li_log_level`).
#[repr(i32)]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Debug detail.
    Debug = 0,
    /// Information (e.g. what a load found).
    Info = 1,
    /// Warnings.
    Warn = 2,
    /// Errors.
    Error = 3,
}

impl LogLevel {
    fn from_code(c: c_int) -> LogLevel {
        match c {
            i32::MIN..=0 => LogLevel::Debug,
            1 => LogLevel::Info,
            2 => LogLevel::Warn,
            _ => LogLevel::Error,
        }
    }

    fn raw(self) -> sys::li_log_level {
        match self {
            LogLevel::Debug => sys::li_log_level::LI_LOG_DEBUG,
            LogLevel::Info => sys::li_log_level::LI_LOG_INFO,
            LogLevel::Warn => sys::li_log_level::LI_LOG_WARN,
            LogLevel::Error => sys::li_log_level::LI_LOG_ERROR,
        }
    }
}

type LogFn = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

static LOGGER: RwLock<Option<LogFn>> = RwLock::new(None);

unsafe extern "C" fn log_trampoline(level: c_int, message: *const c_char, _user: *mut c_void) {
    // A panic must not unwind into the library.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let f = match LOGGER.read() {
            Ok(g) => g.clone(),
            Err(_) => return,
        };
        if let (Some(f), false) = (f, message.is_null()) {
            // SAFETY: the message is NUL-terminated and valid during the call.
            let msg = unsafe { CStr::from_ptr(message) }.to_string_lossy();
            f(LogLevel::from_code(level), &msg);
        }
    }));
}

/// Sends the library's log messages at `min_level` and above to `f`
/// (replacing an earlier sink). By default nothing is printed. `f` may be
/// called from any thread; a panic in it is caught and ignored.
///
/// ```
/// use ludwig_infer::{set_log_callback, LogLevel};
/// set_log_callback(|level, msg| eprintln!("ludwig-infer {level:?}: {msg}"), LogLevel::Warn);
/// ```
pub fn set_log_callback(f: impl Fn(LogLevel, &str) + Send + Sync + 'static, min_level: LogLevel) {
    if let Ok(mut g) = LOGGER.write() {
        *g = Some(Arc::new(f));
    }
    // SAFETY: the trampoline is a valid function for the process's lifetime
    // and reads only LOGGER; `user` is unused.
    unsafe { sys::li_set_log_callback(Some(log_trampoline), std::ptr::null_mut(), min_level.raw()) }
}

/// Removes the log sink set by [`set_log_callback`].
pub fn clear_log_callback() {
    // SAFETY: NULL removes the callback.
    unsafe { sys::li_set_log_callback(None, std::ptr::null_mut(), sys::li_log_level::LI_LOG_ERROR) }
    if let Ok(mut g) = LOGGER.write() {
        *g = None;
    }
}
