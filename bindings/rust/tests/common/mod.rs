//! Shared helpers of the integration tests: the goldens under
//! `testdata/golden` (read with the crate's own JSON parser) and comparisons
//! as the Go tests make them (core/internal/golden): strings and booleans
//! exactly, numbers as numpy's allclose with atol = rtol = 1e-5.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ludwig_infer::{Column, DType, Map, Number, Tensor, TensorData, Value};

/// The repository's testdata folder.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..").join("testdata")
}

/// testdata/models/<name>.
pub fn model_dir(name: &str) -> PathBuf {
    testdata().join("models").join(name)
}

/// The models that have goldens, sorted.
pub fn golden_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(testdata().join("golden"))
        .expect("testdata/golden")
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "json").then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no goldens under testdata/golden");
    // LI_NOLIBTORCH=1: the library is ./build.sh --no-libtorch's, which
    // cannot preprocess images and audio (they need libtorch).
    if std::env::var_os("LI_NOLIBTORCH").is_some() {
        names.retain(|n| n != "image_input" && n != "audio_input");
    }
    names
}

/// One golden case.
pub struct Case {
    pub name: String,
    /// The request JSON (a column dict keyed by column name).
    pub request: Value,
    pub module_inputs: Map,
    /// Input feature name -> {"dtype", "shape", "data"}.
    pub preprocessed: Map,
    /// "<f>::<key>" -> {"dtype", "shape", "data"}.
    pub predicted: Map,
    /// "<f>::<key>" -> {"kind", "tensor" | "value"}.
    pub postprocessed: Map,
    /// Extra columns of the full form.
    pub full: Map,
}

/// testdata/golden/<name>.json.
pub fn golden(name: &str) -> Vec<Case> {
    let path = testdata().join("golden").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = text.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let obj = |c: &Value, k: &str| c[k].as_object().cloned().unwrap_or_default();
    v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_owned(),
            request: c["request"].clone(),
            module_inputs: obj(c, "module_inputs"),
            preprocessed: obj(c, "preprocessed"),
            predicted: obj(c, "predicted"),
            postprocessed: obj(c, "postprocessed"),
            full: obj(c, "full"),
        })
        .collect()
}

