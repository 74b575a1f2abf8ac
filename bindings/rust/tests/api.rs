//! The safe API's contract: errors and their status codes, zero-copy tensor
//! inputs, schema, threads, logging, and the raw ABI's handle errors.

mod common;

use std::ffi::CString;
use std::ptr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use ludwig_infer::{sys, Column, DType, Form, InferOptions, Model, Options, Request, Stage, Status, Tensor, TensorRef, Value};

fn tabular() -> Model {
    Model::load(model_dir("tabular"), Options::default()).unwrap()
}

/// Four rows of tabular in both shapes: JSON columns, and Rust slices.
const AGES: [f64; 4] = [34.0, 51.5, 27.0, 62.25];
const CELLS: [i64; 4] = [617703466028236799, 617703466028236799, 617700169958293503, 617703466028236799];
const CITIES: [&str; 4] = ["Paris", "Rome", "Oslo", "Paris"];
const MEMBERS: [bool; 4] = [true, false, true, false];

#[test]
fn version_and_abi() {
    assert_eq!(ludwig_infer::abi_version(), 1);
    assert_eq!(ludwig_infer::ABI_VERSION, 1);
    assert_eq!(ludwig_infer::version(), sys::LI_VERSION);
    let t = ludwig_infer::torch_version();
    assert!(t.starts_with(|c: char| c.is_ascii_digit()), "{t}");
}

#[test]
fn model_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Model>();
    check::<ludwig_infer::Output>();
    check::<ludwig_infer::Error>();
}

#[test]
fn missing_directory_is_not_found() {
    let e = Model::load(model_dir("no_such_model"), Options::default()).unwrap_err();
    assert_eq!(e.status(), Status::NotFound, "{e}");
    assert_eq!(e.code(), 2);
    assert!(e.message().contains("no_such_model"), "{e}");
    assert!(e.to_string().starts_with("LI_ERR_NOT_FOUND: "), "{e}");
    // It is a std error.
    let _: &dyn std::error::Error = &e;
}

#[test]
fn bad_options_are_invalid_arguments() {
    let e = Model::load(model_dir("tabular"), Options::new().device("tpu:7")).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument, "{e}");
    let e = Model::load(model_dir("tabular"), Options::new().extension("/no/such/libext.so")).unwrap_err();
    assert!(matches!(e.status(), Status::NotFound | Status::Model), "{e}");
}

