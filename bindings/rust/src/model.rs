//! [`Model`], its load [`Options`], [`Request`]s and call options.

use core::ffi::c_char;
use std::borrow::Cow;
use std::ffi::CString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::ptr::{self, NonNull};
use std::str::FromStr;
use std::time::Duration;

use crate::error::{check, Error, LibString, Result, Status};
use crate::json::{Map, Value};
use crate::output::Output;
use crate::schema::Schema;
use crate::sys;
use crate::tensor::{Tensor, TensorRef};

/// Output forms: one vocabulary across C, Go, Python, Rust, the command and
/// the server (`li_form`).
#[repr(i32)]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Form {
    /// Per output feature, as `InferenceModule`'s forward returns:
    /// `{"label": {"predictions": [...], "probabilities": [[...]]}}`.
    Features = 0,
    /// `InferenceModule.predict`'s columns, `"<feature>_<key>"`:
    /// `{"label_predictions": [...], "label_probabilities": [[...]]}`.
    #[default]
    Columns = 1,
    /// The `LudwigModel.predict` / `ludwig serve` columns: the columns plus
    /// `"<f>_probability"` and `"<f>_probabilities_<label>"` for binary and
    /// category outputs, and `"<f>_response"` for text outputs.
    Full = 2,
}

impl Form {
    /// `"features"`, `"columns"` or `"full"`.
    pub fn name(self) -> &'static str {
        match self {
            Form::Features => "features",
            Form::Columns => "columns",
            Form::Full => "full",
        }
    }

    fn raw(self) -> sys::li_form {
        match self {
            Form::Features => sys::li_form::LI_FORM_FEATURES,
            Form::Columns => sys::li_form::LI_FORM_COLUMNS,
            Form::Full => sys::li_form::LI_FORM_FULL,
        }
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Form {
    type Err = Error;
    /// Parses `"features"`, `"columns"` or `"full"`.
    fn from_str(s: &str) -> Result<Form> {
        match s {
            "features" => Ok(Form::Features),
            "columns" => Ok(Form::Columns),
            "full" => Ok(Form::Full),
            _ => Err(Error::new(Status::InvalidArgument, format!("unknown form {s:?} (want features, columns or full)"))),
        }
    }
}

/// What a call runs (`li_stage`).
#[repr(i32)]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Stage {
    /// Table values in, the three stages, the output form out.
    #[default]
    All = 0,
    /// Table values in, the preprocessor only; out: one tensor per input
    /// feature.
    Preprocess = 1,
    /// Preprocessed tensors in (named by input feature); out:
    /// `"<feature>::<key>"` tensors.
    Predict = 2,
    /// `"<feature>::<key>"` tensors in; out: the output form.
    Postprocess = 3,
}

impl Stage {
    fn raw(self) -> sys::li_stage {
        match self {
            Stage::All => sys::li_stage::LI_STAGE_ALL,
            Stage::Preprocess => sys::li_stage::LI_STAGE_PREPROCESS,
            Stage::Predict => sys::li_stage::LI_STAGE_PREDICT,
            Stage::Postprocess => sys::li_stage::LI_STAGE_POSTPROCESS,
        }
    }
}

/// Per-call options (`li_infer_options`). The default is the header's
/// `LI_INFER_OPTIONS_INIT`: all stages, columns form, no deadline, every
/// output in the JSON.
///
/// ```
/// use std::time::Duration;
/// use ludwig_infer::{Form, InferOptions, Stage};
///
/// let opts = InferOptions::new().form(Form::Full).timeout(Duration::from_millis(50)).tensor_outputs(true);
/// assert_eq!(opts.get_stage(), Stage::All);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InferOptions {
    stage: Stage,
    form: Form,
    timeout: Option<Duration>,
    tensor_outputs: bool,
}

impl InferOptions {
    /// The defaults.
    pub fn new() -> InferOptions {
        InferOptions::default()
    }

    /// Which stages run.
    pub fn stage(mut self, stage: Stage) -> InferOptions {
        self.stage = stage;
        self
    }

    /// The output form of [`Stage::All`] and [`Stage::Postprocess`].
    pub fn form(mut self, form: Form) -> InferOptions {
        self.form = form;
        self
    }

