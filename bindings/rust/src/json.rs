//! A small JSON value type, parser and writer (RFC 8259), so the crate needs
//! no dependencies.
//!
//! - Objects keep their keys in order ([`Map`]); when a key repeats, lookups
//!   see the last one, as most parsers do.
//! - Integers stay exact: `617703466028236799` (an H3 cell id above 2^53)
//!   parses as [`Number::Int`], not as a rounded `f64`.
//! - NaN and infinities, which JSON cannot hold, are written as `null` (the
//!   library's own rule).
//!
//! ```
//! use ludwig_infer::Value;
//!
//! let v: Value = r#"{"Age": [34, null], "city": ["Paris", "Rome"]}"#.parse().unwrap();
//! assert_eq!(v["Age"][0].as_i64(), Some(34));
//! assert!(v["Age"][1].is_null());
//! assert_eq!(v["city"][1].as_str(), Some("Rome"));
//! assert_eq!(v.to_string(), r#"{"Age":[34,null],"city":["Paris","Rome"]}"#);
//! ```

use std::fmt::{self, Write as _};
use std::ops::Index;
use std::str::FromStr;

use crate::error::{Error, Status};

/// A JSON value.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` / `false`
    Bool(bool),
    /// a number
    Number(Number),
    /// a string
    String(String),
    /// an array
    Array(Vec<Value>),
    /// an object, keys in order
    Object(Map),
}

/// A JSON number: integers that fit 64 bits stay exact.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An integer literal that fits `i64`.
    Int(i64),
    /// An integer literal above `i64::MAX` that fits `u64`.
    UInt(u64),
    /// Any other number (a fraction, an exponent, or a huge integer).
    Float(f64),
}

impl Number {
    /// The number as `f64` (integers above 2^53 round).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::UInt(u) => u as f64,
            Number::Float(f) => f,
        }
    }

    /// The number as `i64` when it is an integer in range (a float with no
    /// fractional part counts, e.g. `3.0`).
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(i),
            Number::UInt(_) => None,
            Number::Float(f) if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) => Some(f as i64),
            Number::Float(_) => None,
        }
    }

    /// The number as `u64` when it is a non-negative integer in range.
    pub fn as_u64(self) -> Option<u64> {
        match self {
            Number::Int(i) => u64::try_from(i).ok(),
            Number::UInt(u) => Some(u),
            Number::Float(f) if f.fract() == 0.0 && (0.0..1.844_674_407_370_955_2e19).contains(&f) => Some(f as u64),
            Number::Float(_) => None,
        }
    }
}

/// A JSON object: key/value pairs in order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Map {
    entries: Vec<(String, Value)>,
}

impl Map {
    /// An empty object.
    pub fn new() -> Map {
        Map::default()
    }

    /// The value of `key` (the last one when the key repeats).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, replacing an existing value in place, else appending.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().rev().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Removes `key` (every occurrence) and returns its last value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let mut out = None;
        self.entries.retain_mut(|(k, v)| {
            if k == key {
                out = Some(std::mem::take(v));
                false
            } else {
                true
            }
        });
        out
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Map {
        let mut m = Map::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

static NULL: Value = Value::Null;

impl Value {
    /// Parses JSON text (one value, surrounded by optional whitespace).
    pub fn parse(text: &str) -> Result<Value, ParseError> {
        let mut p = Parser { s: text.as_bytes(), i: 0, depth: 0 };
        p.ws();
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(p.err("trailing characters after the JSON value"));
        }
        Ok(v)
    }

    /// Whether the value is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The boolean, if the value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if the value is one.
    pub fn as_number(&self) -> Option<Number> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The number as `f64`, if the value is a number.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::as_f64)
    }

    /// The number as `i64`, if the value is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The number as `u64`, if the value is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(Number::as_u64)
    }

    /// The string, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if the value is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The object, if the value is one.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// `self[key]` for an object; `None` for a missing key or a non-object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }

    /// The value as compact JSON text (what `Display` writes).
    pub fn to_json(&self) -> String {
        self.to_string()
    }
}

