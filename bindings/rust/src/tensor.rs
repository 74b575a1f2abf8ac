//! Tensor buffers: [`TensorRef`] borrows caller memory for an input without
//! copying it; [`Tensor`] owns an output.

use core::ffi::{c_int, CStr};
use std::ffi::CString;
use std::fmt;

use crate::error::{Error, Result, Status};
use crate::json::Value;
use crate::sys;

/// Element types of tensor buffers (`li_dtype`, the header's values).
#[repr(i32)]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// `f32`
    Float32 = 1,
    /// `f64`
    Float64 = 2,
    /// `i32`
    Int32 = 3,
    /// `i64`
    Int64 = 4,
    /// `u8`
    UInt8 = 5,
    /// `bool`, one byte per element (0 or 1)
    Bool = 6,
    /// `i8`
    Int8 = 7,
    /// `i16`
    Int16 = 8,
}

impl DType {
    /// The dtype for a raw `li_dtype` value, if known.
    pub fn from_code(code: i32) -> Option<DType> {
        Some(match code {
            1 => DType::Float32,
            2 => DType::Float64,
            3 => DType::Int32,
            4 => DType::Int64,
            5 => DType::UInt8,
            6 => DType::Bool,
            7 => DType::Int8,
            8 => DType::Int16,
            _ => return None,
        })
    }

    /// The dtype for its name in the JSON encoding (`"float32"`, ...).
    pub fn from_name(name: &str) -> Option<DType> {
        Some(match name {
            "float32" => DType::Float32,
            "float64" => DType::Float64,
            "int32" => DType::Int32,
            "int64" => DType::Int64,
            "uint8" => DType::UInt8,
            "bool" => DType::Bool,
            "int8" => DType::Int8,
            "int16" => DType::Int16,
            _ => return None,
        })
    }

    /// The name the JSON encoding uses (`"float32"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::Float32 => "float32",
            DType::Float64 => "float64",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::UInt8 => "uint8",
            DType::Bool => "bool",
            DType::Int8 => "int8",
            DType::Int16 => "int16",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::Float32 | DType::Int32 => 4,
            DType::Float64 | DType::Int64 => 8,
            DType::UInt8 | DType::Bool | DType::Int8 => 1,
            DType::Int16 => 2,
        }
    }

    pub(crate) fn raw(self) -> c_int {
        self as c_int
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An element type a tensor buffer can hold: `f32`, `f64`, `i32`, `i64`,
/// `u8`, `bool`, `i8`, `i16`. Sealed: the library defines the set.
pub trait Element: Copy + Default + fmt::Debug + PartialEq + sealed::Sealed {
    /// The matching [`DType`].
    const DTYPE: DType;
    #[doc(hidden)]
    fn slice(data: &TensorData) -> Option<&[Self]>;
    #[doc(hidden)]
    fn wrap(v: Vec<Self>) -> TensorData;
    #[doc(hidden)]
    fn take(data: TensorData) -> Result<Vec<Self>, TensorData>;
}

macro_rules! element {
    ($t:ty, $d:ident) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn slice(data: &TensorData) -> Option<&[Self]> {
                match data {
                    TensorData::$d(v) => Some(v),
                    _ => None,
                }
            }
            fn wrap(v: Vec<Self>) -> TensorData {
                TensorData::$d(v)
            }
            fn take(data: TensorData) -> Result<Vec<Self>, TensorData> {
                match data {
                    TensorData::$d(v) => Ok(v),
                    other => Err(other),
                }
            }
        }
    };
}
element!(f32, Float32);
element!(f64, Float64);
element!(i32, Int32);
element!(i64, Int64);
element!(u8, UInt8);
element!(bool, Bool);
element!(i8, Int8);
element!(i16, Int16);

fn check_shape(name: &str, shape: &[i64], len: usize) -> Result<()> {
    let mut n: i64 = 1;
    for &d in shape {
        if d < 0 {
            return Err(Error::new(Status::InvalidArgument, format!("tensor {name:?}: negative dimension in shape {shape:?}")));
        }
        n = n.checked_mul(d).ok_or_else(|| Error::new(Status::InvalidArgument, format!("tensor {name:?}: shape {shape:?} overflows")))?;
    }
    if n as u64 != len as u64 {
        return Err(Error::new(
            Status::InvalidArgument,
            format!("tensor {name:?}: shape {shape:?} holds {n} elements but the data has {len}"),
        ));
    }
    Ok(())
}