    /// A deadline relative to the start of the call, checked before and
    /// between stages (a libtorch forward cannot be interrupted); when it
    /// passes the call fails with [`Status::Cancelled`]. Rounded up to whole
    /// milliseconds.
    pub fn timeout(mut self, timeout: Duration) -> InferOptions {
        self.timeout = Some(timeout);
        self
    }

    /// `true`: every tensor output comes back as a [`Tensor`] (exact dtype,
    /// no JSON formatting) and is left out of the JSON; lists of strings stay
    /// in the JSON.
    pub fn tensor_outputs(mut self, on: bool) -> InferOptions {
        self.tensor_outputs = on;
        self
    }

    /// The stage set.
    pub fn get_stage(&self) -> Stage {
        self.stage
    }

    /// The form set.
    pub fn get_form(&self) -> Form {
        self.form
    }

    fn raw(&self) -> sys::li_infer_options {
        let timeout_ms = match self.timeout {
            None => 0,
            Some(d) if d.is_zero() => 0,
            // Round up, so a sub-millisecond deadline is not "none".
            Some(d) => i64::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(i64::MAX),
        };
        sys::li_infer_options {
            stage: self.stage.raw(),
            form: self.form.raw(),
            timeout_ms,
            tensor_outputs: self.tensor_outputs as _,
            ..sys::li_infer_options::INIT
        }
    }
}

/// How [`Model::load`] opens an export (the options JSON of `li_load`).
///
/// ```
/// use ludwig_infer::Options;
///
/// let o = Options::new().device("cpu").warmup(false);
/// assert_eq!(o.to_json().unwrap(), r#"{"device":"cpu","warmup":false}"#);
/// let g = Options::new().engine("go");
/// assert_eq!(g.to_json().unwrap(), r#"{"engine":"go"}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    device: Option<String>,
    warmup: Option<bool>,
    extensions: Vec<PathBuf>,
    engine: Option<String>,
    graph: Option<PathBuf>,
}

impl Options {
    /// The library's defaults: CPU, warm-up on, no extensions.
    pub fn new() -> Options {
        Options::default()
    }

    /// The predictor's device: `"cpu"` (default), `"cuda"`, `"cuda:N"`.
    /// Pre- and postprocessing always run on the CPU.
    pub fn device(mut self, device: impl Into<String>) -> Options {
        self.device = Some(device.into());
        self
    }

    /// Whether to run every stage once at load on generated rows, so the
    /// first calls are fast (default true).
    pub fn warmup(mut self, warmup: bool) -> Options {
        self.warmup = Some(warmup);
        self
    }

    /// A custom-op library to load first (e.g. `libtorchaudio.so`, what
    /// Python's `torch.ops.load_library` does). May be given several times.
    pub fn extension(mut self, path: impl Into<PathBuf>) -> Options {
        self.extensions.push(path.into());
        self
    }

    /// What runs the predictor: `"auto"` (default: libtorch when the library
    /// was built with it, Go otherwise), `"libtorch"` or `"go"` (the Go
    /// engine; a load fails naming an operator it lacks).
    pub fn engine(mut self, engine: impl Into<String>) -> Options {
        self.engine = Some(engine.into());
        self
    }

    /// The `model.pt2` of a model folder saved by Ludwig >= 0.13 (`ludwig
    /// export_model -f torch_export` writes it elsewhere): [`Model::load`]
    /// is then given the folder holding the two JSON files. A folder that
    /// holds its `model.pt2` needs no option. Such a model runs in Go,
    /// without libtorch, with `LudwigModel.predict`'s columns.
    pub fn graph(mut self, path: impl Into<PathBuf>) -> Options {
        self.graph = Some(path.into());
        self
    }