/// `value["key"]`: the key's value, or `null` when missing or not an object.
impl Index<&str> for Value {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

/// `value[i]`: the item, or `null` when out of range or not an array.
impl Index<usize> for Value {
    type Output = Value;
    fn index(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

impl FromStr for Value {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Value, ParseError> {
        Value::parse(s)
    }
}

// ---------------------------------------------------------------- writing

impl fmt::Display for Value {
    /// Compact JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => f.write_str(if *b { "true" } else { "false" }),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write_string(f, s),
            Value::Array(a) => {
                f.write_char('[')?;
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_char(']')
            }
            Value::Object(m) => {
                f.write_char('{')?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write_string(f, k)?;
                    f.write_char(':')?;
                    write!(f, "{v}")?;
                }
                f.write_char('}')
            }
        }
    }
}

impl fmt::Display for Number {
    /// A JSON number; NaN and infinities as `null`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Number::Int(i) => write!(f, "{i}"),
            Number::UInt(u) => write!(f, "{u}"),
            // `{:?}` is the shortest text that reads back to the same f64
            // ("0.1", "1e-7", "1.0"): all valid JSON.
            Number::Float(x) if x.is_finite() => write!(f, "{x:?}"),
            Number::Float(_) => f.write_str("null"),
        }
    }
}

fn write_string(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{08}' => Some("\\b"),
            '\u{0c}' => Some("\\f"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        f.write_str(&s[start..i])?;
        match esc {
            Some(e) => f.write_str(e)?,
            None => write!(f, "\\u{:04x}", c as u32)?,
        }
        start = i + c.len_utf8();
    }
    f.write_str(&s[start..])?;
    f.write_char('"')
}

