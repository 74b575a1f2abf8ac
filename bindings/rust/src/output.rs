//! [`Output`]: what one call returns, as raw JSON and as owned Rust values.

use std::sync::OnceLock;

use crate::error::{Error, Result, Status};
use crate::json::Value;
use crate::model::{Form, Stage};
use crate::tensor::{Tensor, TensorData, TensorRef};

/// One output value of a feature (one `"<feature>::<key>"`), in the four
/// kinds a Ludwig postprocessor returns.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Column {
    /// A tensor: probabilities `[B, C]`, number predictions `[B]`, binary
    /// predictions (bool) `[B]`, ...
    Tensor(Tensor),
    /// A `List[str]`: category and binary-with-labels predictions, one per
    /// row.
    Strings(Vec<String>),
    /// A `List[List[str]]`: set, sequence and text predictions, one list per
    /// row.
    StringLists(Vec<Vec<String>>),
    /// A `List[Tensor]`: one tensor per row, of varying length (set
    /// probabilities).
    Tensors(Vec<Tensor>),
}

impl Column {
    /// The tensor, for [`Column::Tensor`].
    pub fn as_tensor(&self) -> Option<&Tensor> {
        match self {
            Column::Tensor(t) => Some(t),
            _ => None,
        }
    }

    /// The strings, for [`Column::Strings`].
    pub fn as_strings(&self) -> Option<&[String]> {
        match self {
            Column::Strings(s) => Some(s),
            _ => None,
        }
    }

    /// The lists of strings, for [`Column::StringLists`].
    pub fn as_string_lists(&self) -> Option<&[Vec<String>]> {
        match self {
            Column::StringLists(s) => Some(s),
            _ => None,
        }
    }

    /// The tensors, for [`Column::Tensors`].
    pub fn as_tensors(&self) -> Option<&[Tensor]> {
        match self {
            Column::Tensors(t) => Some(t),
            _ => None,
        }
    }

    /// The elements of a [`Column::Tensor`] as `f32` (number predictions,
    /// probabilities), whatever its dtype.
    pub fn to_f32_vec(&self) -> Option<Vec<f32>> {
        self.as_tensor().map(Tensor::to_f32_vec)
    }

    /// The number of rows (the first dimension of a tensor).
    pub fn rows(&self) -> usize {
        match self {
            Column::Tensor(t) => t.shape().first().map_or(1, |&d| d as usize),
            Column::Strings(s) => s.len(),
            Column::StringLists(s) => s.len(),
            Column::Tensors(t) => t.len(),
        }
    }

    /// The value as the JSON a response carries: tensors as nested arrays of
    /// their shape, strings as arrays of strings.
    pub fn to_json(&self) -> Value {
        match self {
            Column::Tensor(t) => nested(t),
            Column::Strings(s) => s.iter().map(String::as_str).collect(),
            Column::StringLists(s) => s.iter().map(|r| r.iter().map(String::as_str).collect::<Value>()).collect(),
            Column::Tensors(ts) => ts.iter().map(nested).collect(),
        }
    }

    /// Reads a response value (see [`Output::get`] for the rules).
    pub(crate) fn from_json(name: &str, v: &Value) -> Result<Column> {
        if v.get("dtype").is_some() && v.get("data").is_some() {
            return Tensor::from_json(name, v).map(Column::Tensor);
        }
        let bad = || Error::new(Status::Internal, format!("{name:?}: a value of no known output kind: {}", short(v)));
        if let Value::Array(items) = v {
            if !items.is_empty() {
                if let Some(s) = strings(items) {
                    return Ok(Column::Strings(s));
                }
            }
            // Lists of strings; empty lists count when some list is not.
            if items.iter().any(|x| x.as_array().is_some_and(|a| !a.is_empty())) {
                if let Some(lists) = items.iter().map(|x| x.as_array().and_then(strings)).collect::<Option<Vec<_>>>() {
                    return Ok(Column::StringLists(lists));
                }
            }
        }
        if let Some(t) = rectangular(name, v) {
            return Ok(Column::Tensor(t));
        }
        match v {
            Value::Array(items) => {
                items.iter().map(|x| rectangular(name, x).ok_or_else(bad)).collect::<Result<Vec<Tensor>>>().map(Column::Tensors)
            }
            _ => Err(bad()),
        }
    }
}