    /// The options JSON handed to `li_load`.
    pub fn to_json(&self) -> Result<String> {
        let mut m = Map::new();
        if let Some(d) = &self.device {
            m.insert("device", d.as_str());
        }
        if let Some(e) = &self.engine {
            m.insert("engine", e.as_str());
        }
        if let Some(g) = &self.graph {
            let g = g.to_str().ok_or_else(|| {
                Error::new(Status::InvalidArgument, format!("graph path {} is not valid UTF-8", g.display()))
            })?;
            m.insert("graph", g);
        }
        if let Some(w) = self.warmup {
            m.insert("warmup", w);
        }
        if !self.extensions.is_empty() {
            let paths = self
                .extensions
                .iter()
                .map(|p| {
                    p.to_str().map(Value::from).ok_or_else(|| {
                        Error::new(Status::InvalidArgument, format!("extension path {} is not valid UTF-8", p.display()))
                    })
                })
                .collect::<Result<Vec<Value>>>()?;
            m.insert("extensions", paths);
        }
        Ok(Value::Object(m).to_string())
    }
}

#[derive(Clone, Debug)]
enum Body<'a> {
    Text(Cow<'a, str>),
    Columns(Map),
}

/// The input of a call: table values as JSON (a column dict, records or
/// pandas "split"), and/or [`TensorRef`] buffers borrowed for `'a`.
///
/// ```
/// use ludwig_infer::{Request, TensorRef};
///
/// // A column dict built in Rust (keys: feature names or config columns).
/// let r = Request::new().column("Age", [34, 51]).column("city", ["Paris", "Rome"]);
/// assert_eq!(r.body(), r#"{"Age":[34,51],"city":["Paris","Rome"]}"#);
///
/// // Records; None is a missing value.
/// let r = Request::records([[("Age", Some(34.0))], [("Age", None)]]);
/// assert_eq!(r.body(), r#"[{"Age":34.0},{"Age":null}]"#);
///
/// // Raw JSON, plus a number column borrowed from a slice (not copied).
/// let ages = [34.0_f64, 51.0];
/// let r = Request::json(r#"{"city": ["Paris", "Rome"]}"#).tensor(TensorRef::vector("age", &ages).unwrap());
/// assert_eq!(r.tensors().len(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct Request<'a> {
    body: Body<'a>,
    tensors: Vec<TensorRef<'a>>,
}

impl Default for Request<'_> {
    fn default() -> Self {
        Request::new()
    }
}

impl<'a> Request<'a> {
    /// An empty request; add columns with [`Request::column`] and tensors
    /// with [`Request::tensor`].
    pub fn new() -> Request<'a> {
        Request { body: Body::Columns(Map::new()), tensors: Vec::new() }
    }

    /// A request whose JSON is `text`, used as is: a column dict, records,
    /// split JSON, or (for the predict and postprocess stages) an object of
    /// `{"dtype", "shape", "data"}` tensors.
    pub fn json(text: impl Into<Cow<'a, str>>) -> Request<'a> {
        Request { body: Body::Text(text.into()), tensors: Vec::new() }
    }

    /// A column dict: each item is a column name and its values (anything
    /// that converts to a JSON array, e.g. `vec![34, 51]`, `["a", "b"]`,
    /// `vec![Some(1.5), None]`).
    pub fn columns<K, V>(columns: impl IntoIterator<Item = (K, V)>) -> Request<'a>
    where
        K: Into<String>,
        V: Into<Value>,
    {
        Request { body: Body::Columns(columns.into_iter().collect()), tensors: Vec::new() }
    }

    /// Records: one `(column, value)` list per row.
    pub fn records<R, K, V>(rows: impl IntoIterator<Item = R>) -> Request<'a>
    where
        R: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<Value>,
    {
        let rows: Value = rows.into_iter().map(|r| Value::Object(r.into_iter().collect())).collect();
        Request::json(rows.to_string())
    }

    /// Adds (or replaces) a column of a column-dict request. On a request
    /// made from JSON text, the text must be a column dict; it is parsed
    /// once here.
    pub fn column(mut self, name: impl Into<String>, values: impl Into<Value>) -> Request<'a> {
        match &mut self.body {
            Body::Columns(m) => m.insert(name, values),
            Body::Text(t) => {
                let mut m = match Value::parse(t) {
                    Ok(Value::Object(m)) => m,
                    // Not a column dict: keep the text; the library will
                    // report the malformed request.
                    _ => return self,
                };
                m.insert(name, values);
                self.body = Body::Columns(m);
            }
        }
        self
    }

    /// Adds a tensor buffer, borrowed (not copied) for `'a`.
    pub fn tensor(mut self, tensor: TensorRef<'a>) -> Request<'a> {
        self.tensors.push(tensor);
        self
    }

    /// Adds several tensor buffers.
    pub fn tensors_from(mut self, tensors: impl IntoIterator<Item = TensorRef<'a>>) -> Request<'a> {
        self.tensors.extend(tensors);
        self
    }

    /// The request JSON as it will be sent ("" for a request of tensors
    /// only).
    pub fn body(&self) -> Cow<'_, str> {
        match &self.body {
            Body::Text(t) => Cow::Borrowed(t),
            Body::Columns(m) if m.is_empty() => Cow::Borrowed(""),
            Body::Columns(m) => Cow::Owned(Value::Object(m.clone()).to_string()),
        }
    }

    /// The tensor buffers.
    pub fn tensors(&self) -> &[TensorRef<'a>] {
        &self.tensors
    }
}

