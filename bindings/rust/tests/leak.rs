//! Every library allocation is freed exactly once: 10,000 calls through
//! every RAII path (results with JSON and tensors, error messages, info
//! JSON) leave the resident set flat. Its own test binary, so no other test
//! moves the numbers.

mod common;

use common::*;
use ludwig_infer::{Form, Map, Model, Options, Request, TensorRef, Value};

/// A column dict of `n` rows cycling through the cases' rows.
fn repeat_rows(cases: &[Case], n: usize) -> Value {
    let mut cols = Map::new();
    let keys: Vec<String> = cases[0].request.as_object().unwrap().keys().map(str::to_owned).collect();
    for k in keys {
        let all: Vec<Value> = cases.iter().flat_map(|c| c.request[k.as_str()].as_array().unwrap().to_vec()).collect();
        cols.insert(k, (0..n).map(|i| all[i % all.len()].clone()).collect::<Value>());
    }
    Value::Object(cols)
}

#[test]
fn ten_thousand_calls_keep_rss_flat() {
    let m = Model::load(model_dir("tabular"), Options::default()).unwrap();
    let cases = golden("tabular");
    // The goldens' requests, and 200 rows made of them: big enough results
    // (~10 kB each) that leaking them, or their tensors, would show.
    let mut reqs: Vec<String> = cases.iter().map(|c| c.request.to_string()).collect();
    reqs.push(repeat_rows(&cases, 200).to_string());
    reqs.push(repeat_rows(&cases, 200).to_string());
    let ages = [34.0_f64, 51.0, 27.5];
    let cells = [617703466028236799_i64; 3];

    let call = |i: usize| {
        let req = &reqs[(i / 6) % reqs.len()];
        match i % 6 {
            // Typed: tensors copied out, result freed.
            0 => {
                let out = m.predict(&Request::json(req.as_str())).unwrap();
                assert!(out.predictions("plan").is_ok());
            }
            // JSON only.
            1 => {
                let out = m.predict_json(req, Form::Full).unwrap();
                assert!(!out.json().is_empty());
            }
            // Staged, tensors crossing stages.
            2 => {
                let pre = m.preprocess(&Request::json(req.as_str())).unwrap();
                let pred = m.predict_tensors(&pre.tensor_refs()).unwrap();
                let post = m.postprocess(&pred.tensor_refs(), Form::Features).unwrap();
                assert!(post.predictions("plan").is_ok());
            }
            // Borrowed tensor inputs.
            3 => {
                let req = Request::new()
                    .column("city", ["Paris", "Rome", "Oslo"])
                    .column("member", [true, false, true])
                    .tensor(TensorRef::vector("age", &ages).unwrap())
                    .tensor(TensorRef::vector("cell", &cells).unwrap());
                assert!(m.predict(&req).is_ok());
            }
            // Errors: the C message is copied and freed.
            4 => {
                let e = m.predict_json(r#"{"Age": [1]}"#, Form::Columns).unwrap_err();
                assert!(!e.message().is_empty());
            }
            // Model info: a string freed with li_free.
            _ => {
                assert!(!m.info_json().unwrap().is_empty());
            }
        }
    };

    for i in 0..2_000 {
        call(i);
    }
    let before = rss_bytes();
    for i in 0..10_000 {
        call(i);
    }
    let after = rss_bytes();
    let growth = after as i64 - before as i64;
    eprintln!("RSS after warm-up {:.1} MB, after 10,000 calls {:.1} MB, growth {:.2} MB", before as f64 / 1e6, after as f64 / 1e6, growth as f64 / 1e6);
    // Leaking every result (li_result_free never called) grows it by ~30 MB.
    assert!(growth < 10 << 20, "RSS grew by {growth} bytes over 10,000 calls");
}
