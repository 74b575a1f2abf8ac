//! Every shipped test model against its goldens (testdata/golden/<model>.json),
//! as the Go tests check them: every case in the features, columns and full
//! forms, as JSON and as typed values; staged calls with tensors crossing
//! stages; inputs passed as zero-copy tensor buffers.

mod common;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use common::*;
use ludwig_infer::{Form, InferOptions, Map, Model, Options, Request, Stage, Tensor, TensorRef, Value};

/// One model per name, loaded once and shared by every test of this binary
/// (Model is Sync).
fn model(name: &str) -> &'static Model {
    static MODELS: OnceLock<Mutex<HashMap<String, &'static Model>>> = OnceLock::new();
    let mut m = MODELS.get_or_init(Default::default).lock().unwrap();
    m.entry(name.to_owned())
        .or_insert_with(|| Box::leak(Box::new(Model::load(model_dir(name), Options::default()).unwrap_or_else(|e| panic!("{name}: {e}")))))
}

fn parse(s: &str) -> Value {
    s.parse().unwrap_or_else(|e| panic!("{e}: {s}"))
}

fn check(got: &Value, want: &Value, what: &str) {
    let d = diff(got, want, what);
    assert!(d.is_empty(), "{d}");
}

#[test]
fn json_forms_match_goldens() {
    for name in golden_names() {
        let m = model(&name);
        for c in golden(&name) {
            let what = format!("{name}/{}", c.name);
            let req = c.request.to_string();
            for (form, want) in [(Form::Features, want_features(&c)), (Form::Columns, want_columns(&c)), (Form::Full, want_full(&c))] {
                let out = m.predict_json(&req, form).unwrap_or_else(|e| panic!("{what} {form}: {e}"));
                assert_eq!(out.form(), form);
                check(&parse(out.json()), &want, &format!("{what} {form}"));
                // The parsed value is the same JSON.
                check(out.value().unwrap(), &want, &format!("{what} {form} value()"));
            }
        }
    }
}

#[test]
fn typed_outputs_match_goldens() {
    for name in golden_names() {
        let m = model(&name);
        for c in golden(&name) {
            let what = format!("{name}/{}", c.name);
            let req = Request::json(c.request.to_string());
            // Tensor outputs as buffers (exact dtype), in every form.
            for form in [Form::Features, Form::Columns, Form::Full] {
                let out = m.infer(&req, &InferOptions::new().form(form).tensor_outputs(true)).unwrap();
                for (k, want) in c.postprocessed.iter() {
                    let (f, key) = split(k);
                    let got = out.get(f, key).unwrap_or_else(|e| panic!("{what} {form} {k}: {e}"));
                    let buffer = out.tensor(k).is_some();
                    assert_eq!(buffer, want["kind"] == Value::from("tensor"), "{what} {form} {k}: returned as a buffer");
                    assert_column(&got, want, true, &format!("{what} {form} {k}"));
                }
                if form == Form::Full {
                    for (col, want) in c.full.iter() {
                        let got = out.column(col).unwrap_or_else(|e| panic!("{what} {col}: {e}"));
                        check(&got.to_json(), want, &format!("{what} full {col}"));
                    }
                }
            }
            // The same values read back from JSON outputs.
            for form in [Form::Features, Form::Columns, Form::Full] {
                let out = m.infer(&req, &InferOptions::new().form(form)).unwrap();
                assert!(out.tensors().is_empty());
                for (k, want) in c.postprocessed.iter() {
                    let (f, key) = split(k);
                    let got = out.get(f, key).unwrap_or_else(|e| panic!("{what} {form} {k}: {e}"));
                    assert_column(&got, want, false, &format!("{what} {form} json {k}"));
                }
            }
            // predict() is the columns form with tensor buffers.
            let out = m.predict(&req).unwrap();
            assert_eq!(out.form(), Form::Columns);
            for (k, want) in c.postprocessed.iter() {
                let (f, key) = split(k);
                assert_column(&out.get(f, key).unwrap(), want, true, &format!("{what} predict {k}"));
            }
        }
    }
}

