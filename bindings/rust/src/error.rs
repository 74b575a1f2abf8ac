//! [`Error`] and [`Status`]: the one error type of the crate.

use core::ffi::{c_char, c_int, CStr};
use std::fmt;
use std::ptr;

use crate::sys;

/// A status code of the C ABI (`li_status`), with the header's values.
///
/// Unknown codes (from a newer library) read as [`Status::Internal`];
/// [`Error::code`] keeps the raw number.
#[repr(i32)]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// `LI_OK`: success. Never carried by an [`Error`].
    Ok = 0,
    /// `LI_ERR_INVALID_ARGUMENT`: a bad option, an unknown enum value,
    /// malformed options JSON, a tensor whose shape does not match its data.
    InvalidArgument = 1,
    /// `LI_ERR_NOT_FOUND`: a path, file or feature that does not exist.
    NotFound = 2,
    /// `LI_ERR_MODEL`: a corrupt, truncated or unsupported export, or one
    /// needing a custom-op library that is not loaded.
    Model = 3,
    /// `LI_ERR_INPUT`: a request that cannot be converted (malformed JSON, a
    /// missing input feature, a value of the wrong type; the message names
    /// the feature and the row).
    Input = 4,
    /// `LI_ERR_RUNTIME`: libtorch failed while running a stage.
    Runtime = 5,
    /// `LI_ERR_CLOSED`: the model handle was closed (cannot happen through
    /// the safe API: [`Model`](crate::Model) closes only in `Drop`).
    Closed = 6,
    /// `LI_ERR_CANCELLED`: the call's deadline passed.
    Cancelled = 7,
    /// `LI_ERR_INTERNAL`: a bug (a recovered panic); the library is poisoned
    /// and every later call fails with this status.
    Internal = 8,
}

impl Status {
    /// The status for a raw `li_status` value; unknown values give
    /// [`Status::Internal`].
    pub fn from_code(code: i32) -> Status {
        match code {
            0 => Status::Ok,
            1 => Status::InvalidArgument,
            2 => Status::NotFound,
            3 => Status::Model,
            4 => Status::Input,
            5 => Status::Runtime,
            6 => Status::Closed,
            7 => Status::Cancelled,
            _ => Status::Internal,
        }
    }

    /// The raw `li_status` value.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The C name of the status, e.g. `"LI_ERR_INPUT"`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "LI_OK",
            Status::InvalidArgument => "LI_ERR_INVALID_ARGUMENT",
            Status::NotFound => "LI_ERR_NOT_FOUND",
            Status::Model => "LI_ERR_MODEL",
            Status::Input => "LI_ERR_INPUT",
            Status::Runtime => "LI_ERR_RUNTIME",
            Status::Closed => "LI_ERR_CLOSED",
            Status::Cancelled => "LI_ERR_CANCELLED",
            Status::Internal => "LI_ERR_INTERNAL",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error: a [`Status`] and a message (from the library, or from this
/// crate when it refuses an argument before calling it).
///
/// When a call fails, the library's C message is copied into the error and
/// freed (`li_free`) at once, so an `Error` owns only Rust memory and can be
/// cloned, sent between threads and kept as long as needed.
///
/// `Display` gives `"LI_ERR_INPUT: missing input feature \"age\" ..."`.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    code: i32,
    message: String,
}

/// `Result<T, ludwig_infer::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error made by this crate.
    pub(crate) fn new(status: Status, message: impl Into<String>) -> Error {
        Error { code: status.code(), message: message.into() }
    }

    /// The status of the failed call.
    pub fn status(&self) -> Status {
        Status::from_code(self.code)
    }

    /// The raw `li_status` value (differs from `status().code()` only for a
    /// code this crate does not know).
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The message, without the status name.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Status::from_code(self.code) {
            s if s.code() == self.code => write!(f, "{}: {}", s.name(), self.message),
            _ => write!(f, "li_status {}: {}", self.code, self.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error").field("status", &self.status()).field("code", &self.code).field("message", &self.message).finish()
    }
}

impl std::error::Error for Error {}

/// A NUL-terminated string the library allocated; frees it with `li_free`
/// exactly once, on drop.
pub(crate) struct LibString(*mut c_char);

impl LibString {
    /// An empty slot for an out-parameter (`char **`).
    pub(crate) fn null() -> LibString {
        LibString(ptr::null_mut())
    }

    /// The out-parameter pointer to hand to the library.
    pub(crate) fn as_out(&mut self) -> *mut *mut c_char {
        &mut self.0
    }

    pub(crate) fn is_null(&self) -> bool {
        self.0.is_null()
    }

    /// The string's contents (invalid UTF-8 replaced), or "" for NULL.
    pub(crate) fn to_string_lossy(&self) -> String {
        if self.0.is_null() {
            return String::new();
        }
        // SAFETY: the library returns NUL-terminated strings that stay valid
        // until li_free, which only Drop calls.
        unsafe { CStr::from_ptr(self.0) }.to_string_lossy().into_owned()
    }
}

impl Drop for LibString {
    fn drop(&mut self) {
        // SAFETY: the pointer is NULL or came from the library and has not been
        // freed; li_free accepts NULL.
        unsafe { sys::li_free(self.0.cast()) }
    }
}

/// Runs a fallible C call with an `err` out-parameter and turns its status
/// into a `Result`; the C message is copied and freed here.
pub(crate) fn check(call: impl FnOnce(*mut *mut c_char) -> c_int) -> Result<()> {
    let mut err = LibString::null();
    let code = call(err.as_out());
    if code == 0 {
        return Ok(());
    }
    let message = if err.is_null() { status_string(code) } else { err.to_string_lossy() };
    Err(Error { code, message })
}

/// The library's static text for a status code.
fn status_string(code: c_int) -> String {
    // SAFETY: li_status_string never fails and returns a static string.
    let p = unsafe { sys::li_status_string(code) };
    if p.is_null() {
        return format!("status {code}");
    }
    // SAFETY: static, NUL-terminated.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_values_match_the_header() {
        for (s, c) in [
            (Status::Ok, sys::li_status::LI_OK),
            (Status::InvalidArgument, sys::li_status::LI_ERR_INVALID_ARGUMENT),
            (Status::NotFound, sys::li_status::LI_ERR_NOT_FOUND),
            (Status::Model, sys::li_status::LI_ERR_MODEL),
            (Status::Input, sys::li_status::LI_ERR_INPUT),
            (Status::Runtime, sys::li_status::LI_ERR_RUNTIME),
            (Status::Closed, sys::li_status::LI_ERR_CLOSED),
            (Status::Cancelled, sys::li_status::LI_ERR_CANCELLED),
            (Status::Internal, sys::li_status::LI_ERR_INTERNAL),
        ] {
            assert_eq!(s.code(), c as i32);
            assert_eq!(Status::from_code(c as i32), s);
            assert_eq!(status_string(c as i32), s.name());
        }
        assert_eq!(Status::from_code(99), Status::Internal);
    }

    #[test]
    fn display_names_the_status() {
        let e = Error::new(Status::Input, "bad row 3");
        assert_eq!(e.to_string(), "LI_ERR_INPUT: bad row 3");
        assert_eq!(Error { code: 42, message: "x".into() }.to_string(), "li_status 42: x");
    }

    #[test]
    fn check_frees_and_copies_the_message() {
        // li_set_threads(0) always fails with LI_ERR_INVALID_ARGUMENT.
        let e = check(|err| unsafe { sys::li_set_threads(0, err) }).unwrap_err();
        assert_eq!(e.status(), Status::InvalidArgument);
        assert!(!e.message().is_empty());
    }
}
