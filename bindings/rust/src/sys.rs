//! Raw declarations of `include/ludwig_infer.h`, one per symbol, in the
//! header's order. Everything here is `unsafe` to call and follows the
//! header's rules; the rest of the crate is the safe layer over it.
//!
//! Types are `core::ffi` ones; structs are `#[repr(C)]`; the header's enums
//! are `#[repr(i32)]` with their explicit values.
//!
//! One deliberate difference: values the *library* writes (the status a call
//! returns, the dtype of a result tensor) are read as plain `c_int`
//! ([`li_status_t`], [`li_tensor::dtype`]). The header only ever grows, so a
//! newer library of the same ABI may return an enum value this crate does not
//! know, and a Rust enum holding an unknown discriminant is undefined
//! behaviour. Values the crate writes (stage, form, dtypes of input tensors)
//! use the enums.

#![allow(non_camel_case_types)]
// The header is the manual of every name here; see include/ludwig_infer.h.
#![allow(missing_docs)]

use core::ffi::{c_char, c_int, c_void};

/// `LI_ABI_VERSION`: the ABI version these declarations describe.
pub const LI_ABI_VERSION: c_int = 1;
/// `LI_VERSION`: the library version the header shipped with.
pub const LI_VERSION: &str = "0.1.0";

/// `li_status`. The numeric values are fixed forever.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum li_status {
    LI_OK = 0,
    LI_ERR_INVALID_ARGUMENT = 1,
    LI_ERR_NOT_FOUND = 2,
    LI_ERR_MODEL = 3,
    LI_ERR_INPUT = 4,
    LI_ERR_RUNTIME = 5,
    LI_ERR_CLOSED = 6,
    LI_ERR_CANCELLED = 7,
    LI_ERR_INTERNAL = 8,
}

/// An `li_status` as the library returns it (see the module docs for why it
/// is not [`li_status`]). `0` is `LI_OK`.
pub type li_status_t = c_int;

/// `li_dtype`: element types of tensor buffers. Fixed forever.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum li_dtype {
    LI_DTYPE_FLOAT32 = 1,
    LI_DTYPE_FLOAT64 = 2,
    LI_DTYPE_INT32 = 3,
    LI_DTYPE_INT64 = 4,
    LI_DTYPE_UINT8 = 5,
    /// One byte per element, 0 or 1.
    LI_DTYPE_BOOL = 6,
    LI_DTYPE_INT8 = 7,
    LI_DTYPE_INT16 = 8,
}

/// `li_form`: output forms.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum li_form {
    LI_FORM_FEATURES = 0,
    LI_FORM_COLUMNS = 1,
    LI_FORM_FULL = 2,
}

/// `li_stage`: what an `li_infer` call runs.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum li_stage {
    LI_STAGE_ALL = 0,
    LI_STAGE_PREPROCESS = 1,
    LI_STAGE_PREDICT = 2,
    LI_STAGE_POSTPROCESS = 3,
}

/// `li_log_level`.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum li_log_level {
    LI_LOG_DEBUG = 0,
    LI_LOG_INFO = 1,
    LI_LOG_WARN = 2,
    LI_LOG_ERROR = 3,
}

/// `li_model`: an open model. Opaque; created by [`li_load`], released by
/// [`li_close`].
#[repr(C)]
pub struct li_model {
    _private: [u8; 0],
}

/// `li_result`: the outcome of one [`li_infer`] call. Opaque; released by
/// [`li_result_free`].
#[repr(C)]
pub struct li_result {
    _private: [u8; 0],
}

/// `li_tensor`: a dense, row-major tensor buffer.
///
/// As an input every pointer is caller-owned and read only during the
/// `li_infer` call. As an output (from [`li_result_tensor`]) every pointer is
/// owned by the result and valid until [`li_result_free`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct li_tensor {
    pub name: *const c_char,
    /// An [`li_dtype`] value, as `c_int` (see the module docs).
    pub dtype: c_int,
    pub ndim: usize,
    pub shape: *const i64,
    pub data: *const c_void,
    pub nbytes: usize,
    pub sample_rate: i64,
}