fn short(v: &Value) -> String {
    let mut s = v.to_string();
    if s.len() > 120 {
        let mut cut = 120;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

fn strings(items: &[Value]) -> Option<Vec<String>> {
    items.iter().map(|x| x.as_str().map(str::to_owned)).collect()
}

/// A nested array of equal-length arrays of numbers/bools/nulls as a tensor:
/// all-bool leaves give a bool tensor, anything else float64 (null = NaN).
fn rectangular(name: &str, v: &Value) -> Option<Tensor> {
    let mut shape = Vec::new();
    let mut cur = v;
    while let Value::Array(a) = cur {
        shape.push(a.len() as i64);
        match a.first() {
            Some(x) => cur = x,
            None => break,
        }
    }
    let mut leaves = Vec::new();
    fn walk<'v>(v: &'v Value, shape: &[i64], out: &mut Vec<&'v Value>) -> bool {
        match (v, shape.split_first()) {
            (Value::Array(a), Some((&n, rest))) => a.len() as i64 == n && a.iter().all(|x| walk(x, rest, out)),
            (Value::Array(_), None) => false,
            (_, Some(_)) => false,
            (x, None) => {
                out.push(x);
                true
            }
        }
    }
    if !walk(v, &shape, &mut leaves) {
        return None;
    }
    if !leaves.is_empty() && leaves.iter().all(|x| x.as_bool().is_some()) {
        let data = leaves.iter().map(|x| x.as_bool().unwrap_or(false)).collect();
        return Tensor::new(name, data, shape).ok();
    }
    let data = leaves.iter().map(|x| if x.is_null() { Some(f64::NAN) } else { x.as_f64() }).collect::<Option<Vec<f64>>>()?;
    Tensor::new(name, data, shape).ok()
}

/// A tensor as nested arrays of its shape.
fn nested(t: &Tensor) -> Value {
    fn leaf(d: &TensorData, i: usize) -> Value {
        match d {
            TensorData::Float32(v) => v[i].into(),
            TensorData::Float64(v) => v[i].into(),
            TensorData::Int32(v) => v[i].into(),
            TensorData::Int64(v) => v[i].into(),
            TensorData::UInt8(v) => v[i].into(),
            TensorData::Bool(v) => v[i].into(),
            TensorData::Int8(v) => v[i].into(),
            TensorData::Int16(v) => v[i].into(),
        }
    }
    fn rec(d: &TensorData, shape: &[i64], idx: &mut usize) -> Value {
        match shape.split_first() {
            None => {
                let v = leaf(d, *idx);
                *idx += 1;
                v
            }
            Some((&n, rest)) => (0..n).map(|_| rec(d, rest, idx)).collect(),
        }
    }
    rec(t.data(), t.shape(), &mut 0)
}

/// What one call returned: the response JSON (for the call's stage and
/// form, see the header) and the tensors returned as buffers.
///
/// Typed access, in every form and stage:
///
/// - [`Output::get`]`(feature, key)` (and [`predictions`](Output::predictions),
///   [`probabilities`](Output::probabilities)) finds `"<feature>::<key>"`
///   among the tensors, else in the JSON where the form puts it.
/// - [`Output::column`]`(name)` finds a column of the columns / full forms
///   (`"plan_probability"`).
/// - [`Output::tensor`]`(name)` finds a returned tensor buffer
///   (`"plan::probabilities"`, or an input feature name after preprocessing).
///
/// Tensors returned as buffers keep their exact dtype. Values read from the
/// JSON, which carries no dtype, are float64 (numbers; `null` is NaN) or bool
/// tensors; [`Tensor::to_f32_vec`] and [`Tensor::to_f64_vec`] read either.
#[derive(Debug)]
pub struct Output {
    stage: Stage,
    form: Form,
    json: String,
    tensors: Vec<Tensor>,
    parsed: OnceLock<Value>,
}

impl Output {
    pub(crate) fn new(stage: Stage, form: Form, json: String, tensors: Vec<Tensor>) -> Output {
        Output { stage, form, json, tensors, parsed: OnceLock::new() }
    }

    /// The stage that ran.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The output form of the JSON (meaningful for [`Stage::All`] and
    /// [`Stage::Postprocess`]).
    pub fn form(&self) -> Form {
        self.form
    }

    /// The response JSON, as the library wrote it.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The response JSON, moved out.
    pub fn into_json(self) -> String {
        self.json
    }

    /// The response JSON, parsed (once, on first use).
    pub fn value(&self) -> Result<&Value> {
        if let Some(v) = self.parsed.get() {
            return Ok(v);
        }
        let v = Value::parse(&self.json).map_err(|e| Error::new(Status::Internal, format!("the library returned {e}")))?;
        Ok(self.parsed.get_or_init(|| v))
    }

    /// The tensors returned as buffers, in the library's order.
    pub fn tensors(&self) -> &[Tensor] {
        &self.tensors
    }

    /// The tensors, moved out.
    pub fn into_tensors(self) -> Vec<Tensor> {
        self.tensors
    }

    /// The first returned tensor named `name`.
    pub fn tensor(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|t| t.name() == name)
    }

    /// Every returned tensor, lent as inputs of the next stage without
    /// copying.
    pub fn tensor_refs(&self) -> Vec<TensorRef<'_>> {
        self.tensors.iter().map(Tensor::as_tensor_ref).collect()
    }

    /// The value of `key` (`"predictions"`, `"probabilities"`, ...) of output
    /// feature `feature` (after [`Stage::Preprocess`], `key` is ignored and
    /// `feature` names an input feature).
    ///
    /// Looks for a tensor `"<feature>::<key>"`, then in the JSON at
    /// `["<feature>"]["<key>"]` (features form), `["<feature>_<key>"]`
    /// (columns and full forms) or `["<feature>::<key>"]` (the predict
    /// stage). JSON values are read as: an array of strings →
    /// [`Column::Strings`]; an array of arrays of strings →
    /// [`Column::StringLists`]; equal-length nested arrays of numbers →
    /// [`Column::Tensor`]; arrays of different lengths →
    /// [`Column::Tensors`]; `{"dtype", "shape", "data"}` → a tensor of that
    /// dtype. Fails with [`Status::NotFound`] when the output has no such
    /// value.
    pub fn get(&self, feature: &str, key: &str) -> Result<Column> {
        if self.stage == Stage::Preprocess {
            return self.named(feature);
        }
        let name = format!("{feature}::{key}");
        let mut ts: Vec<&Tensor> = self.tensors.iter().filter(|t| t.name() == name).collect();
        if ts.len() == 1 {
            return Ok(Column::Tensor(ts.remove(0).clone()));
        }
        if ts.len() > 1 {
            return Ok(Column::Tensors(ts.into_iter().cloned().collect()));
        }
        let v = self.value()?;
        let found = match self.stage {
            Stage::Predict => v.get(&name),
            _ => match self.form {
                Form::Features => v.get(feature).and_then(|f| f.get(key)),
                _ => v.get(&format!("{feature}_{key}")),
            },
        }
        .or_else(|| v.get(&name));
        match found {
            Some(x) => Column::from_json(&name, x),
            None => Err(self.not_found(&name)),
        }
    }

    /// `get(feature, "predictions")`.
    pub fn predictions(&self, feature: &str) -> Result<Column> {
        self.get(feature, "predictions")
    }

    /// `get(feature, "probabilities")`.
    pub fn probabilities(&self, feature: &str) -> Result<Column> {
        self.get(feature, "probabilities")
    }

    /// A top-level entry by its name in the response: a column of the
    /// columns / full forms (`"plan_predictions"`, `"plan_probability"`), an
    /// input feature after preprocessing, or a `"<feature>::<key>"` after the
    /// predict stage. A tensor `"<f>::<k>"` returned as a buffer also answers
    /// to the column name `"<f>_<k>"`.
    pub fn column(&self, name: &str) -> Result<Column> {
        self.named(name)
    }

    fn named(&self, name: &str) -> Result<Column> {
        let mut ts: Vec<&Tensor> = self.tensors.iter().filter(|t| t.name() == name).collect();
        if ts.is_empty() {
            ts = self.tensors.iter().filter(|t| t.name().replacen("::", "_", 1) == name).collect();
        }
        match ts.len() {
            0 => {}
            1 => return Ok(Column::Tensor(ts[0].clone())),
            _ => return Ok(Column::Tensors(ts.into_iter().cloned().collect())),
        }
        match self.value()?.get(name) {
            Some(x) => Column::from_json(name, x),
            None => Err(self.not_found(name)),
        }
    }

    fn not_found(&self, name: &str) -> Error {
        let mut have: Vec<String> = self.tensors.iter().map(|t| t.name().to_owned()).collect();
        if let Some(m) = self.value().ok().and_then(Value::as_object) {
            for (k, v) in m.iter() {
                match v.as_object() {
                    Some(inner) if self.form == Form::Features && self.stage != Stage::Predict && self.stage != Stage::Preprocess => {
                        have.extend(inner.keys().map(|ik| format!("{k}::{ik}")))
                    }
                    _ => have.push(k.to_owned()),
                }
            }
        }
        Error::new(Status::NotFound, format!("the output has no {name:?} (it has {})", have.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(s: &str) -> Column {
        Column::from_json("x", &s.parse().unwrap()).unwrap()
    }

    #[test]
    fn reads_each_kind() {
        assert_eq!(col(r#"["a","b"]"#), Column::Strings(vec!["a".into(), "b".into()]));
        assert_eq!(col(r#"[["a"],[],["b","c"]]"#).as_string_lists().unwrap().len(), 3);
        let t = col("[[0.5,0.25],[1,null]]");
        let t = t.as_tensor().unwrap();
        assert_eq!(t.shape(), &[2, 2]);
        assert!(t.as_slice::<f64>().unwrap()[3].is_nan());
        assert_eq!(col("[true,false]").as_tensor().unwrap().as_slice::<bool>(), Some(&[true, false][..]));
        let ts = col("[[0.5],[0.25,0.75]]");
        let ts = ts.as_tensors().unwrap();
        assert_eq!(ts[1].shape(), &[2]);
        let typed = col(r#"{"dtype":"int64","shape":[2],"data":[1,2]}"#);
        assert_eq!(typed.as_tensor().unwrap().as_slice::<i64>(), Some(&[1, 2][..]));
        assert!(Column::from_json("x", &r#"[{"a":1}]"#.parse().unwrap()).is_err());
    }

    #[test]
    fn to_json_nests_by_shape() {
        let c = Column::Tensor(Tensor::new("p", vec![1i64, 2, 3, 4, 5, 6], vec![2, 3]).unwrap());
        assert_eq!(c.to_json().to_string(), "[[1,2,3],[4,5,6]]");
        assert_eq!(col(r#"[["a"],["b","c"]]"#).to_json().to_string(), r#"[["a"],["b","c"]]"#);
    }

    #[test]
    fn lookups_by_form() {
        let out = Output::new(
            Stage::All,
            Form::Columns,
            r#"{"plan_predictions":["plus"]}"#.into(),
            vec![Tensor::new("plan::probabilities", vec![0.25f32, 0.75], vec![1, 2]).unwrap()],
        );
        assert_eq!(out.predictions("plan").unwrap().as_strings().unwrap(), ["plus"]);
        assert_eq!(out.probabilities("plan").unwrap().as_tensor().unwrap().as_slice::<f32>(), Some(&[0.25, 0.75][..]));
        assert!(out.column("plan_probabilities").is_ok());
        let e = out.get("plan", "logits").unwrap_err();
        assert_eq!(e.status(), Status::NotFound);
        assert!(e.message().contains("plan_predictions"), "{e}");
        let out = Output::new(Stage::All, Form::Features, r#"{"plan":{"predictions":["plus"]}}"#.into(), vec![]);
        assert_eq!(out.predictions("plan").unwrap().as_strings().unwrap(), ["plus"]);
        assert!(out.get("plan", "probabilities").unwrap_err().message().contains("plan::predictions"));
    }
}