fn c_name(name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| Error::new(Status::InvalidArgument, format!("tensor name {name:?} contains a NUL byte")))
}

/// A named tensor input that borrows its elements from a slice: the library
/// reads them in place during the call and copies nothing it does not have
/// to. The lifetime `'a` keeps the slice alive (and unmodified) until the
/// `TensorRef` is gone, so past every call that uses it.
///
/// The name is an input feature name (or its `column`) for table calls and
/// the predict stage, and `"<feature>::<key>"` for the postprocess stage.
/// Several `TensorRef`s with the same name form a list (images of different
/// sizes, audio clips, one date per row).
///
/// ```
/// use ludwig_infer::{DType, TensorRef};
///
/// let ages = [34.0_f64, 51.0, 27.5];
/// let t = TensorRef::new("age", &ages, &[3]).unwrap();
/// assert_eq!(t.dtype(), DType::Float64);
/// assert_eq!(t.shape(), &[3]);
/// // A shape that does not match the data is refused before any call.
/// assert!(TensorRef::new("age", &ages, &[2]).is_err());
/// ```
#[derive(Clone)]
pub struct TensorRef<'a> {
    name: CString,
    dtype: DType,
    shape: Vec<i64>,
    data: &'a [u8],
    sample_rate: i64,
}

impl<'a> TensorRef<'a> {
    /// A tensor named `name` over `data`, row-major, of `shape` (the product
    /// of `shape` must equal `data.len()`; `&[]` is a scalar).
    pub fn new<T: Element>(name: &str, data: &'a [T], shape: &[i64]) -> Result<TensorRef<'a>> {
        check_shape(name, shape, data.len())?;
        // SAFETY: every Element is a plain-old-data type with no padding
        // (bool is one byte, 0 or 1), so its memory can be read as bytes; the
        // byte slice borrows `data` for 'a.
        let bytes = unsafe { std::slice::from_raw_parts(data.as_ptr().cast::<u8>(), std::mem::size_of_val(data)) };
        Ok(TensorRef { name: c_name(name)?, dtype: T::DTYPE, shape: shape.to_vec(), data: bytes, sample_rate: 0 })
    }

    /// A 1-D tensor over all of `data` (shape `[data.len()]`): a number,
    /// binary or h3 column.
    pub fn vector<T: Element>(name: &str, data: &'a [T]) -> Result<TensorRef<'a>> {
        Self::new(name, data, &[data.len() as i64])
    }

    /// A tensor over raw bytes of `dtype` (e.g. memory from another library).
    /// `data.len()` must be the element count times `dtype.size()`.
    pub fn from_bytes(name: &str, dtype: DType, data: &'a [u8], shape: &[i64]) -> Result<TensorRef<'a>> {
        if data.len() / dtype.size() * dtype.size() != data.len() {
            return Err(Error::new(
                Status::InvalidArgument,
                format!("tensor {name:?}: {} bytes is not a whole number of {dtype} elements", data.len()),
            ));
        }
        check_shape(name, shape, data.len() / dtype.size())?;
        if dtype == DType::Bool && data.iter().any(|&b| b > 1) {
            return Err(Error::new(Status::InvalidArgument, format!("tensor {name:?}: bool bytes must be 0 or 1")));
        }
        Ok(TensorRef { name: c_name(name)?, dtype, shape: shape.to_vec(), data, sample_rate: 0 })
    }

    /// Sets the sample rate (Hz) of an audio clip (`[channels, samples]`
    /// float32).
    pub fn with_sample_rate(mut self, hz: i64) -> TensorRef<'a> {
        self.sample_rate = hz;
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        // Made from a &str, so valid UTF-8.
        self.name.to_str().unwrap_or("")
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The dimensions.
    pub fn shape(&self) -> &[i64] {
        &self.shape
    }

    /// The borrowed bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }

    /// The `li_tensor` describing this buffer; valid while `self` is.
    pub(crate) fn raw(&self) -> sys::li_tensor {
        sys::li_tensor {
            name: self.name.as_ptr(),
            dtype: self.dtype.raw(),
            ndim: self.shape.len(),
            shape: if self.shape.is_empty() { std::ptr::null() } else { self.shape.as_ptr() },
            data: if self.data.is_empty() { std::ptr::null() } else { self.data.as_ptr().cast() },
            nbytes: self.data.len(),
            sample_rate: self.sample_rate,
        }
    }
}

impl fmt::Debug for TensorRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TensorRef")
            .field("name", &self.name())
            .field("dtype", &self.dtype)
            .field("shape", &self.shape)
            .field("sample_rate", &self.sample_rate)
            .finish_non_exhaustive()
    }
}

/// The elements of an owned [`Tensor`], by type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TensorData {
    /// float32
    Float32(Vec<f32>),
    /// float64
    Float64(Vec<f64>),
    /// int32
    Int32(Vec<i32>),
    /// int64
    Int64(Vec<i64>),
    /// uint8
    UInt8(Vec<u8>),
    /// bool
    Bool(Vec<bool>),
    /// int8
    Int8(Vec<i8>),
    /// int16
    Int16(Vec<i16>),
}