impl<'a> From<&'a str> for Request<'a> {
    fn from(text: &'a str) -> Request<'a> {
        Request::json(text)
    }
}

impl From<String> for Request<'_> {
    fn from(text: String) -> Self {
        Request::json(text)
    }
}

/// An open export.
///
/// `Model` is `Send` and `Sync`: the header makes `li_infer` and
/// `li_model_info` safe to call from many threads at once on one model, and
/// the only other operation, `li_close`, runs in `Drop`, which has the model
/// to itself. Share one `Model` between threads by reference or in an `Arc`.
///
/// ```
/// use ludwig_infer::{Model, Options, Request};
///
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/models/tabular");
/// let model = Model::load(dir, Options::default())?;
/// let out = model.predict(&Request::new()
///     .column("Age", [34, 51])
///     .column("city", ["Paris", "Rome"])
///     .column("member", [true, false])
///     .column("cell", [617703466028236799_i64, 617703466028236799]))?;
/// let plans = out.predictions("plan")?;
/// assert_eq!(plans.as_strings().unwrap().len(), 2);
/// let probs = out.probabilities("plan")?;
/// let m = probs.as_tensor().unwrap().view2::<f32>().unwrap();
/// assert_eq!((m.rows(), m.cols()), (2, 4));
/// # Ok::<(), ludwig_infer::Error>(())
/// ```
pub struct Model {
    raw: NonNull<sys::li_model>,
}

// SAFETY: see the type's documentation: every li_* call on a model handle is
// thread-safe per the header, and li_close runs only in Drop (&mut self).
unsafe impl Send for Model {}
// SAFETY: as above; &Model only reaches li_infer and li_model_info.
unsafe impl Sync for Model {}

/// A result the library allocated; `li_result_free` runs exactly once, on
/// drop.
struct RawResult(NonNull<sys::li_result>);

impl Drop for RawResult {
    fn drop(&mut self) {
        // SAFETY: the pointer came from li_infer and is freed only here.
        unsafe { sys::li_result_free(self.0.as_ptr()) }
    }
}

#[cfg(unix)]
fn path_cstring(path: &Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::new(Status::InvalidArgument, format!("path {} contains a NUL byte", path.display())))
}

#[cfg(not(unix))]
fn path_cstring(path: &Path) -> Result<CString> {
    let s = path
        .to_str()
        .ok_or_else(|| Error::new(Status::InvalidArgument, format!("path {} is not valid UTF-8", path.display())))?;
    CString::new(s).map_err(|_| Error::new(Status::InvalidArgument, format!("path {} contains a NUL byte", path.display())))
}