/// A golden tensor {"dtype","shape","data"} as nested arrays of its shape.
pub fn nested(t: &Value) -> Value {
    let shape: Vec<usize> = t["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
    let data = t["data"].as_array().unwrap();
    if shape.is_empty() {
        return data[0].clone();
    }
    fn rec(shape: &[usize], data: &[Value], idx: &mut usize) -> Value {
        match shape.split_first() {
            None => {
                *idx += 1;
                data[*idx - 1].clone()
            }
            Some((&n, rest)) => Value::Array((0..n).map(|_| rec(rest, data, idx)).collect()),
        }
    }
    rec(&shape, data, &mut 0)
}

/// A golden postprocessed value as the JSON a response carries.
pub fn post_nested(v: &Value) -> Value {
    match v["kind"].as_str().unwrap() {
        "tensor" => nested(&v["tensor"]),
        "tensors" => Value::Array(v["value"].as_array().unwrap().iter().map(nested).collect()),
        _ => v["value"].clone(),
    }
}

/// Splits "<f>::<key>".
pub fn split(k: &str) -> (&str, &str) {
    k.split_once("::").expect("<feature>::<key>")
}

/// The features form a case's postprocessed values make.
pub fn want_features(c: &Case) -> Value {
    let mut out = Map::new();
    for (k, v) in c.postprocessed.iter() {
        let (f, key) = split(k);
        let mut inner = out.get(f).and_then(Value::as_object).cloned().unwrap_or_default();
        inner.insert(key, post_nested(v));
        out.insert(f, inner);
    }
    Value::Object(out)
}

/// The columns form.
pub fn want_columns(c: &Case) -> Value {
    let mut out = Map::new();
    for (k, v) in c.postprocessed.iter() {
        let (f, key) = split(k);
        out.insert(format!("{f}_{key}"), post_nested(v));
    }
    Value::Object(out)
}

/// The full form.
pub fn want_full(c: &Case) -> Value {
    let mut out = want_columns(c).as_object().cloned().unwrap();
    for (k, v) in c.full.iter() {
        out.insert(k, v.clone());
    }
    Value::Object(out)
}

/// |got - want| <= 1e-5 + 1e-5 * |want|; NaN matches NaN.
pub fn close(got: f64, want: f64) -> bool {
    if want.is_nan() {
        return got.is_nan();
    }
    (got - want).abs() <= 1e-5 + 1e-5 * want.abs()
}

/// Compares decoded JSON values; "" when they match, else where they differ.
pub fn diff(got: &Value, want: &Value, path: &str) -> String {
    match (want, got) {
        (Value::Null, Value::Null) => String::new(),
        (Value::Number(w), Value::Number(g)) => {
            // Two integer literals exactly (ids exceed 2^53), else allclose.
            let ints = !matches!(w, Number::Float(_)) && !matches!(g, Number::Float(_));
            if (ints && w == g) || (!ints && close(g.as_f64(), w.as_f64())) {
                String::new()
            } else {
                format!("{path}: got {got}, want {want}")
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            if w.len() != g.len() {
                return format!("{path}: got {} items, want {}: got {}, want {}", g.len(), w.len(), trim(got), trim(want));
            }
            w.iter().zip(g).enumerate().map(|(i, (w, g))| diff(g, w, &format!("{path}[{i}]"))).find(|d| !d.is_empty()).unwrap_or_default()
        }
        (Value::Object(w), Value::Object(g)) => {
            let mut wk: Vec<&str> = w.keys().collect();
            let mut gk: Vec<&str> = g.keys().collect();
            wk.sort();
            gk.sort();
            if wk != gk {
                return format!("{path}: got keys {gk:?}, want keys {wk:?}");
            }
            wk.iter().map(|k| diff(g.get(k).unwrap(), w.get(k).unwrap(), &format!("{path}.{k}"))).find(|d| !d.is_empty()).unwrap_or_default()
        }
        (w, g) if w == g => String::new(),
        _ => format!("{path}: got {}, want {}", trim(got), trim(want)),
    }
}

fn trim(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 200 {
        format!("{}...", &s[..s.char_indices().nth(200).map_or(s.len(), |(i, _)| i)])
    } else {
        s
    }
}

/// Asserts that `got` equals the golden tensor `want` ({"dtype","shape","data"}):
/// same dtype and shape, data within tolerance (null = NaN).
pub fn assert_tensor(got: &Tensor, want: &Value, what: &str) {
    let dtype = DType::from_name(want["dtype"].as_str().unwrap()).unwrap();
    assert_eq!(got.dtype(), dtype, "{what}: dtype");
    assert_tensor_values(got, want, what);
}

/// As assert_tensor, but any dtype (values read from JSON are float64).
pub fn assert_tensor_values(got: &Tensor, want: &Value, what: &str) {
    let shape: Vec<i64> = want["shape"].as_array().unwrap().iter().map(|d| d.as_i64().unwrap()).collect();
    assert_eq!(got.shape(), &shape[..], "{what}: shape");
    let data = want["data"].as_array().unwrap();
    assert_eq!(got.len(), data.len(), "{what}: length");
    match got.data() {
        TensorData::Int64(v) => {
            for (i, (g, w)) in v.iter().zip(data).enumerate() {
                assert_eq!(Some(*g), w.as_i64(), "{what}[{i}]");
            }
        }
        TensorData::Bool(v) => {
            for (i, (g, w)) in v.iter().zip(data).enumerate() {
                match w.as_bool() {
                    Some(b) => assert_eq!(*g, b, "{what}[{i}]"),
                    None => assert!(close(*g as u8 as f64, w.as_f64().unwrap()), "{what}[{i}]"),
                }
            }
        }
        _ => {
            for (i, (g, w)) in got.to_f64_vec().iter().zip(data).enumerate() {
                let w = match w {
                    // The goldens write NaN and infinities as null.
                    Value::Null => {
                        assert!(!g.is_finite(), "{what}[{i}]: got {g}, want NaN or an infinity");
                        continue;
                    }
                    Value::Bool(b) => *b as u8 as f64,
                    x => x.as_f64().unwrap(),
                };
                assert!(close(*g, w), "{what}[{i}]: got {g}, want {w}");
            }
        }
    }
}

/// Asserts that a typed output column equals a golden postprocessed value
/// ({"kind", "tensor" | "value"}). `exact_dtype`: the tensor came back as a
/// buffer (not from JSON), so its dtype must match too.
pub fn assert_column(got: &Column, want: &Value, exact_dtype: bool, what: &str) {
    match want["kind"].as_str().unwrap() {
        "tensor" => {
            let t = got.as_tensor().unwrap_or_else(|| panic!("{what}: want a tensor, got {got:?}"));
            if exact_dtype {
                assert_tensor(t, &want["tensor"], what);
            } else {
                assert_tensor_values(t, &want["tensor"], what);
            }
        }
        "strings" => {
            let want: Vec<&str> = want["value"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
            assert_eq!(got.as_strings().unwrap_or_else(|| panic!("{what}: want strings, got {got:?}")), &want[..], "{what}");
        }
        "string_lists" => {
            let want: Vec<Vec<&str>> = want["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect())
                .collect();
            let got = got.as_string_lists().unwrap_or_else(|| panic!("{what}: want string lists, got {got:?}"));
            assert_eq!(got.len(), want.len(), "{what}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w, "{what}");
            }
        }
        "tensors" => {
            let want = want["value"].as_array().unwrap();
            // A List[Tensor] whose rows happen to have one length reads as
            // one tensor from JSON; compare row by row either way.
            match got {
                Column::Tensors(ts) => {
                    assert_eq!(ts.len(), want.len(), "{what}");
                    for (i, (g, w)) in ts.iter().zip(want).enumerate() {
                        assert_tensor_values(g, w, &format!("{what}[{i}]"));
                    }
                }
                Column::Tensor(t) => {
                    let rows = Column::Tensor(t.clone()).to_json();
                    let want_rows = Value::Array(want.iter().map(nested).collect());
                    let d = diff(&rows, &want_rows, what);
                    assert!(d.is_empty(), "{d}");
                }
                other => panic!("{what}: want tensors, got {other:?}"),
            }
        }
        k => panic!("{what}: unknown kind {k}"),
    }
}

/// Builds owned tensors from golden {"name": {"dtype","shape","data"}}.
pub fn tensors(m: &Map) -> Vec<Tensor> {
    m.iter().map(|(k, v)| Tensor::from_json(k, v).unwrap()).collect()
}

/// Resident set size of this process, in bytes (/proc/self/statm).
pub fn rss_bytes() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = s.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}