impl TensorData {
    fn len(&self) -> usize {
        match self {
            TensorData::Float32(v) => v.len(),
            TensorData::Float64(v) => v.len(),
            TensorData::Int32(v) => v.len(),
            TensorData::Int64(v) => v.len(),
            TensorData::UInt8(v) => v.len(),
            TensorData::Bool(v) => v.len(),
            TensorData::Int8(v) => v.len(),
            TensorData::Int16(v) => v.len(),
        }
    }

    fn dtype(&self) -> DType {
        match self {
            TensorData::Float32(_) => DType::Float32,
            TensorData::Float64(_) => DType::Float64,
            TensorData::Int32(_) => DType::Int32,
            TensorData::Int64(_) => DType::Int64,
            TensorData::UInt8(_) => DType::UInt8,
            TensorData::Bool(_) => DType::Bool,
            TensorData::Int8(_) => DType::Int8,
            TensorData::Int16(_) => DType::Int16,
        }
    }

    fn bytes(&self) -> &[u8] {
        fn b<T>(v: &[T]) -> &[u8] {
            // SAFETY: Element types are plain old data; see TensorRef::new.
            unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
        }
        match self {
            TensorData::Float32(v) => b(v),
            TensorData::Float64(v) => b(v),
            TensorData::Int32(v) => b(v),
            TensorData::Int64(v) => b(v),
            TensorData::UInt8(v) => b(v),
            TensorData::Bool(v) => b(v),
            TensorData::Int8(v) => b(v),
            TensorData::Int16(v) => b(v),
        }
    }

    /// Element `i` as f64 (bool as 0/1).
    fn f64_at(&self, i: usize) -> f64 {
        match self {
            TensorData::Float32(v) => v[i] as f64,
            TensorData::Float64(v) => v[i],
            TensorData::Int32(v) => v[i] as f64,
            TensorData::Int64(v) => v[i] as f64,
            TensorData::UInt8(v) => v[i] as f64,
            TensorData::Bool(v) => v[i] as u8 as f64,
            TensorData::Int8(v) => v[i] as f64,
            TensorData::Int16(v) => v[i] as f64,
        }
    }
}

/// An owned tensor: a name, a shape and row-major elements.
///
/// Outputs that are tensors come back as `Tensor`s (copied once out of the
/// library's result). [`Tensor::as_tensor_ref`] lends one to the next stage without
/// copying.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    name: String,
    shape: Vec<i64>,
    data: TensorData,
}

impl Tensor {
    /// A tensor from owned elements; the product of `shape` must equal
    /// `data.len()`.
    pub fn new<T: Element>(name: impl Into<String>, data: Vec<T>, shape: Vec<i64>) -> Result<Tensor> {
        let name = name.into();
        c_name(&name)?;
        check_shape(&name, &shape, data.len())?;
        Ok(Tensor { name, shape, data: T::wrap(data) })
    }