impl Model {
    /// Opens an export directory (the three `.pt` files and the JSON files,
    /// or a `--model_only` directory with only the predictor).
    ///
    /// Loading executes code stored in the `.pt` files (TorchScript is a
    /// program): load only models you trust.
    ///
    /// Errors: [`Status::NotFound`] (no such directory or file),
    /// [`Status::Model`] (a corrupt export, a missing custom-op library),
    /// [`Status::InvalidArgument`] (bad options, or a library whose ABI
    /// version this crate does not know).
    pub fn load(path: impl AsRef<Path>, options: Options) -> Result<Model> {
        crate::check_abi()?;
        let path = path_cstring(path.as_ref())?;
        let opts = CString::new(options.to_json()?)
            .map_err(|_| Error::new(Status::InvalidArgument, "an option contains a NUL byte"))?;
        let mut out: *mut sys::li_model = ptr::null_mut();
        // SAFETY: both strings are NUL-terminated and outlive the call; `out`
        // is a valid out-parameter.
        check(|err| unsafe { sys::li_load(path.as_ptr(), opts.as_ptr(), &mut out, err) })?;
        NonNull::new(out)
            .map(|raw| Model { raw })
            .ok_or_else(|| Error::new(Status::Internal, "li_load succeeded without a model"))
    }

    /// Opens a model from the bytes of a single-file archive in memory
    /// (`li_load_buffer`): a zip or tar (optionally gzip-compressed) of an
    /// export directory, or the bytes of a `.pt` or `.carton` file - what it
    /// is comes from the content. The bytes are read during the call only;
    /// the archive limits (entries, unpacked size, expansion ratio, no links,
    /// no paths leaving the archive) are checked before anything is
    /// unpacked into a temporary folder that is removed before the call
    /// returns. The model's info names that folder `<buffer>`.
    ///
    /// ```
    /// # use ludwig_infer::{Model, Options};
    /// # let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/models/tabular_carton/tabular.carton");
    /// let bytes = std::fs::read(file).unwrap();
    /// let model = Model::load_bytes(&bytes, Options::new().warmup(false))?;
    /// assert_eq!(model.schema()?.outputs[0].name, "plan");
    /// # Ok::<(), ludwig_infer::Error>(())
    /// ```
    ///
    /// Errors: [`Status::InvalidArgument`] (empty bytes, bad options),
    /// [`Status::Model`] (not a zip, tar or tar.gz; an archive past a limit
    /// - the message names the entry and the limit; and every model error
    /// of [`Model::load`]), [`Status::NotFound`] (what the unpacked folder
    /// lacks), [`Status::Runtime`] (the temporary folder cannot be written).
    pub fn load_bytes(data: &[u8], options: Options) -> Result<Model> {
        crate::check_abi()?;
        let opts = CString::new(options.to_json()?)
            .map_err(|_| Error::new(Status::InvalidArgument, "an option contains a NUL byte"))?;
        let mut out: *mut sys::li_model = ptr::null_mut();
        // SAFETY: `data` is valid for `data.len()` bytes and read only during
        // the call; the options string is NUL-terminated; `out` is a valid
        // out-parameter.
        check(|err| unsafe {
            sys::li_load_buffer(
                data.as_ptr().cast(),
                data.len(),
                opts.as_ptr(),
                &mut out,
                err,
            )
        })?;
        NonNull::new(out)
            .map(|raw| Model { raw })
            .ok_or_else(|| Error::new(Status::Internal, "li_load_buffer succeeded without a model"))
    }

    /// The model's description as the library's JSON (`li_model_info`).
    pub fn info_json(&self) -> Result<String> {
        let mut out = LibString::null();
        // SAFETY: the handle is open (closed only in Drop); `out` frees the
        // string with li_free.
        check(|err| unsafe { sys::li_model_info(self.raw.as_ptr(), out.as_out(), err) })?;
        Ok(out.to_string_lossy())
    }

    /// The model's inputs, outputs, files and versions.
    ///
    /// ```
    /// # use ludwig_infer::{Model, Options};
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/models/tabular");
    /// let model = Model::load(dir, Options::new().warmup(false))?;
    /// let schema = model.schema()?;
    /// let age = schema.input("Age").unwrap();
    /// assert_eq!((age.name.as_str(), age.feature_type.as_str()), ("age", "number"));
    /// assert_eq!(schema.outputs[0].labels, ["<UNK>", "premium", "plus", "basic"]);
    /// # Ok::<(), ludwig_infer::Error>(())
    /// ```
    pub fn schema(&self) -> Result<Schema> {
        let text = self.info_json()?;
        let v = Value::parse(&text).map_err(|e| Error::new(Status::Internal, format!("li_model_info returned {e}")))?;
        Ok(Schema::from_json(v))
    }