/// `li_infer_options`. Initialise with [`li_infer_options::INIT`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct li_infer_options {
    /// `sizeof(li_infer_options)` as the caller compiled it.
    pub struct_size: usize,
    pub stage: li_stage,
    pub form: li_form,
    pub timeout_ms: i64,
    pub tensor_outputs: c_int,
}

impl li_infer_options {
    /// `LI_INFER_OPTIONS_INIT`: all stages, columns form, no deadline, JSON
    /// outputs.
    pub const INIT: li_infer_options = li_infer_options {
        struct_size: core::mem::size_of::<li_infer_options>(),
        stage: li_stage::LI_STAGE_ALL,
        form: li_form::LI_FORM_COLUMNS,
        timeout_ms: 0,
        tensor_outputs: 0,
    };
}

/// `li_log_fn`: a log sink; `message` is valid only during the call.
pub type li_log_fn = Option<unsafe extern "C" fn(level: c_int, message: *const c_char, user: *mut c_void)>;

extern "C" {
    /// The library's ABI version. Never fails.
    pub fn li_abi_version() -> c_int;

    /// The library version; static, never freed. Never fails.
    pub fn li_version() -> *const c_char;

    /// The libtorch version the library was built against; static. Never
    /// fails.
    pub fn li_torch_version() -> *const c_char;

    /// Frees a buffer the library returned (error messages, JSON strings).
    /// NULL is a no-op.
    pub fn li_free(ptr: *mut c_void);

    /// Sets libtorch's process-wide intra-op thread count; before the first
    /// `li_load` only.
    pub fn li_set_threads(n: c_int, err: *mut *mut c_char) -> li_status_t;

    /// Installs (fn non-NULL) or removes (fn NULL) the process-wide log
    /// callback. Never fails.
    pub fn li_set_log_callback(func: li_log_fn, user: *mut c_void, min_level: li_log_level);

    /// Opens an export directory. `options_json` is nullable.
    pub fn li_load(
        path: *const c_char,
        options_json: *const c_char,
        out: *mut *mut li_model,
        err: *mut *mut c_char,
    ) -> li_status_t;

    /// Opens a model from the bytes of a zip, tar or tar.gz archive (read
    /// only during the call). `options_json` is nullable.
    pub fn li_load_buffer(
        data: *const c_void,
        len: usize,
        options_json: *const c_char,
        out: *mut *mut li_model,
        err: *mut *mut c_char,
    ) -> li_status_t;

    /// Closes a model. NULL and closed models are no-ops.
    pub fn li_close(model: *mut li_model);

    /// Model information as JSON; `*out_json` is freed with [`li_free`].
    pub fn li_model_info(model: *mut li_model, out_json: *mut *mut c_char, err: *mut *mut c_char) -> li_status_t;

    /// Runs a model. `*out` is freed with [`li_result_free`].
    pub fn li_infer(
        model: *mut li_model,
        request: *const c_char,
        request_len: usize,
        tensors: *const li_tensor,
        n_tensors: usize,
        options: *const li_infer_options,
        out: *mut *mut li_result,
        err: *mut *mut c_char,
    ) -> li_status_t;

    /// The JSON of a result, owned by the result. NULL result gives NULL.
    pub fn li_result_json(result: *const li_result, len: *mut usize) -> *const c_char;

    /// The number of tensors in a result (0 for NULL).
    pub fn li_result_tensor_count(result: *const li_result) -> usize;

    /// Describes tensor `index` of a result; its pointers are owned by the
    /// result.
    pub fn li_result_tensor(
        result: *const li_result,
        index: usize,
        out: *mut li_tensor,
        err: *mut *mut c_char,
    ) -> li_status_t;

    /// Frees a result and everything it owns. NULL is a no-op.
    pub fn li_result_free(result: *mut li_result);

    /// A static message for a status code; never freed.
    pub fn li_status_string(status: li_status_t) -> *const c_char;
}