#[test]
fn request_errors() {
    let m = tabular();
    // Malformed JSON.
    let e = m.predict_json("{\"Age\": [34,", Form::Columns).unwrap_err();
    assert_eq!(e.status(), Status::Input, "{e}");
    // A missing feature is named.
    let e = m.predict_json(r#"{"Age": [34], "city": ["Paris"], "member": [true]}"#, Form::Columns).unwrap_err();
    assert_eq!(e.status(), Status::Input, "{e}");
    assert!(e.message().contains("cell"), "{e}");
    // A value of the wrong type names the feature.
    let e = m.predict_json(r#"{"Age": [[1]], "city": ["Paris"], "member": [true], "cell": [1]}"#, Form::Columns).unwrap_err();
    assert_eq!(e.status(), Status::Input, "{e}");
    assert!(e.message().contains("age") || e.message().contains("Age"), "{e}");
    // A tensor and a JSON column for one feature.
    let req = Request::json(r#"{"Age": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}"#)
        .tensor(TensorRef::vector("age", &AGES[..1]).unwrap());
    let e = m.predict(&req).unwrap_err();
    assert_eq!(e.status(), Status::Input, "{e}");
    // A tensor of the wrong rank.
    let req = Request::json(r#"{"city": ["Paris"], "member": [true], "cell": [617703466028236799]}"#)
        .tensor(TensorRef::new("age", &AGES, &[2, 2]).unwrap());
    assert_eq!(m.predict(&req).unwrap_err().status(), Status::Input);
    // Shapes that do not match the data never reach the library.
    let e = TensorRef::new("age", &AGES, &[3]).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    // Stage inputs that are not tensors.
    let e = m.infer(&Request::json(r#"{"age": [1.0]}"#), &InferOptions::new().stage(Stage::Predict)).unwrap_err();
    assert!(matches!(e.status(), Status::Input | Status::InvalidArgument), "{e}");
    // An output that is not there.
    let out = m.predict_json(r#"{"Age": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}"#, Form::Columns).unwrap();
    let e = out.get("plan", "nope").unwrap_err();
    assert_eq!(e.status(), Status::NotFound);
    assert!(e.message().contains("plan_predictions"), "{e}");
}

#[test]
fn deadline_passed_is_cancelled() {
    let m = tabular();
    // 20,000 rows take well over a millisecond to preprocess, so a 1 ms
    // deadline has passed by the check between stages.
    let n = 20_000;
    let req = Request::new()
        .column("Age", (0..n).map(|i| AGES[i % 4]).collect::<Value>())
        .column("city", (0..n).map(|i| CITIES[i % 4]).collect::<Value>())
        .column("member", (0..n).map(|i| MEMBERS[i % 4]).collect::<Value>())
        .column("cell", (0..n).map(|i| CELLS[i % 4]).collect::<Value>());
    let e = m.infer(&req, &InferOptions::new().timeout(Duration::from_millis(1))).unwrap_err();
    assert_eq!(e.status(), Status::Cancelled, "{e}");
    // Without the deadline it works.
    assert_eq!(m.predict(&req).unwrap().predictions("plan").unwrap().rows(), n);
}

#[test]
fn set_threads_after_load_is_refused() {
    let _m = tabular();
    assert_eq!(ludwig_infer::set_threads(0).unwrap_err().status(), Status::InvalidArgument);
    assert_eq!(ludwig_infer::set_threads(2).unwrap_err().status(), Status::InvalidArgument);
}

/// The ABI's handle errors, which the safe API cannot produce (a Model is
/// closed only by Drop): a closed handle, a never-valid one, NULL.
#[test]
fn closed_and_invalid_handles_through_the_raw_abi() {
    unsafe fn infer_status(model: *mut sys::li_model) -> (i32, String) {
        let mut out: *mut sys::li_result = ptr::null_mut();
        let mut err: *mut std::ffi::c_char = ptr::null_mut();
        let body = b"{}";
        let st = sys::li_infer(model, body.as_ptr().cast(), body.len(), ptr::null(), 0, ptr::null(), &mut out, &mut err);
        assert!(out.is_null(), "out-parameter touched on error");
        let msg = std::ffi::CStr::from_ptr(err).to_string_lossy().into_owned();
        sys::li_free(err.cast());
        (st, msg)
    }
    unsafe {
        let path = CString::new(model_dir("tabular").to_str().unwrap()).unwrap();
        let opts = CString::new(r#"{"warmup": false}"#).unwrap();
        let mut m: *mut sys::li_model = ptr::null_mut();
        assert_eq!(sys::li_load(path.as_ptr(), opts.as_ptr(), &mut m, ptr::null_mut()), 0);
        sys::li_close(m);
        let (st, msg) = infer_status(m);
        assert_eq!(Status::from_code(st), Status::Closed, "{msg}");
        sys::li_close(m); // a second close is a no-op
        let (st, _) = infer_status(0x42 as *mut sys::li_model);
        assert_eq!(Status::from_code(st), Status::Closed);
        let (st, _) = infer_status(ptr::null_mut());
        assert_eq!(Status::from_code(st), Status::InvalidArgument);
        // Frees accept NULL.
        sys::li_free(ptr::null_mut());
        sys::li_result_free(ptr::null_mut());
        sys::li_close(ptr::null_mut());
    }
}

fn json_request(rows: usize) -> String {
    let take = |f: &dyn Fn(usize) -> Value| (0..rows).map(f).collect::<Value>();
    Value::Object(
        [
            ("Age", take(&|i| AGES[i % 4].into())),
            ("city", take(&|i| CITIES[i % 4].into())),
            ("member", take(&|i| MEMBERS[i % 4].into())),
            ("cell", take(&|i| CELLS[i % 4].into())),
        ]
        .into_iter()
        .collect(),
    )
    .to_string()
}

/// Numbers, h3 ids and booleans borrowed from Rust slices give the JSON
/// request's answer.
#[test]
fn zero_copy_tensor_inputs_match_json() {
    let m = tabular();
    let want = m.predict_json(&json_request(4), Form::Full).unwrap();
    let want: Value = want.json().parse().unwrap();

    // age as &[f64] (by feature name), cell as &[i64] (by column name).
    let req = Request::new()
        .column("city", CITIES)
        .column("member", MEMBERS)
        .tensor(TensorRef::vector("age", &AGES).unwrap())
        .tensor(TensorRef::new("cell", &CELLS, &[4]).unwrap());
    let got = m.infer(&req, &InferOptions::new().form(Form::Full)).unwrap();
    let d = diff(&got.json().parse().unwrap(), &want, "age f64 + cell i64");
    assert!(d.is_empty(), "{d}");

    // The column name works as the tensor name too; f32 and i64 numbers.
    let ages32: Vec<f32> = AGES.iter().map(|&a| a as f32).collect();
    let req = Request::new().column("city", CITIES).column("member", MEMBERS).column("cell", CELLS).tensor(TensorRef::vector("Age", &ages32).unwrap());
    let got = m.infer(&req, &InferOptions::new().form(Form::Full)).unwrap();
    let d = diff(&got.json().parse().unwrap(), &want, "Age f32");
    assert!(d.is_empty(), "{d}");

    // A binary feature from &[bool].
    let req = Request::new().column("Age", AGES).column("city", CITIES).column("cell", CELLS).tensor(TensorRef::vector("member", &MEMBERS).unwrap());
    let got = m.infer(&req, &InferOptions::new().form(Form::Full)).unwrap();
    let d = diff(&got.json().parse().unwrap(), &want, "member bool");
    assert!(d.is_empty(), "{d}");

    // Typed output of a tensor-input call.
    let req = Request::new().column("city", CITIES).column("member", MEMBERS).tensor(TensorRef::vector("age", &AGES).unwrap()).tensor(TensorRef::vector("cell", &CELLS).unwrap());
    let out = m.predict(&req).unwrap();
    let plans = out.predictions("plan").unwrap();
    assert_eq!(plans.to_json(), want["plan_predictions"]);
    let probs = out.probabilities("plan").unwrap();
    let t = probs.as_tensor().unwrap();
    assert_eq!(t.dtype(), DType::Float32);
    let view = t.view2::<f32>().unwrap();
    assert_eq!((view.rows(), view.cols()), (4, 4));
    for (i, row) in view.iter_rows().enumerate() {
        let s: f32 = row.iter().sum();
        assert!((s - 1.0).abs() < 1e-5, "row {i} sums to {s}");
        let p = out.column("plan_probabilities").unwrap();
        assert_eq!(p.as_tensor().unwrap().view2::<f32>().unwrap().row(i), row);
    }
}

/// A vector feature as a [B, D] f32 tensor, and a date feature as [B, 9]
/// i64.
#[test]
fn zero_copy_vector_and_date_inputs() {
    let m = Model::load(model_dir("set_bag_vector"), Options::default()).unwrap();
    let emb = [0.5_f32, -1.0, 2.0, 0.25, 1.0, 1.0, 0.0, -3.5];
    let base = r#"{"tags": ["red blue", "green"], "words": ["a b", "c"]"#;
    let want = m.predict_json(&format!(r#"{base}, "emb": ["0.5 -1 2 0.25", "1 1 0 -3.5"]}}"#), Form::Features).unwrap();
    let got = m
        .infer(&Request::json(format!("{base}}}")).tensor(TensorRef::new("emb", &emb, &[2, 4]).unwrap()), &InferOptions::new().form(Form::Features))
        .unwrap();
    let d = diff(&got.json().parse().unwrap(), &want.json().parse().unwrap(), "emb");
    assert!(d.is_empty(), "{d}");

    let m = Model::load(model_dir("date_input"), Options::default()).unwrap();
    let schema = m.schema().unwrap();
    let c = &golden("date_input")[1];
    let signup = schema.input("signup").unwrap();
    assert_eq!(signup.dtype, Some(DType::Int64));
    assert_eq!(signup.shape.as_deref(), Some(&[-1, 9][..]));
    let rows: Vec<i64> = c.module_inputs.get("signup").unwrap()["value"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["data"].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()))
        .collect();
    let mut req = c.request.as_object().unwrap().clone();
    req.remove(&signup.column);
    let body = Value::Object(req).to_string();
    let out = m.infer(&Request::json(body.as_str()).tensor(TensorRef::new("signup", &rows, &[rows.len() as i64 / 9, 9]).unwrap()), &InferOptions::new().form(Form::Features)).unwrap();
    let d = diff(&out.json().parse().unwrap(), &want_features(c), "date");
    assert!(d.is_empty(), "{d}");
}

#[test]
fn schema_describes_the_model() {
    let m = tabular();
    let s = m.schema().unwrap();
    assert_eq!(s.abi_version, 1);
    assert_eq!(s.version, ludwig_infer::version());
    assert!(s.path.ends_with("tabular"), "{}", s.path);
    let names: Vec<(&str, &str, &str)> = s.inputs.iter().map(|i| (i.name.as_str(), i.column.as_str(), i.feature_type.as_str())).collect();
    assert_eq!(names, [("age", "Age", "number"), ("city", "city", "category"), ("member", "member", "binary"), ("cell", "cell", "h3")]);
    assert_eq!(s.input("age").unwrap().dtype, Some(DType::Float64));
    assert_eq!(s.input("city").unwrap().dtype, None);
    assert!(!s.input("age").unwrap().forms.is_empty());
    assert_eq!(s.outputs.len(), 1);
    let plan = s.output("plan").unwrap();
    assert_eq!(plan.feature_type, "category");
    assert_eq!(plan.keys, ["predictions", "probabilities"]);
    assert_eq!(plan.labels, ["<UNK>", "premium", "plus", "basic"]);
    assert!(s.devices.contains(&("predictor".into(), "cpu".into())));
    assert!(s.files.iter().any(|(k, v)| k == "predictor" && v.ends_with("inference_predictor-cpu.pt")));
    assert!(s.raw["schemas"].get("predictor").is_some());
    let info: Value = m.info_json().unwrap().parse().unwrap();
    assert_eq!(info, s.raw);
}

/// Eight threads share one Model; every result equals the sequential one.
#[test]
fn threads_share_one_model() {
    let m = tabular();
    let cases = golden("tabular");
    let reqs: Vec<String> = cases.iter().map(|c| c.request.to_string()).chain([json_request(7), json_request(100)]).collect();
    let want: Vec<String> = reqs.iter().map(|r| m.predict_json(r, Form::Full).unwrap().into_json()).collect();
    let want_typed: Vec<Column> = reqs.iter().map(|r| m.predict(&Request::json(r.as_str())).unwrap().probabilities("plan").unwrap()).collect();
    std::thread::scope(|s| {
        for w in 0..8 {
            let (m, reqs, want, want_typed) = (&m, &reqs, &want, &want_typed);
            s.spawn(move || {
                for it in 0..100 {
                    let i = (w + it) % reqs.len();
                    if it % 2 == 0 {
                        let got = m.predict_json(&reqs[i], Form::Full).unwrap();
                        assert_eq!(got.json(), want[i], "worker {w} request {i}");
                    } else {
                        let got = m.predict(&Request::json(reqs[i].as_str())).unwrap();
                        assert_eq!(got.probabilities("plan").unwrap().to_json(), want_typed[i].to_json(), "worker {w} request {i}");
                    }
                }
            });
        }
    });
}

#[test]
fn log_callback_receives_load_messages() {
    let seen = Arc::new(Mutex::new(Vec::<(ludwig_infer::LogLevel, String)>::new()));
    let sink = seen.clone();
    ludwig_infer::set_log_callback(move |level, msg| sink.lock().unwrap().push((level, msg.to_owned())), ludwig_infer::LogLevel::Debug);
    let _m = Model::load(model_dir("regression"), Options::new().warmup(false)).unwrap();
    ludwig_infer::clear_log_callback();
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|(l, m)| *l == ludwig_infer::LogLevel::Info && m.contains("loaded") && m.contains("regression")),
        "{seen:?}"
    );
}

#[test]
fn outputs_outlive_their_model() {
    let m = tabular();
    let out = m.predict(&Request::json(json_request(2))).unwrap();
    drop(m);
    assert_eq!(out.predictions("plan").unwrap().rows(), 2);
    assert_eq!(out.tensor("plan::probabilities").unwrap().shape(), &[2, 4]);
}

#[test]
fn owned_tensor_round_trip_between_stages() {
    // Tensors built in Rust (not returned by the library) cross stages too.
    let m = tabular();
    let pre = m.preprocess(&Request::json(json_request(3))).unwrap();
    let owned: Vec<Tensor> = pre.tensors().iter().map(|t| Tensor::from_json(t.name(), &t.to_json()).unwrap()).collect();
    let refs: Vec<TensorRef<'_>> = owned.iter().map(Tensor::as_tensor_ref).collect();
    let a = m.predict_tensors(&refs).unwrap();
    let b = m.predict_tensors(&pre.tensor_refs()).unwrap();
    for (x, y) in a.tensors().iter().zip(b.tensors()) {
        assert_eq!(x.to_json(), y.to_json());
    }
}

#[test]
fn load_bytes_answers_as_load() {
    let req = r#"{"Age": [34, 51.5], "city": ["Paris", "Oslo"], "member": [true, false], "cell": [617703466028236799, 617700169958293503]}"#;
    let want = tabular().predict_json(req, Form::Full).unwrap().into_json();
    // A tar of the export folder, made by tar(1) as a user would.
    let out = std::process::Command::new("tar")
        .arg("-cf")
        .arg("-")
        .arg("-C")
        .arg(testdata().join("models"))
        .arg("tabular")
        .output()
        .expect("tar");
    assert!(out.status.success(), "tar failed");
    let m = Model::load_bytes(&out.stdout, Options::new().warmup(false)).unwrap();
    assert_eq!(m.predict_json(req, Form::Full).unwrap().json(), want);
    assert!(m.info_json().unwrap().contains(r#""path":"<buffer>/tabular""#));
    // A .carton's bytes: a carton, told apart by its content.
    let carton = std::fs::read(model_dir("tabular_carton").join("tabular.carton")).unwrap();
    let c = Model::load_bytes(&carton, Options::default()).unwrap();
    assert!(c.info_json().unwrap().contains(r#""kind":"carton""#));
    assert_eq!(c.schema().unwrap().path, "<buffer>/model.carton");
}

#[test]
fn load_bytes_errors() {
    let e = Model::load_bytes(&[], Options::default()).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument, "{e}");
    assert_eq!(e.message(), "the model buffer is empty");
    let e = Model::load_bytes(b"not an archive", Options::default()).unwrap_err();
    assert_eq!(e.status(), Status::Model, "{e}");
    assert_eq!(e.message(), r#"cannot load the model buffer: not a zip, tar or tar.gz archive (it starts with "not an a")"#);
}