    /// Runs the call `options` describe on `request`: the general form of
    /// every method below.
    pub fn infer(&self, request: &Request<'_>, options: &InferOptions) -> Result<Output> {
        let body = request.body();
        self.run(body.as_bytes(), request.tensors(), options)
    }

    /// All three stages on a table request; the output in the columns form,
    /// with tensor outputs returned as [`Tensor`]s of their exact dtype
    /// (read them with [`Output::get`], [`Output::predictions`], ...).
    pub fn predict(&self, request: &Request<'_>) -> Result<Output> {
        self.infer(request, &InferOptions::new().tensor_outputs(true))
    }

    /// All three stages on a JSON request (a column dict, records or split
    /// JSON); every output in the JSON of `form` ([`Output::json`]).
    ///
    /// ```
    /// # use ludwig_infer::{Form, Model, Options};
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/models/tabular");
    /// # let model = Model::load(dir, Options::default())?;
    /// let out = model.predict_json(
    ///     r#"[{"Age": 34, "city": "Paris", "member": true, "cell": 617703466028236799}]"#,
    ///     Form::Features,
    /// )?;
    /// assert!(out.json().starts_with(r#"{"plan":{"predictions":["#));
    /// # Ok::<(), ludwig_infer::Error>(())
    /// ```
    pub fn predict_json(&self, json: &str, form: Form) -> Result<Output> {
        self.run(json.as_bytes(), &[], &InferOptions::new().form(form))
    }

    /// The preprocessor only: one [`Tensor`] per input feature, named by
    /// feature.
    pub fn preprocess(&self, request: &Request<'_>) -> Result<Output> {
        self.infer(request, &InferOptions::new().stage(Stage::Preprocess).tensor_outputs(true))
    }