// ---------------------------------------------------------------- conversions

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value {
                Value::Number(Number::Int(x as i64))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for Value {
    fn from(x: u64) -> Value {
        match i64::try_from(x) {
            Ok(i) => Value::Number(Number::Int(i)),
            Err(_) => Value::Number(Number::UInt(x)),
        }
    }
}

impl From<usize> for Value {
    fn from(x: usize) -> Value {
        Value::from(x as u64)
    }
}

impl From<f64> for Value {
    /// NaN and infinities become `null` (JSON has no such numbers; the
    /// library reads `null` as a missing value).
    fn from(x: f64) -> Value {
        if x.is_finite() {
            Value::Number(Number::Float(x))
        } else {
            Value::Null
        }
    }
}

impl From<f32> for Value {
    /// Widened exactly to `f64`; NaN and infinities become `null`.
    fn from(x: f32) -> Value {
        Value::from(x as f64)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` is `null`, a missing value.
    fn from(x: Option<T>) -> Value {
        x.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Clone + Into<Value>> From<&Vec<T>> for Value {
    fn from(v: &Vec<T>) -> Value {
        Value::from(v.as_slice())
    }
}

impl From<&Value> for Value {
    fn from(v: &Value) -> Value {
        v.clone()
    }
}

impl<T: Clone + Into<Value>> From<&[T]> for Value {
    fn from(v: &[T]) -> Value {
        Value::Array(v.iter().cloned().map(Into::into).collect())
    }
}

impl<T: Clone + Into<Value>, const N: usize> From<[T; N]> for Value {
    fn from(v: [T; N]) -> Value {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Object(m)
    }
}

impl<T: Into<Value>> FromIterator<T> for Value {
    /// Collects into an array.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Value {
        Value::Array(iter.into_iter().map(Into::into).collect())
    }
}

// ---------------------------------------------------------------- parsing

/// Why JSON text could not be parsed, and where (a byte offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for ParseError {}

impl From<ParseError> for Error {
    /// A [`Status::Input`] error.
    fn from(e: ParseError) -> Error {
        Error::new(Status::Input, e.to_string())
    }
}

/// Nesting deeper than this is refused instead of overflowing the stack.
const MAX_DEPTH: usize = 512;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn err(&self, msg: impl Into<String>) -> ParseError {
        ParseError { offset: self.i, message: msg.into() }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, ParseError> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err("unknown literal"))
        }
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'[') => self.array(),
            Some(b'{') => self.object(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(c) => Err(self.err(format!("unexpected character {:?}", c as char))),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(format!("nesting deeper than {MAX_DEPTH}")));
        }
        Ok(())
    }

    fn array(&mut self) -> Result<Value, ParseError> {
        self.enter()?;
        self.i += 1; // [
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.err("expected ',' or ']' in an array")),
            }
        }
    }

    fn object(&mut self) -> Result<Value, ParseError> {
        self.enter()?;
        self.i += 1; // {
        let mut entries = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::Object(Map { entries }));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key in an object"));
            }
            let k = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':' after an object key"));
            }
            self.i += 1;
            self.ws();
            let v = self.value()?;
            entries.push((k, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Value::Object(Map { entries }));
                }
                _ => return Err(self.err("expected ',' or '}' in an object")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let h = self.s.get(self.i..self.i + 4).ok_or_else(|| self.err("truncated \\u escape"))?;
        let mut v = 0u32;
        for &c in h {
            let d = (c as char).to_digit(16).ok_or_else(|| self.err("bad hex digit in a \\u escape"))?;
            v = v * 16 + d;
        }
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1; // "
        let mut out = String::new();
        loop {
            // Copy the run of plain bytes up to the next quote, backslash or
            // control character. The input is a &str, so runs that end at
            // an ASCII byte are valid UTF-8.
            let start = self.i;
            while let Some(&c) = self.s.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err("invalid UTF-8"))?);
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.peek().ok_or_else(|| self.err("unterminated escape"))?;
                    self.i += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{08}'),
                        b'f' => out.push('\u{0c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                                    return Err(self.err("a high surrogate without its low surrogate"));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("a high surrogate without its low surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return Err(self.err("a lone low surrogate"));
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).ok_or_else(|| self.err("bad \\u escape"))?);
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err("unknown escape"));
                        }
                    }
                }
                Some(_) => return Err(self.err("a control character inside a string")),
            }
        }
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.i;
        let digits = |p: &mut Parser<'_>| {
            let s = p.i;
            while let Some(b'0'..=b'9') = p.peek() {
                p.i += 1;
            }
            p.i - s
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.err("expected a digit")),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.i += 1;
            integer = false;
            if digits(self) == 0 {
                return Err(self.err("expected a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("expected a digit in the exponent"));
            }
        }
        // ASCII only, so this cannot fail.
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
        if integer {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Number(Number::Int(i)));
            }
            if let Ok(u) = text.parse::<u64>() {
                return Ok(Value::Number(Number::UInt(u)));
            }
        }
        text.parse::<f64>()
            .map(|f| Value::Number(Number::Float(f)))
            .map_err(|_| ParseError { offset: start, message: "bad number".into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Value {
        Value::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn scalars() {
        assert_eq!(p("null"), Value::Null);
        assert_eq!(p(" true "), Value::Bool(true));
        assert_eq!(p("false"), Value::Bool(false));
        assert_eq!(p("0"), Value::Number(Number::Int(0)));
        assert_eq!(p("-12"), Value::Number(Number::Int(-12)));
        assert_eq!(p("1.5"), Value::Number(Number::Float(1.5)));
        assert_eq!(p("-0.25e2"), Value::Number(Number::Float(-25.0)));
        assert_eq!(p("1E+2"), Value::Number(Number::Float(100.0)));
        assert_eq!(p("\"hi\""), Value::String("hi".into()));
    }

    #[test]
    fn big_integers_stay_exact() {
        assert_eq!(p("617703466028236799").as_i64(), Some(617703466028236799));
        assert_eq!(p("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(p("-9223372036854775808").as_i64(), Some(i64::MIN));
        // Beyond u64: a float.
        assert_eq!(p("18446744073709551616").as_f64(), Some(18446744073709551616.0));
        assert_eq!(p("3.0").as_i64(), Some(3));
        assert_eq!(p("3.5").as_i64(), None);
        assert_eq!(p("-1").as_u64(), None);
    }

    #[test]
    fn floats_are_correctly_rounded() {
        assert_eq!(p("0.08354106545448303").as_f64(), Some(0.08354106545448303));
        assert_eq!(p("0.5096439").as_f64().map(|x| x as f32), Some(0.5096439f32));
        assert_eq!(p("1e400").as_f64(), Some(f64::INFINITY));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(p(r#""a\"b\\c\/d\b\f\n\r\t""#).as_str(), Some("a\"b\\c/d\u{8}\u{c}\n\r\t"));
        assert_eq!(p(r#""\u00e9\u20AC""#).as_str(), Some("é€"));
        assert_eq!(p(r#""\ud83d\ude00""#).as_str(), Some("😀"));
        assert_eq!(p("\"CAFÉ crème 😀\"").as_str(), Some("CAFÉ crème 😀"));
        for bad in [r#""\ud83d""#, r#""\ude00""#, r#""\ud83dx""#, r#""\x""#, "\"a\nb\"", r#""abc"#, r#""\u12"#] {
            assert!(Value::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn containers() {
        let v = p(r#" { "a" : [1, 2.5, "x", null, true, {"b": []}], "c": {} } "#);
        assert_eq!(v["a"][0].as_i64(), Some(1));
        assert_eq!(v["a"][1].as_f64(), Some(2.5));
        assert_eq!(v["a"][2].as_str(), Some("x"));
        assert!(v["a"][3].is_null());
        assert_eq!(v["a"][4].as_bool(), Some(true));
        assert_eq!(v["a"][5]["b"].as_array().map(<[Value]>::len), Some(0));
        assert_eq!(v["c"].as_object().map(Map::len), Some(0));
        assert!(v["missing"].is_null());
        assert!(v["a"][99].is_null());
        let keys: Vec<_> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["a", "c"]);
    }

    #[test]
    fn repeated_keys_read_the_last() {
        let v = p(r#"{"a": 1, "a": 2}"#);
        assert_eq!(v["a"].as_i64(), Some(2));
    }

    #[test]
    fn errors() {
        for bad in [
            "", " ", "nul", "tru", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{1:2}", "01", "1.", ".5", "-", "1e", "+1",
            "[1] x", "{\"a\":1}}", "NaN", "Infinity", "[", "{",
        ] {
            assert!(Value::parse(bad).is_err(), "{bad:?} parsed");
        }
        let e = Value::parse("[1, x]").unwrap_err();
        assert_eq!(e.offset, 4);
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(Value::parse(&deep).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(Value::parse(&ok).is_ok());
    }

    #[test]
    fn writes_compact_json_that_reads_back() {
        let text = r#"{"s":"q\"\\\n\u0001é","n":[0,-3,1.5,1e-7,1e300,18446744073709551615,617703466028236799],"b":[true,false,null],"o":{}}"#;
        let v = p(text);
        let out = v.to_string();
        assert_eq!(p(&out), v);
        assert_eq!(out, r#"{"s":"q\"\\\n\u0001é","n":[0,-3,1.5,1e-7,1e300,18446744073709551615,617703466028236799],"b":[true,false,null],"o":{}}"#);
    }

    #[test]
    fn non_finite_floats_write_null() {
        assert_eq!(Value::Number(Number::Float(f64::NAN)).to_string(), "null");
        assert_eq!(Value::from(f64::INFINITY), Value::Null);
        assert_eq!(Value::from(f32::NAN), Value::Null);
    }

    #[test]
    fn conversions() {
        let v: Value = vec![Some(1.5), None].into();
        assert_eq!(v.to_string(), "[1.5,null]");
        assert_eq!(Value::from(["a", "b"]).to_string(), r#"["a","b"]"#);
        assert_eq!(Value::from(u64::MAX).to_string(), "18446744073709551615");
        assert_eq!(Value::from(0.1f32).as_f64(), Some(0.1f32 as f64));
        let m: Map = [("x", Value::from(1)), ("y", Value::from("z"))].into_iter().collect();
        assert_eq!(Value::from(m).to_string(), r#"{"x":1,"y":"z"}"#);
        let mut m = Map::new();
        m.insert("a", 1);
        m.insert("b", 2);
        m.insert("a", 3);
        assert_eq!(Value::from(m.clone()).to_string(), r#"{"a":3,"b":2}"#);
        assert_eq!(m.remove("a").and_then(|v| v.as_i64()), Some(3));
        assert_eq!(m.len(), 1);
    }
}
