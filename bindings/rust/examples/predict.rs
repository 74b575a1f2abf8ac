//! Prints the predictions of the `tabular` test model for a few rows.
//!
//!     cargo run --example predict                      # testdata/models/tabular
//!     cargo run --example predict -- path/to/export '{"col": [..], ...}'

use std::error::Error;

use ludwig_infer::{Form, Model, Options, Request};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/models/tabular").to_owned());
    let model = Model::load(&dir, Options::default())?;
    let schema = model.schema()?;
    println!("ludwig-infer {} (libtorch {}), model {}", ludwig_infer::version(), ludwig_infer::torch_version(), schema.path);
    for i in &schema.inputs {
        println!("  input  {:<8} column {:<8} {}", i.name, i.column, i.feature_type);
    }
    for o in &schema.outputs {
        println!("  output {:<8} {} labels {:?}", o.name, o.feature_type, o.labels);
    }

    let request = match args.next() {
        Some(json) => Request::json(json),
        // Rows for the tabular model (keys are the config's columns; null is
        // a missing value).
        None => Request::new()
            .column("Age", vec![Some(34.0), Some(51.5), None])
            .column("city", ["Paris", "Rome", "Atlantis"])
            .column("member", [true, false, true])
            .column("cell", [617703466028236799_i64, 617700169958293503, 617703466028236799]),
    };
    let out = model.predict(&request)?;

    for o in &schema.outputs {
        let predictions = out.predictions(&o.name)?;
        println!("\n{}:", o.name);
        let probs = out.probabilities(&o.name).ok();
        let matrix = probs.as_ref().and_then(|p| p.as_tensor()).and_then(|t| t.view2::<f32>());
        for row in 0..predictions.rows() {
            let pred = match &predictions {
                ludwig_infer::Column::Strings(s) => s[row].clone(),
                other => other.to_json()[row].to_string(),
            };
            match &matrix {
                Some(m) => {
                    let p: Vec<String> = m.row(row).iter().map(|x| format!("{x:.3}")).collect();
                    println!("  row {row}: {pred:<10} probabilities [{}]", p.join(", "));
                }
                None => println!("  row {row}: {pred}"),
            }
        }
    }
    // The same rows with every output in the JSON, as `ludwig serve` answers.
    let full = model.predict_json(&request.body(), Form::Full)?;
    println!("\nfull form JSON: {}", full.json());
    Ok(())
}