    /// The predictor only, on preprocessed tensors named by input feature
    /// (e.g. `preprocess(..)?.tensor_refs()`): one [`Tensor`] per
    /// `"<feature>::<key>"`.
    pub fn predict_tensors(&self, tensors: &[TensorRef<'_>]) -> Result<Output> {
        self.run(&[], tensors, &InferOptions::new().stage(Stage::Predict).tensor_outputs(true))
    }

    /// The postprocessor only, on `"<feature>::<key>"` tensors (e.g.
    /// `predict_tensors(..)?.tensor_refs()`); tensor outputs come back as
    /// [`Tensor`]s, the rest in the JSON of `form`.
    ///
    /// ```
    /// # use ludwig_infer::{Form, Model, Options, Request};
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/models/tabular");
    /// # let model = Model::load(dir, Options::default())?;
    /// let req = Request::json(r#"{"Age": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}"#);
    /// let pre = model.preprocess(&req)?;
    /// let pred = model.predict_tensors(&pre.tensor_refs())?;
    /// let out = model.postprocess(&pred.tensor_refs(), Form::Columns)?;
    /// assert_eq!(out.predictions("plan")?.as_strings().unwrap(), ["plus"]);
    /// # Ok::<(), ludwig_infer::Error>(())
    /// ```
    pub fn postprocess(&self, tensors: &[TensorRef<'_>], form: Form) -> Result<Output> {
        self.run(&[], tensors, &InferOptions::new().stage(Stage::Postprocess).form(form).tensor_outputs(true))
    }

    fn run(&self, body: &[u8], tensors: &[TensorRef<'_>], options: &InferOptions) -> Result<Output> {
        // The li_tensor descriptors point into `tensors` (names, shapes) and
        // the slices they borrow; all outlive the call.
        let raw_tensors: Vec<sys::li_tensor> = tensors.iter().map(TensorRef::raw).collect();
        let copts = options.raw();
        let mut out: *mut sys::li_result = ptr::null_mut();
        let req: *const c_char = if body.is_empty() { ptr::null() } else { body.as_ptr().cast() };
        let tp = if raw_tensors.is_empty() { ptr::null() } else { raw_tensors.as_ptr() };
        // SAFETY: the handle is open; every pointer is valid for the call as
        // described above; `out` is a valid out-parameter.
        check(|err| unsafe {
            sys::li_infer(self.raw.as_ptr(), req, body.len(), tp, raw_tensors.len(), &copts, &mut out, err)
        })?;
        let result = RawResult(NonNull::new(out).ok_or_else(|| Error::new(Status::Internal, "li_infer succeeded without a result"))?);
        let mut len = 0usize;
        // SAFETY: the result is live; the JSON it owns is valid until
        // `result` drops, after the copy below.
        let json = unsafe {
            let p = sys::li_result_json(result.0.as_ptr(), &mut len);
            if p.is_null() {
                String::new()
            } else {
                let bytes = std::slice::from_raw_parts(p.cast::<u8>(), len);
                String::from_utf8(bytes.to_vec()).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
            }
        };
        // SAFETY: the result is live.
        let n = unsafe { sys::li_result_tensor_count(result.0.as_ptr()) };
        let mut out_tensors = Vec::with_capacity(n);
        for i in 0..n {
            let mut t = sys::li_tensor {
                name: ptr::null(),
                dtype: 0,
                ndim: 0,
                shape: ptr::null(),
                data: ptr::null(),
                nbytes: 0,
                sample_rate: 0,
            };
            // SAFETY: the result is live, `t` is a valid out-parameter, and
            // the pointers written into it stay valid until `result` drops,
            // after Tensor::from_raw copied them.
            check(|err| unsafe { sys::li_result_tensor(result.0.as_ptr(), i, &mut t, err) })?;
            out_tensors.push(unsafe { Tensor::from_raw(&t) }?);
        }
        drop(result);
        Ok(Output::new(options.get_stage(), options.get_form(), json, out_tensors))
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: the handle came from li_load and is closed only here.
        unsafe { sys::li_close(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model").field("handle", &self.raw).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_json() {
        assert_eq!(Options::new().to_json().unwrap(), "{}");
        let o = Options::new().device("cuda:1").warmup(true).extension("/x/libtorchaudio.so");
        assert_eq!(o.to_json().unwrap(), r#"{"device":"cuda:1","warmup":true,"extensions":["/x/libtorchaudio.so"]}"#);
    }

    #[test]
    fn infer_options_match_the_header_default() {
        let r = InferOptions::new().raw();
        let init = sys::li_infer_options::INIT;
        assert_eq!(r.struct_size, std::mem::size_of::<sys::li_infer_options>());
        assert_eq!((r.stage, r.form, r.timeout_ms, r.tensor_outputs), (init.stage, init.form, init.timeout_ms, init.tensor_outputs));
        assert_eq!(InferOptions::new().timeout(Duration::from_micros(10)).raw().timeout_ms, 1);
        assert_eq!(InferOptions::new().timeout(Duration::from_millis(250)).raw().timeout_ms, 250);
        assert_eq!(InferOptions::new().timeout(Duration::ZERO).raw().timeout_ms, 0);
    }

    #[test]
    fn forms_and_stages_match_the_header() {
        for (f, c) in [(Form::Features, 0), (Form::Columns, 1), (Form::Full, 2)] {
            assert_eq!(f.raw() as i32, c);
            assert_eq!(f as i32, c);
            assert_eq!(f.name().parse::<Form>().unwrap(), f);
        }
        for (s, c) in [(Stage::All, 0), (Stage::Preprocess, 1), (Stage::Predict, 2), (Stage::Postprocess, 3)] {
            assert_eq!(s.raw() as i32, c);
            assert_eq!(s as i32, c);
        }
        assert!("nope".parse::<Form>().is_err());
    }

    #[test]
    fn request_bodies() {
        let r = Request::columns([("a", vec![1, 2]), ("b", vec![3, 4])]);
        assert_eq!(r.body(), r#"{"a":[1,2],"b":[3,4]}"#);
        let r = Request::json(r#"{"a": [1]}"#).column("b", ["x"]);
        assert_eq!(r.body(), r#"{"a":[1],"b":["x"]}"#);
        assert_eq!(Request::new().body(), "");
    }
}