    /// Copies a result tensor out of the library's memory.
    ///
    /// # Safety
    /// Every pointer in `t` must be valid as `li_result_tensor` documents.
    pub(crate) unsafe fn from_raw(t: &sys::li_tensor) -> Result<Tensor> {
        let name = if t.name.is_null() { String::new() } else { CStr::from_ptr(t.name).to_string_lossy().into_owned() };
        let dtype = DType::from_code(t.dtype).ok_or_else(|| {
            Error::new(Status::Internal, format!("result tensor {name:?} has dtype {} that this crate does not know", t.dtype))
        })?;
        let shape = if t.ndim == 0 || t.shape.is_null() { Vec::new() } else { std::slice::from_raw_parts(t.shape, t.ndim).to_vec() };
        let n = t.nbytes / dtype.size();
        let bytes: &[u8] = if t.nbytes == 0 || t.data.is_null() { &[] } else { std::slice::from_raw_parts(t.data.cast(), t.nbytes) };
        fn copy<T: Element>(bytes: &[u8], n: usize) -> Vec<T> {
            let mut v = vec![T::default(); n];
            // SAFETY: `v` has room for n elements = n * size_of::<T>() bytes,
            // and `bytes` holds at least that many; byte copies need no
            // alignment.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), v.as_mut_ptr().cast::<u8>(), n * std::mem::size_of::<T>()) };
            v
        }
        let data = match dtype {
            DType::Float32 => TensorData::Float32(copy(bytes, n)),
            DType::Float64 => TensorData::Float64(copy(bytes, n)),
            DType::Int32 => TensorData::Int32(copy(bytes, n)),
            DType::Int64 => TensorData::Int64(copy(bytes, n)),
            DType::UInt8 => TensorData::UInt8(copy(bytes, n)),
            // Read bytes, not bools: a byte other than 0/1 must not become
            // an invalid bool.
            DType::Bool => TensorData::Bool(bytes[..n].iter().map(|&b| b != 0).collect()),
            DType::Int8 => TensorData::Int8(copy(bytes, n)),
            DType::Int16 => TensorData::Int16(copy(bytes, n)),
        };
        check_shape(&name, &shape, n).map_err(|e| Error::new(Status::Internal, e.message().to_owned()))?;
        Ok(Tensor { name, shape, data })
    }

    /// Reads the JSON tensor encoding `{"dtype", "shape", "data"}` (what the
    /// preprocess and predict stages answer with when tensors are in the
    /// JSON). `null` elements are NaN.
    pub fn from_json(name: impl Into<String>, v: &Value) -> Result<Tensor> {
        let name = name.into();
        c_name(&name)?;
        let bad = |why: &str| Error::new(Status::InvalidArgument, format!("tensor {name:?}: {why}"));
        let dtype = v["dtype"].as_str().and_then(DType::from_name).ok_or_else(|| bad("missing or unknown \"dtype\""))?;
        let shape = v["shape"]
            .as_array()
            .ok_or_else(|| bad("missing \"shape\""))?
            .iter()
            .map(|d| d.as_i64().ok_or_else(|| bad("a dimension is not an integer")))
            .collect::<Result<Vec<i64>>>()?;
        let data = v["data"].as_array().ok_or_else(|| bad("missing \"data\""))?;
        fn ints<T: TryFrom<i64>>(d: &[Value]) -> Option<Vec<T>> {
            d.iter().map(|x| x.as_i64().and_then(|i| T::try_from(i).ok())).collect()
        }
        let float = |x: &Value| if x.is_null() { Some(f64::NAN) } else { x.as_f64() };
        let data = match dtype {
            DType::Float32 => data.iter().map(|x| float(x).map(|f| f as f32)).collect::<Option<_>>().map(TensorData::Float32),
            DType::Float64 => data.iter().map(float).collect::<Option<_>>().map(TensorData::Float64),
            DType::Int32 => ints(data).map(TensorData::Int32),
            DType::Int64 => ints(data).map(TensorData::Int64),
            DType::UInt8 => ints(data).map(TensorData::UInt8),
            DType::Int8 => ints(data).map(TensorData::Int8),
            DType::Int16 => ints(data).map(TensorData::Int16),
            DType::Bool => data.iter().map(Value::as_bool).collect::<Option<_>>().map(TensorData::Bool),
        }
        .ok_or_else(|| bad(&format!("\"data\" does not hold {dtype} values")))?;
        check_shape(&name, &shape, data.len())?;
        Ok(Tensor { name, shape, data })
    }

    /// The JSON tensor encoding `{"dtype", "shape", "data"}`.
    pub fn to_json(&self) -> Value {
        let data: Value = match &self.data {
            TensorData::Float32(v) => v.iter().copied().collect(),
            TensorData::Float64(v) => v.iter().copied().collect(),
            TensorData::Int32(v) => v.iter().copied().collect(),
            TensorData::Int64(v) => v.iter().copied().collect(),
            TensorData::UInt8(v) => v.iter().copied().collect(),
            TensorData::Bool(v) => v.iter().copied().collect(),
            TensorData::Int8(v) => v.iter().copied().collect(),
            TensorData::Int16(v) => v.iter().copied().collect(),
        };
        let mut m = crate::json::Map::new();
        m.insert("dtype", self.dtype().name());
        m.insert("shape", self.shape.clone());
        m.insert("data", data);
        Value::Object(m)
    }