#[test]
fn staged_calls_match_goldens() {
    for name in golden_names() {
        let m = model(&name);
        for c in golden(&name) {
            let what = format!("{name}/{}", c.name);
            let req = Request::json(c.request.to_string());

            // Preprocess: one tensor per input feature.
            let pre = m.preprocess(&req).unwrap();
            assert_eq!(pre.tensors().len(), c.preprocessed.len(), "{what}");
            for (k, want) in c.preprocessed.iter() {
                let t = pre.tensor(k).unwrap_or_else(|| panic!("{what}: no preprocessed {k}"));
                assert_tensor(t, want, &format!("{what} preprocessed {k}"));
                assert_eq!(pre.get(k, "").unwrap().as_tensor().map(Tensor::to_json), Some(t.to_json()));
            }

            // Predict on the golden preprocessed tensors (borrowed).
            let golden_pre = tensors(&c.preprocessed);
            let refs: Vec<TensorRef<'_>> = golden_pre.iter().map(Tensor::as_tensor_ref).collect();
            let pred = m.predict_tensors(&refs).unwrap();
            for (k, want) in c.predicted.iter() {
                let t = pred.tensor(k).unwrap_or_else(|| panic!("{what}: no predicted {k}"));
                assert_tensor(t, want, &format!("{what} predicted {k}"));
                let (f, key) = split(k);
                assert_eq!(pred.get(f, key).unwrap().as_tensor().map(Tensor::to_json), Some(t.to_json()));
            }

            // Postprocess the golden predicted tensors, typed and as JSON.
            let golden_pred = tensors(&c.predicted);
            let refs: Vec<TensorRef<'_>> = golden_pred.iter().map(Tensor::as_tensor_ref).collect();
            let post = m.postprocess(&refs, Form::Features).unwrap();
            for (k, want) in c.postprocessed.iter() {
                let (f, key) = split(k);
                assert_column(&post.get(f, key).unwrap(), want, true, &format!("{what} postprocessed {k}"));
            }
            let opts = InferOptions::new().stage(Stage::Postprocess).form(Form::Features);
            let post = m.infer(&Request::new().tensors_from(refs.iter().cloned()), &opts).unwrap();
            check(&parse(post.json()), &want_features(&c), &format!("{what} postprocess json"));

            // The chain on the library's own tensors, no copies between
            // stages, equals one predict call.
            let pred = m.predict_tensors(&pre.tensor_refs()).unwrap();
            let post = m.postprocess(&pred.tensor_refs(), Form::Columns).unwrap();
            for (k, want) in c.postprocessed.iter() {
                let (f, key) = split(k);
                assert_column(&post.get(f, key).unwrap(), want, true, &format!("{what} chained {k}"));
            }
        }
    }
}

#[test]
fn staged_json_matches_goldens() {
    for name in golden_names() {
        let m = model(&name);
        for c in golden(&name) {
            let what = format!("{name}/{}", c.name);
            let req = c.request.to_string();
            let out = m.infer(&Request::json(req.as_str()), &InferOptions::new().stage(Stage::Preprocess)).unwrap();
            check(&parse(out.json()), &Value::Object(c.preprocessed.clone()), &format!("{what} preprocess json"));

            let pre = Value::Object(c.preprocessed.clone()).to_string();
            let out = m.infer(&Request::json(pre), &InferOptions::new().stage(Stage::Predict)).unwrap();
            check(&parse(out.json()), &Value::Object(c.predicted.clone()), &format!("{what} predict json"));
            // Tensors read from the JSON keep their dtype.
            for (k, want) in c.predicted.iter() {
                let (f, key) = split(k);
                let got = out.get(f, key).unwrap();
                assert_tensor(got.as_tensor().unwrap(), want, &format!("{what} predict json {k}"));
            }

            let pred = Value::Object(c.predicted.clone()).to_string();
            for (form, want) in [(Form::Features, want_features(&c)), (Form::Columns, want_columns(&c)), (Form::Full, want_full(&c))] {
                let opts = InferOptions::new().stage(Stage::Postprocess).form(form);
                let out = m.infer(&Request::json(pred.as_str()), &opts).unwrap();
                check(&parse(out.json()), &want, &format!("{what} postprocess json {form}"));
            }
        }
    }
}

