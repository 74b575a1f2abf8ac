//! Contender (d), Rust: the `ludwig-infer` crate (bindings/rust) speaking the
//! protocol of bench/c/harness.h on stdin/stdout.
//!
//! Case `json`: `Model::predict_json(request, Form::Columns)` and the
//! response JSON read (`Output::json`): the work of li_infer's JSON path.
//!
//!     rust_bench <model dir> <data dir> <number column>
use std::io::{self, BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use ludwig_infer::{Form, Model, Options};

const BATCHES: [usize; 3] = [1, 32, 1000];

static SINK: AtomicU64 = AtomicU64::new(0);

fn call(model: &Model, req: &str) -> bool {
    match model.predict_json(req, Form::Columns) {
        Ok(out) => {
            SINK.fetch_add(out.json().len() as u64, Ordering::Relaxed);
            true
        }
        Err(e) => {
            eprintln!("rust_bench: {e}");
            false
        }
    }
}

fn rss() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (get("VmHWM:"), get("VmRSS:"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: rust_bench <model dir> <data dir> [number column]");
        std::process::exit(2);
    }
    let (dir, data) = (&args[1], &args[2]);
    let reqs: Vec<String> = BATCHES
        .iter()
        .map(|b| std::fs::read_to_string(format!("{data}/req_{b}.json")).expect("read the inputs (run bench/gen)"))
        .collect();
    let t0 = Instant::now();
    let model = Model::load(dir, Options::default()).unwrap_or_else(|e| {
        eprintln!("rust_bench: {e}");
        std::process::exit(1)
    });
    let (h, r) = rss();
    println!("ready {} {h} {r}", t0.elapsed().as_nanos());
    io::stdout().flush().unwrap();

    let stdin = io::stdin();
    let mut out = io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let f: Vec<&str> = line.split_whitespace().collect();
        let batch = |s: &str| BATCHES.iter().position(|b| b.to_string() == s);
        let reply = match f.as_slice() {
            ["lat", "json", b, n] => match (batch(b), n.parse::<usize>()) {
                (Some(b), Ok(n)) => {
                    let mut ns = Vec::with_capacity(n);
                    let mut ok = true;
                    for _ in 0..n {
                        let t = Instant::now();
                        ok &= call(&model, &reqs[b]);
                        ns.push(t.elapsed().as_nanos().to_string());
                    }
                    if ok { format!("ok {}", ns.join(" ")) } else { "err call failed".into() }
                }
                _ => "err bad lat".into(),
            },
            ["thr", "json", b, t, s] => match (batch(b), t.parse::<usize>(), s.parse::<f64>()) {
                (Some(b), Ok(t), Ok(s)) => {
                    let calls = AtomicU64::new(0);
                    let failed = AtomicU64::new(0);
                    let barrier = Barrier::new(t + 1);
                    let mut elapsed = Duration::ZERO;
                    std::thread::scope(|sc| {
                        for _ in 0..t {
                            sc.spawn(|| {
                                barrier.wait();
                                let end = Instant::now() + Duration::from_secs_f64(s);
                                while Instant::now() < end {
                                    if !call(&model, &reqs[b]) {
                                        failed.fetch_add(1, Ordering::Relaxed);
                                    }
                                    calls.fetch_add(1, Ordering::Relaxed);
                                }
                            });
                        }
                        let t0 = Instant::now();
                        barrier.wait();
                        // The scope joins the threads; time it from the start.
                        std::thread::sleep(Duration::from_secs_f64(s));
                        elapsed = t0.elapsed();
                    });
                    if failed.load(Ordering::Relaxed) > 0 {
                        "err call failed".into()
                    } else {
                        format!("ok {} {}", calls.load(Ordering::Relaxed), elapsed.as_nanos())
                    }
                }
                _ => "err bad thr".into(),
            },
            ["check", "json", b] => match batch(b).map(|b| model.predict_json(&reqs[b], Form::Columns)) {
                Some(Ok(o)) => format!("ok {}", o.json()),
                _ => "err check failed".into(),
            },
            ["load", n] => {
                let n: usize = n.parse().unwrap_or(1);
                let ts: Vec<String> = (0..n)
                    .map(|_| {
                        let t = Instant::now();
                        match Model::load(dir, Options::default()) {
                            Ok(m) => {
                                drop(m);
                                t.elapsed().as_nanos().to_string()
                            }
                            Err(_) => "-1".into(),
                        }
                    })
                    .collect();
                format!("ok {}", ts.join(" "))
            }
            ["rss"] => {
                let (h, r) = rss();
                format!("ok {h} {r}")
            }
            ["quit"] => break,
            _ => "err unknown command".into(),
        };
        writeln!(out, "{reply}").unwrap();
        out.flush().unwrap();
    }
}