    /// The name (`"<feature>::<key>"` for model outputs, the input feature
    /// name for preprocessed tensors).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }

    /// The dimensions.
    pub fn shape(&self) -> &[i64] {
        &self.shape
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.data.len() == 0
    }

    /// The elements, by type.
    pub fn data(&self) -> &TensorData {
        &self.data
    }

    /// The elements as `&[T]` when `T` is the tensor's dtype.
    ///
    /// ```
    /// # use ludwig_infer::Tensor;
    /// let t = Tensor::new("p", vec![0.25_f32, 0.75], vec![1, 2]).unwrap();
    /// assert_eq!(t.as_slice::<f32>(), Some(&[0.25, 0.75][..]));
    /// assert_eq!(t.as_slice::<f64>(), None);
    /// ```
    pub fn as_slice<T: Element>(&self) -> Option<&[T]> {
        T::slice(&self.data)
    }

    /// Every element converted to `f64` (bool as 0/1, int64 above 2^53
    /// rounded).
    pub fn to_f64_vec(&self) -> Vec<f64> {
        (0..self.len()).map(|i| self.data.f64_at(i)).collect()
    }

    /// Every element converted to `f32`.
    pub fn to_f32_vec(&self) -> Vec<f32> {
        match &self.data {
            TensorData::Float32(v) => v.clone(),
            _ => (0..self.len()).map(|i| self.data.f64_at(i) as f32).collect(),
        }
    }

    /// Moves the elements out as `Vec<T>` when `T` is the dtype; otherwise
    /// gives the tensor back.
    pub fn into_vec<T: Element>(self) -> Result<Vec<T>, Tensor> {
        let Tensor { name, shape, data } = self;
        T::take(data).map_err(|data| Tensor { name, shape, data })
    }

    /// A 2-D view (`[rows, cols]`) of a rank-2 tensor of dtype `T`, e.g. the
    /// `[batch, classes]` probabilities of a category output.
    ///
    /// ```
    /// # use ludwig_infer::Tensor;
    /// let t = Tensor::new("plan::probabilities", vec![0.1_f32, 0.9, 0.6, 0.4], vec![2, 2]).unwrap();
    /// let m = t.view2::<f32>().unwrap();
    /// assert_eq!((m.rows(), m.cols()), (2, 2));
    /// assert_eq!(m.row(1), &[0.6, 0.4]);
    /// assert_eq!(m[(0, 1)], 0.9);
    /// ```
    pub fn view2<T: Element>(&self) -> Option<View2<'_, T>> {
        let data = self.as_slice::<T>()?;
        match self.shape[..] {
            [r, c] => Some(View2 { data, rows: r as usize, cols: c as usize }),
            _ => None,
        }
    }

    /// Lends the tensor as an input of another call (e.g. the next stage),
    /// without copying its elements.
    pub fn as_tensor_ref(&self) -> TensorRef<'_> {
        TensorRef {
            // Checked when the tensor was made: no NUL.
            name: CString::new(self.name.as_str()).unwrap_or_default(),
            dtype: self.dtype(),
            shape: self.shape.clone(),
            data: self.data.bytes(),
            sample_rate: 0,
        }
    }
}

/// A borrowed row-major matrix: `rows × cols` elements of `T`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View2<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
}