/// Rows of one shape stacked into one [B, ...] tensor.
fn stack(name: &str, rows: &[Tensor]) -> Option<Tensor> {
    let first = rows.first()?;
    if rows.iter().any(|r| r.shape() != first.shape() || r.dtype() != first.dtype()) {
        return None;
    }
    let mut shape = vec![rows.len() as i64];
    shape.extend_from_slice(first.shape());
    let data: Vec<Value> = rows.iter().flat_map(|r| r.to_json()["data"].as_array().unwrap().to_vec()).collect();
    let mut m = Map::new();
    m.insert("dtype", first.dtype().name());
    m.insert("shape", shape);
    m.insert("data", data);
    Some(Tensor::from_json(name, &Value::Object(m)).unwrap())
}

/// Inputs whose module input is a tensor or a list of tensors (numbers, h3
/// ids, dates, images, audio) passed as borrowed buffers instead of JSON
/// give the goldens' outputs: as one [B, ...] tensor when the rows have one
/// shape, and as a list of one tensor per row.
#[test]
fn tensor_inputs_match_goldens() {
    let mut covered = 0;
    for name in golden_names() {
        let m = model(&name);
        let schema = m.schema().unwrap();
        for c in golden(&name) {
            let what = format!("{name}/{}", c.name);
            // (tensor, sample rate) per input, as one tensor and as lists.
            let mut whole: Vec<(Tensor, i64)> = Vec::new();
            let mut lists: Vec<(Tensor, i64)> = Vec::new();
            let mut request = c.request.as_object().unwrap().clone();
            for (feature, input) in c.module_inputs.iter() {
                let info = schema.input(feature).unwrap_or_else(|| panic!("{what}: schema has no input {feature}"));
                match input["kind"].as_str().unwrap() {
                    "tensor" => {
                        let t = Tensor::from_json(feature, &input["tensor"]).unwrap();
                        whole.push((t.clone(), 0));
                        lists.push((t, 0));
                    }
                    "tensors" => {
                        let rows: Vec<Tensor> = input["value"].as_array().unwrap().iter().map(|t| Tensor::from_json(feature, t).unwrap()).collect();
                        match stack(feature, &rows) {
                            Some(t) => whole.push((t, 0)),
                            None => whole.extend(rows.iter().map(|r| (r.clone(), 0))),
                        }
                        // One tensor alone is a whole column, not a list of
                        // one row.
                        if rows.len() > 1 {
                            lists.extend(rows.into_iter().map(|r| (r, 0)));
                        } else {
                            lists.push(whole.last().unwrap().clone());
                        }
                    }
                    "audio" => {
                        for clip in input["value"].as_array().unwrap() {
                            let t = Tensor::from_json(feature, &clip["waveform"]).unwrap();
                            let sr = clip["sample_rate"].as_i64().unwrap();
                            whole.push((t.clone(), sr));
                            lists.push((t, sr));
                        }
                    }
                    _ => continue,
                }
                request.remove(&info.column);
            }
            if whole.is_empty() {
                continue;
            }
            covered += 1;
            let body = Value::Object(request).to_string();
            for (how, ts) in [("one tensor", &whole), ("tensor list", &lists)] {
                let refs = ts.iter().map(|(t, sr)| t.as_tensor_ref().with_sample_rate(*sr));
                let req = Request::json(body.as_str()).tensors_from(refs);
                let out = m.infer(&req, &InferOptions::new().form(Form::Features)).unwrap_or_else(|e| panic!("{what} {how}: {e}"));
                check(&parse(out.json()), &want_features(&c), &format!("{what} {how} inputs"));
            }
        }
    }
    assert!(covered >= 10, "only {covered} cases had tensor inputs");
}

/// The export variants that share tabular's files: the predictor named
/// `-cuda:0` (loaded on the CPU) or `_cpu`, and a `--model_only` export.
#[test]
fn tabular_variants() {
    let cases = golden("tabular");
    for variant in ["tabular_cuda0", "tabular_underscore"] {
        let m = Model::load(model_dir(variant), Options::new().device("cpu")).unwrap_or_else(|e| panic!("{variant}: {e}"));
        for c in &cases {
            let out = m.predict_json(&c.request.to_string(), Form::Full).unwrap();
            check(&parse(out.json()), &want_full(c), &format!("{variant}/{}", c.name));
        }
    }
    let m = Model::load(model_dir("model_only"), Options::default()).unwrap();
    let e = m.predict_json(&cases[0].request.to_string(), Form::Columns).unwrap_err();
    assert_eq!(e.status(), ludwig_infer::Status::InvalidArgument, "{e}");
    for c in &cases {
        let pre = tensors(&c.preprocessed);
        let refs: Vec<TensorRef<'_>> = pre.iter().map(Tensor::as_tensor_ref).collect();
        let out = m.predict_tensors(&refs).unwrap();
        for (k, want) in c.predicted.iter() {
            assert_tensor(out.tensor(k).unwrap(), want, &format!("model_only/{} {k}", c.name));
        }
    }
}

