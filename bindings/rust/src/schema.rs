//! [`Schema`]: a model's description (`li_model_info`; the same schema as
//! `ludwig-infer info` and the Python binding's `schema`).

use crate::json::Value;
use crate::tensor::DType;

/// A model's inputs, outputs, files and versions.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Schema {
    /// The library's ABI version.
    pub abi_version: i64,
    /// The library version.
    pub version: String,
    /// The libtorch version.
    pub torch_version: String,
    /// The export directory as given to [`Model::load`](crate::Model::load).
    pub path: String,
    /// The files loaded, by role (`"preprocessor"`, `"predictor"`, ...).
    pub files: Vec<(String, String)>,
    /// The device of each stage (`"predictor"` → `"cpu"`, ...).
    pub devices: Vec<(String, String)>,
    /// The input features, in the export's order.
    pub inputs: Vec<InputInfo>,
    /// The output features, in the export's order.
    pub outputs: Vec<OutputInfo>,
    /// Warnings about the export (e.g. metadata contradicting a module).
    pub warnings: Vec<String>,
    /// The whole JSON, for fields this crate does not name.
    pub raw: Value,
}

/// An input feature and the values it accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InputInfo {
    /// The feature name.
    pub name: String,
    /// The config's `column` (the key of table requests; may differ from
    /// the name).
    pub column: String,
    /// The Ludwig feature type (`"number"`, `"category"`, ...).
    pub feature_type: String,
    /// The value forms accepted (`"number"`, `"numeric string"`, `"null"`,
    /// `"tensor [B]"`, ...).
    pub forms: Vec<String>,
    /// The dtype of the tensor-buffer form, when there is one.
    pub dtype: Option<DType>,
    /// The shape of the tensor-buffer form (-1: a free dimension).
    pub shape: Option<Vec<i64>>,
    /// The format date strings are parsed with (date features).
    pub datetime_format: Option<String>,
}

/// An output feature.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutputInfo {
    /// The feature name.
    pub name: String,
    /// The config's `column`.
    pub column: String,
    /// The Ludwig feature type.
    pub feature_type: String,
    /// The keys the postprocessor returns (`"predictions"`,
    /// `"probabilities"`, ...).
    pub keys: Vec<String>,
    /// The class labels (category, set, binary outputs), in index order.
    pub labels: Vec<String>,
}

fn string(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap_or_default().iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| m.iter().map(|(k, x)| (k.to_owned(), x.as_str().map_or_else(|| x.to_string(), str::to_owned))).collect())
        .unwrap_or_default()
}

impl Schema {
    /// Reads the `li_model_info` JSON (missing fields read as empty).
    pub fn from_json(v: Value) -> Schema {
        let inputs = v["inputs"]
            .as_array()
            .unwrap_or_default()
            .iter()
            .map(|x| InputInfo {
                name: string(x, "name"),
                column: string(x, "column"),
                feature_type: string(x, "type"),
                forms: strings(&x["forms"]),
                dtype: x["dtype"].as_str().and_then(DType::from_name),
                shape: x["shape"].as_array().map(|a| a.iter().filter_map(Value::as_i64).collect()),
                datetime_format: x["datetime_format"].as_str().map(str::to_owned),
            })
            .collect();
        let outputs = v["outputs"]
            .as_array()
            .unwrap_or_default()
            .iter()
            .map(|x| OutputInfo {
                name: string(x, "name"),
                column: string(x, "column"),
                feature_type: string(x, "type"),
                keys: strings(&x["keys"]),
                labels: strings(&x["labels"]),
            })
            .collect();
        Schema {
            abi_version: v["abi_version"].as_i64().unwrap_or(0),
            version: string(&v, "version"),
            torch_version: string(&v, "torch_version"),
            path: string(&v, "path"),
            files: pairs(&v["files"]),
            devices: pairs(&v["devices"]),
            inputs,
            outputs,
            warnings: strings(&v["warnings"]),
            raw: v,
        }
    }

    /// The input feature with this name or column.
    pub fn input(&self, name: &str) -> Option<&InputInfo> {
        self.inputs.iter().find(|i| i.name == name).or_else(|| self.inputs.iter().find(|i| i.column == name))
    }

    /// The output feature with this name or column.
    pub fn output(&self, name: &str) -> Option<&OutputInfo> {
        self.outputs.iter().find(|o| o.name == name).or_else(|| self.outputs.iter().find(|o| o.column == name))
    }
}