impl<'a, T: Copy> View2<'a, T> {
    /// A view of `data` as `rows × cols`, if the sizes agree.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Option<View2<'a, T>> {
        (rows.checked_mul(cols) == Some(data.len())).then_some(View2 { data, rows, cols })
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i` (panics when out of range).
    pub fn row(&self, i: usize) -> &'a [T] {
        assert!(i < self.rows, "row {i} out of range for {} rows", self.rows);
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Element `(i, j)`, if in range.
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        (i < self.rows && j < self.cols).then(|| self.data[i * self.cols + j])
    }

    /// The rows in order.
    pub fn iter_rows(&self) -> impl Iterator<Item = &'a [T]> + 'a {
        let (data, cols) = (self.data, self.cols);
        (0..self.rows).map(move |i| &data[i * cols..(i + 1) * cols])
    }

    /// The elements, row-major.
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }
}

impl<T: Copy> std::ops::Index<(usize, usize)> for View2<'_, T> {
    type Output = T;
    fn index(&self, (i, j): (usize, usize)) -> &T {
        assert!(i < self.rows && j < self.cols, "({i}, {j}) out of range for {}x{}", self.rows, self.cols);
        &self.data[i * self.cols + j]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtype_values_match_the_header() {
        use sys::li_dtype::*;
        for (d, c) in [
            (DType::Float32, LI_DTYPE_FLOAT32),
            (DType::Float64, LI_DTYPE_FLOAT64),
            (DType::Int32, LI_DTYPE_INT32),
            (DType::Int64, LI_DTYPE_INT64),
            (DType::UInt8, LI_DTYPE_UINT8),
            (DType::Bool, LI_DTYPE_BOOL),
            (DType::Int8, LI_DTYPE_INT8),
            (DType::Int16, LI_DTYPE_INT16),
        ] {
            assert_eq!(d as i32, c as i32);
            assert_eq!(DType::from_code(c as i32), Some(d));
            assert_eq!(DType::from_name(d.name()), Some(d));
        }
        assert_eq!(DType::from_code(0), None);
    }

    #[test]
    fn tensor_ref_borrows_without_copying() {
        let xs = [1i64, 2, 3, 4, 5, 6];
        let t = TensorRef::new("x", &xs, &[2, 3]).unwrap();
        assert_eq!(t.bytes().as_ptr(), xs.as_ptr().cast());
        let raw = t.raw();
        assert_eq!(raw.nbytes, 48);
        assert_eq!(raw.ndim, 2);
        assert_eq!(raw.dtype, sys::li_dtype::LI_DTYPE_INT64 as i32);
        assert!(TensorRef::new("x", &xs, &[4]).is_err());
        assert!(TensorRef::new("x", &xs, &[-2, -3]).is_err());
        assert!(TensorRef::new("x\0y", &xs, &[6]).is_err());
        let s = TensorRef::new("s", &[7.0f32], &[]).unwrap();
        assert!(s.raw().shape.is_null());
        assert!(TensorRef::from_bytes("b", DType::Bool, &[0, 1, 2], &[3]).is_err());
        assert!(TensorRef::from_bytes("b", DType::Int32, &[0, 1, 2], &[1]).is_err());
    }

    #[test]
    fn json_encoding_round_trips() {
        let v: Value = r#"{"dtype":"int64","shape":[2],"data":[617703466028236799,-1]}"#.parse().unwrap();
        let t = Tensor::from_json("cell", &v).unwrap();
        assert_eq!(t.as_slice::<i64>(), Some(&[617703466028236799, -1][..]));
        assert_eq!(t.to_json(), v);
        let v: Value = r#"{"dtype":"float32","shape":[1,2],"data":[0.5,null]}"#.parse().unwrap();
        let t = Tensor::from_json("f", &v).unwrap();
        assert!(t.as_slice::<f32>().unwrap()[1].is_nan());
        let v: Value = r#"{"dtype":"uint8","shape":[1],"data":[300]}"#.parse().unwrap();
        assert!(Tensor::from_json("u", &v).is_err());
        let v: Value = r#"{"dtype":"bool","shape":[3],"data":[true,false]}"#.parse().unwrap();
        assert!(Tensor::from_json("b", &v).is_err());
    }

    #[test]
    fn conversions_and_views() {
        let t = Tensor::new("b", vec![true, false, true], vec![3]).unwrap();
        assert_eq!(t.to_f64_vec(), [1.0, 0.0, 1.0]);
        assert_eq!(t.as_tensor_ref().bytes(), &[1, 0, 1]);
        let t = Tensor::new("m", vec![1i32, 2, 3, 4, 5, 6], vec![3, 2]).unwrap();
        let m = t.view2::<i32>().unwrap();
        assert_eq!(m.iter_rows().collect::<Vec<_>>(), [&[1, 2][..], &[3, 4], &[5, 6]]);
        assert_eq!(m.get(2, 1), Some(6));
        assert_eq!(m.get(3, 0), None);
        assert!(t.view2::<f32>().is_none());
        assert_eq!(t.clone().into_vec::<i32>().unwrap(), [1, 2, 3, 4, 5, 6]);
        assert!(t.into_vec::<i64>().is_err());
        let e = Tensor::new("e", Vec::<f32>::new(), vec![2, 0]).unwrap();
        assert_eq!(e.view2::<f32>().unwrap().iter_rows().count(), 2);
    }
}