/// Requests as records, split JSON and keyed by feature name give the
/// column dict's answer.
#[test]
fn request_forms() {
    let m = model("tabular");
    let schema = m.schema().unwrap();
    let c = golden("tabular").pop().unwrap();
    let cols = c.request.as_object().unwrap();
    let keys: Vec<&str> = cols.keys().collect();
    let n = cols.get(keys[0]).unwrap().as_array().unwrap().len();
    let want = m.predict_json(&c.request.to_string(), Form::Columns).unwrap().into_json();

    let records = Request::records((0..n).map(|r| keys.iter().map(move |k| (*k, cols.get(k).unwrap()[r].clone()))));
    let split: Map = [
        ("columns", Value::from(keys.clone())),
        ("data", (0..n).map(|r| keys.iter().map(|k| cols.get(k).unwrap()[r].clone()).collect::<Value>()).collect()),
    ]
    .into_iter()
    .collect();
    let by_name = Request::columns(schema.inputs.iter().map(|i| (i.name.clone(), cols.get(&i.column).unwrap().clone())));
    let built = keys.iter().fold(Request::new(), |r, k| r.column(*k, cols.get(k).unwrap().clone()));
    let map: HashMap<String, Vec<Value>> = cols.iter().map(|(k, v)| (k.to_owned(), v.as_array().unwrap().to_vec())).collect();
    let from_map = Request::columns(&map);
    for (what, req) in [
        ("records", records),
        ("split", Request::json(Value::Object(split).to_string())),
        ("by name", by_name),
        ("built", built),
        ("hash map", from_map),
    ] {
        let got = m.infer(&req, &InferOptions::new()).unwrap();
        check(&parse(got.json()), &parse(&want), what);
    }
}

/// A model folder saved by Ludwig 0.17.10 with its model.pt2
/// (testdata/ludwig_model/concat): the full form is LudwigModel.predict's
/// columns, names and order; `Options::graph` loads a model.pt2 kept
/// outside the folder.
#[test]
fn ludwig_model_folder_matches_ludwig_predict() {
    let folder = testdata().join("ludwig_model").join("concat");
    let g = parse(&std::fs::read_to_string(folder.join("golden.json")).unwrap());
    let records = g.get("records").unwrap().to_string();
    let cols = g.get("columns").and_then(Value::as_array).unwrap();
    let want: Vec<&str> = cols.iter().map(|c| c.as_array().unwrap()[0].as_str().unwrap()).collect();
    assert_eq!(want.len(), 14);
    let dir = std::env::temp_dir().join(format!("li-ludwig-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["model_hyperparameters.json", "training_set_metadata.json"] {
        std::fs::copy(folder.join(f), dir.join(f)).unwrap();
    }
    for (path, opts) in [(folder.clone(), Options::new()), (dir.clone(), Options::new().graph(folder.join("model.pt2")))] {
        let m = Model::load(&path, opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let info = parse(&m.info_json().unwrap());
        assert_eq!(info.get("artifact").and_then(|a| a.get("kind")).and_then(Value::as_str), Some("ludwig_model"));
        let got = parse(m.predict_json(&records, Form::Full).unwrap().json());
        let keys: Vec<&str> = got.as_object().unwrap().keys().collect();
        assert_eq!(keys, want);
        for c in cols {
            let c = c.as_array().unwrap();
            let name = c[0].as_str().unwrap();
            check(got.get(name).unwrap(), &c[1], name);
        }
        let columns = parse(m.predict_json(&records, Form::Columns).unwrap().json());
        let keys: Vec<&str> = columns.as_object().unwrap().keys().collect();
        assert_eq!(keys, want.iter().copied().filter(|k| k.ends_with("_predictions") || k.ends_with("_probabilities")).collect::<Vec<_>>());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
