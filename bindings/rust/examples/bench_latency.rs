//! Per-call latency of the tabular test model from Rust, 1 row and 1000 rows
//! (the goldens' rows repeated), median and p99.
//!
//!     cargo run --release --example bench_latency [-- ITERS_1ROW ITERS_1000ROWS]
//!
//! It also writes the two request bodies to target/bench/ so that
//! bench/latency.c times the same calls through the C ABI
//! (bench/run.sh does both).

use std::ffi::CString;
use std::ptr;
use std::time::{Duration, Instant};

use ludwig_infer::{sys, Form, Map, Model, Options, Request, Value};

fn stats(mut d: Vec<Duration>) -> (f64, f64) {
    d.sort();
    let us = |x: Duration| x.as_secs_f64() * 1e6;
    (us(d[d.len() / 2]), us(d[(d.len() * 99 / 100).min(d.len() - 1)]))
}

/// Times `fs` call by call, interleaved (a, b, c, a, b, c, ...), so that
/// noise from other processes hits each alike; (median, p99) per function.
fn time<const N: usize>(iters: usize, fs: [&dyn Fn(); N]) -> [(f64, f64); N] {
    for _ in 0..iters.min(100) {
        for f in &fs {
            f();
        }
    }
    let mut d = vec![Vec::with_capacity(iters); N];
    for _ in 0..iters {
        for (k, f) in fs.iter().enumerate() {
            let t = Instant::now();
            f();
            d[k].push(t.elapsed());
        }
    }
    let mut out = [(0.0, 0.0); N];
    for (k, dk) in d.into_iter().enumerate() {
        out[k] = stats(dk);
    }
    out
}

/// A model opened through the raw C ABI (`sys`), to time the bare call.
struct RawModel(*mut sys::li_model);

// SAFETY: li_infer is thread-safe per the header (only used from one thread here anyway).
unsafe impl Sync for RawModel {}

impl RawModel {
    fn load(dir: &str) -> RawModel {
        let path = CString::new(dir).unwrap();
        let mut m = ptr::null_mut();
        // SAFETY: valid strings and out-parameter.
        let st = unsafe { sys::li_load(path.as_ptr(), ptr::null(), &mut m, ptr::null_mut()) };
        assert_eq!(st, 0, "li_load failed");
        RawModel(m)
    }

    /// What bench/latency.c does per call: li_infer with the default options
    /// (columns form, JSON out), read the JSON pointer, li_result_free.
    fn call(&self, body: &str) {
        let opts = sys::li_infer_options::INIT;
        let mut res = ptr::null_mut();
        // SAFETY: valid pointers for the call; the result is freed below.
        unsafe {
            let st = sys::li_infer(self.0, body.as_ptr().cast(), body.len(), ptr::null(), 0, &opts, &mut res, ptr::null_mut());
            assert_eq!(st, 0, "li_infer failed");
            let mut n = 0;
            std::hint::black_box(sys::li_result_json(res, &mut n));
            sys::li_result_free(res);
        }
    }
}

impl Drop for RawModel {
    fn drop(&mut self) {
        // SAFETY: opened by li_load, closed once.
        unsafe { sys::li_close(self.0) }
    }
}

fn rows(cases: &[Value], n: usize) -> String {
    let keys: Vec<String> = cases[0]["request"].as_object().unwrap().keys().map(str::to_owned).collect();
    let mut cols = Map::new();
    for k in keys {
        let all: Vec<Value> = cases.iter().flat_map(|c| c["request"][k.as_str()].as_array().unwrap().to_vec()).collect();
        cols.insert(k, (0..n).map(|i| all[i % all.len()].clone()).collect::<Value>());
    }
    Value::Object(cols).to_string()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let iters1 = args.next().transpose()?.unwrap_or(20_000);
    let iters1000 = args.next().transpose()?.unwrap_or(300);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");
    let golden: Value = std::fs::read_to_string(format!("{root}/golden/tabular.json"))?.parse()?;
    let cases = golden["cases"].as_array().unwrap();
    let model = Model::load(format!("{root}/models/tabular"), Options::default())?;

    let raw = RawModel::load(&format!("{root}/models/tabular"));

    let out_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench");
    std::fs::create_dir_all(out_dir)?;
    println!("per call, interleaved: raw = sys::li_infer (columns form, JSON out) + li_result_free;");
    println!("predict_json = the safe call doing the same, JSON copied into a String;");
    println!("predict = columns form with tensor outputs copied into Tensors");
    for (n, iters) in [(1, iters1), (1000, iters1000)] {
        let body = rows(cases, n);
        std::fs::write(format!("{out_dir}/req{n}.json"), &body)?;
        let req = Request::json(body.as_str());
        let [r, j, p] = time(
            iters,
            [
                &|| raw.call(&body),
                &|| {
                    let out = model.predict_json(&body, Form::Columns).unwrap();
                    std::hint::black_box(out.json().len());
                },
                &|| {
                    let out = model.predict(&req).unwrap();
                    std::hint::black_box(out.tensors().len());
                },
            ],
        );
        for (what, (med, p99)) in [("raw sys::li_infer", r), ("Model::predict_json", j), ("Model::predict", p)] {
            println!("rust {what:<20} rows={n:<5} iters={iters:<6} median {med:9.1} us  p99 {p99:9.1} us");
        }
        println!("     predict_json / raw median ratio {:.3}", j.0 / r.0);
    }
    Ok(())
}
