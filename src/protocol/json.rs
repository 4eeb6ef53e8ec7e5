//! The page's own JSON: a [`Value`] tree, a strict reader ([`parse`]) and a writer
//! ([`Value::to_json`], [`Value::to_pretty`]). serde_json did this before, at 35 KB of wasm plus
//! the (de)serialisers derived for every model and core's float parser; what the page needs is
//! small: read RunningHub's answers tolerantly by hand, write a few request bodies, and keep the
//! journal and the settings in the format serde wrote them.
//!
//! Numbers are kept as the text they came in ([`Number`]): a taskId sent as a number above 2^53
//! keeps every digit, and a money value like `0.350` is not turned into a float and back.

/// Objects and arrays nested deeper than this are refused (serde_json's limit too): the reader
/// recurses, and a hostile answer must not exhaust the stack.
const MAX_DEPTH: u32 = 128;

/// A JSON value. Objects keep their keys in the order they came in (or were built in).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Object),
}

/// A JSON number as text (always valid JSON number syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(String);

/// A JSON object: its members in order. When a key comes twice the last one counts, as it did
/// with serde_json.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object(Vec<(String, Value)>);

impl Number {
    /// `text` when it is a JSON number (`-12`, `0.35`, `1e3`; not `+1`, `.5` or `01`).
    pub fn parse(text: &str) -> Option<Number> {
        let mut reader = Reader {
            bytes: text.as_bytes(),
            at: 0,
        };
        (reader.number().is_some() && reader.at == text.len()).then(|| Number(text.to_owned()))
    }

    /// The number of a finite float: whole values as serde wrote them (`1742822929000.0`),
    /// others in the shortest form that reads back the same. `None` for NaN and infinities
    /// (JSON has no such numbers; they are written as `null`).
    pub fn from_f64(value: f64) -> Option<Number> {
        if !value.is_finite() {
            return None;
        }
        if value.fract() == 0.0 && value.abs() < 1e16 {
            return Some(Number(format!("{}.0", value as i64)));
        }
        Some(Number(platform::float_text(value)))
    }

    /// The text, exactly as read or made.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A whole number written without fraction or exponent, in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// A whole number written without fraction or exponent, in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The nearest float (see [`parse_f64`]).
    pub fn as_f64(&self) -> Option<f64> {
        parse_f64(&self.0)
    }
}

impl From<u64> for Number {
    fn from(n: u64) -> Number {
        Number(n.to_string())
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Number {
        Number(n.to_string())
    }
}

impl Object {
    pub fn new() -> Object {
        Object(Vec::new())
    }

    /// The builder's step: this object with one more member (keys are the caller's to keep
    /// unique).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Object {
        self.0.push((key.to_owned(), value.into()));
        self
    }

    /// The value of `key` (the last one, should the key come twice).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Takes the value of `key` out.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.0.iter().rposition(|(k, _)| k == key)?;
        Some(self.0.remove(at).1)
    }

    /// The members in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// See [`Value::to_json`].
    pub fn to_json(&self) -> String {
        written(|out| self.write(out, None))
    }

    /// See [`Value::to_pretty`].
    pub fn to_pretty(&self) -> String {
        written(|out| self.write(out, Some(0)))
    }

    fn write(&self, out: &mut String, indent: Option<usize>) {
        write_members(out, indent, ('{', '}'), &self.0, |out, (k, v), inner| {
            write_string(out, k);
            out.push_str(if inner.is_some() { ": " } else { ":" });
            v.write(out, inner);
        })
    }
}

/// What `write` puts into a new string.
fn written(write: impl FnOnce(&mut String)) -> String {
    let mut out = String::new();
    write(&mut out);
    out
}

impl Value {
    /// A member of an object; `None` for a missing key or a value that is not an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    /// A float as a number, or `null` when it is not finite.
    pub fn from_f64(value: f64) -> Value {
        Number::from_f64(value).map_or(Value::Null, Value::Number)
    }

    /// Compact text, as serde_json's `to_string` wrote it (no spaces).
    pub fn to_json(&self) -> String {
        written(|out| self.write(out, None))
    }

    /// Text for people: one member per line, indented by two spaces (as serde_json's
    /// `to_string_pretty`).
    pub fn to_pretty(&self) -> String {
        written(|out| self.write(out, Some(0)))
    }

    /// Writes the value; `indent` is the current depth when pretty.
    fn write(&self, out: &mut String, indent: Option<usize>) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&n.0),
            Value::String(s) => write_string(out, s),
            Value::Array(items) => {
                write_members(out, indent, ('[', ']'), items, |out, item, inner| {
                    item.write(out, inner)
                })
            }
            Value::Object(map) => map.write(out, indent),
        }
    }
}

/// The brackets and separators of an array or object, with the line breaks of pretty output.
fn write_members<T>(
    out: &mut String,
    indent: Option<usize>,
    (open, close): (char, char),
    items: &[T],
    mut each: impl FnMut(&mut String, &T, Option<usize>),
) {
    out.push(open);
    let inner = indent.map(|depth| depth + 1);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if let Some(depth) = inner {
            new_line(out, depth);
        }
        each(out, item, inner);
    }
    if let (Some(depth), false) = (indent, items.is_empty()) {
        new_line(out, depth);
    }
    out.push(close);
}

fn new_line(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// A string with the escapes serde_json writes: quote, backslash and control characters only.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
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

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::Number(Number::from(u64::from(n)))
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(Number::from(n))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<Object> for Value {
    fn from(map: Object) -> Value {
        Value::Object(map)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Value {
        value.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

/// Reads one JSON value, with nothing but whitespace around it. `None` for anything else:
/// not JSON, cut short, nested too deeply, a string with a lone surrogate or a raw control
/// character, trailing text.
pub fn parse(text: &str) -> Option<Value> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = reader.value(0)?;
    reader.skip_space();
    (reader.at == reader.bytes.len()).then_some(value)
}

/// Parses a JSON document held in a string (RunningHub nests some that way).
pub fn parse_nested(value: &Value) -> Option<Value> {
    parse(value.as_str()?)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Moves past `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        let next = self.peek() == Some(byte);
        self.at += usize::from(next);
        next
    }

    fn value(&mut self, depth: u32) -> Option<Value> {
        self.skip_space();
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Value::String),
            b't' => self.word("true", Value::Bool(true)),
            b'f' => self.word("false", Value::Bool(false)),
            b'n' => self.word("null", Value::Null),
            _ => {
                let start = self.at;
                self.number()?;
                let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
                Some(Value::Number(Number(text.to_owned())))
            }
        }
    }

    fn word(&mut self, word: &str, value: Value) -> Option<Value> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word.as_bytes()).then(|| {
            self.at = end;
            value
        })
    }

    fn array(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.eat(b']') {
            return Some(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_space();
            if self.eat(b']') {
                return Some(Value::Array(items));
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn object(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.at += 1;
        let mut members = Vec::new();
        self.skip_space();
        if self.eat(b'}') {
            return Some(Value::Object(Object(members)));
        }
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return None;
            }
            let key = self.string()?;
            self.skip_space();
            if !self.eat(b':') {
                return None;
            }
            members.push((key, self.value(depth)?));
            self.skip_space();
            if self.eat(b'}') {
                return Some(Value::Object(Object(members)));
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// A string, the reader on its opening quote.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        let mut start = self.at;
        loop {
            let byte = self.peek()?;
            match byte {
                b'"' | b'\\' => {
                    // Both are ASCII, so the run before them is whole UTF-8.
                    out.push_str(std::str::from_utf8(&self.bytes[start..self.at]).ok()?);
                    self.at += 1;
                    if byte == b'"' {
                        return Some(out);
                    }
                    out.push(self.escape()?);
                    start = self.at;
                }
                0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
    }

    /// The character of an escape, the reader just past its backslash.
    fn escape(&mut self) -> Option<char> {
        let byte = self.peek()?;
        self.at += 1;
        Some(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                match first {
                    0xd800..=0xdbff => {
                        // A high surrogate must be followed by an escaped low one.
                        if !(self.eat(b'\\') && self.eat(b'u')) {
                            return None;
                        }
                        let low = self.hex4()?;
                        if !(0xdc00..=0xdfff).contains(&low) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((first - 0xd800) << 10) + (low - 0xdc00))?
                    }
                    _ => char::from_u32(first)?,
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let mut n = 0;
        for &d in digits {
            n = n * 16 + char::from(d).to_digit(16)?;
        }
        self.at += 4;
        Some(n)
    }

    /// Moves past a JSON number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        if !self.eat(b'0') {
            if !matches!(self.peek(), Some(b'1'..=b'9')) {
                return None;
            }
            self.digits();
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }
}

/// Exact powers of ten as floats (10^22 is the last one a float holds exactly).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Decimal text as a float, correctly rounded: what `str::parse::<f64>` takes, except `inf`
/// and `nan` (`12`, `-0.35`, `+1.5`, `.5`, `5.`, `1e3`). Without pulling core's float parser
/// (about 10 KB of wasm) into the page: the values met here (money, times, dates in ms, what
/// a person types) have few digits, and those are read exactly with one multiplication or
/// division (Clinger's fast path); the rare others go to the platform's own parser
/// (JavaScript's `parseFloat` in the browser).
pub fn parse_f64(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut at = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let negative = bytes.first() == Some(&b'-');
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    // A non-zero digit did not fit in the mantissa.
    let mut inexact = false;
    let mut digits = 0;
    let mut fraction = false;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'0'..=b'9' => {
                digits += 1;
                let digit = u64::from(byte - b'0');
                if mantissa < 1_000_000_000_000_000_000 {
                    mantissa = mantissa * 10 + digit;
                    exponent -= i64::from(fraction);
                } else {
                    inexact |= digit != 0;
                    exponent += i64::from(!fraction);
                }
            }
            b'.' if !fraction => fraction = true,
            _ => break,
        }
        at += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = bytes.get(at) {
        at += 1;
        let sign = match bytes.get(at) {
            Some(b'-') => {
                at += 1;
                -1
            }
            Some(b'+') => {
                at += 1;
                1
            }
            _ => 1,
        };
        let start = at;
        let mut e: i64 = 0;
        while let Some(&byte @ b'0'..=b'9') = bytes.get(at) {
            e = (e * 10 + i64::from(byte - b'0')).min(1_000_000);
            at += 1;
        }
        if at == start {
            return None;
        }
        exponent += sign * e;
    }
    if at != bytes.len() {
        return None;
    }
    let signed = |v: f64| if negative { -v } else { v };
    if mantissa == 0 && !inexact {
        return Some(signed(0.0));
    }
    if !inexact && mantissa <= 1 << 53 && (-22..=22).contains(&exponent) {
        let m = mantissa as f64;
        let scale = POW10[exponent.unsigned_abs() as usize];
        return Some(signed(if exponent < 0 { m / scale } else { m * scale }));
    }
    platform::parse_float(text)
}

/// What the platform does better than a few lines here: the float cases off the fast paths.
#[cfg(target_arch = "wasm32")]
mod platform {
    /// The text was checked to be decimal syntax first, so `parseFloat` reads all of it.
    pub fn parse_float(text: &str) -> Option<f64> {
        Some(js_sys::Number::parse_float(text))
    }

    pub fn float_text(value: f64) -> String {
        js_sys::Number::from(value)
            .to_string_with_radix(10)
            .map(String::from)
            .unwrap_or_default()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod platform {
    pub fn parse_float(text: &str) -> Option<f64> {
        text.parse().ok()
    }

    pub fn float_text(value: f64) -> String {
        format!("{value:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> Value {
        Value::Number(Number::parse(text).expect("a JSON number"))
    }

    #[test]
    fn reads_every_kind_with_whitespace_and_nesting() {
        let value = parse(
            " {\"a\" : [1, -2.5e+3, true, false, null, \"x\"],\r\n\t\"b\":{\"c\":{}} , \"d\":[]} ",
        )
        .expect("parses");
        let a = value.get("a").and_then(Value::as_array).expect("a");
        assert_eq!(
            a,
            &vec![
                num("1"),
                num("-2.5e+3"),
                Value::Bool(true),
                Value::Bool(false),
                Value::Null,
                Value::from("x")
            ]
        );
        assert_eq!(
            value.get("b").and_then(|b| b.get("c")),
            Some(&Value::Object(Object::new()))
        );
        assert_eq!(value.get("d"), Some(&Value::Array(Vec::new())));
        let keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["a", "b", "d"], "in document order");
        assert_eq!(parse("\"top\""), Some(Value::from("top")));
        assert_eq!(parse("0"), Some(num("0")));
    }

    #[test]
    fn escapes_and_unicode() {
        let text = r#""q\" b\\ s\/ \b\f\n\r\t \u00e9\u4E2D \ud83d\ude00 客厅😀""#;
        assert_eq!(
            parse(text),
            Some(Value::from("q\" b\\ s/ \u{8}\u{c}\n\r\t é中 😀 客厅😀"))
        );
        for bad in [
            r#""\ud83d""#,       // a lone high surrogate
            r#""\ud83d\u0041""#, // not followed by a low one
            r#""\ude00""#,       // a lone low surrogate
            r#""\x""#,           // no such escape
            r#""\u12G4""#,       // not hex
            r#""\u12"#,          // cut short
            "\"tab\tinside\"",   // raw control character
            "\"no end",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "",
            " ",
            "<html>502</html>",
            "{\"code\":0,\"msg\":\"succ",
            "{\"a\":1,}",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "{'a':1}",
            "{\"a\":1}}",
            "{\"a\":1} x",
            "tru",
            "nul",
            "True",
            "01",
            "+1",
            ".5",
            "1.",
            "1e",
            "-",
            "NaN",
            "Infinity",
            "0x10",
            "\u{feff}{}",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        let deep = "[".repeat(129) + &"]".repeat(129);
        assert_eq!(parse(&deep), None, "nested too deeply");
        let fine = "[".repeat(128) + &"]".repeat(128);
        assert!(parse(&fine).is_some());
    }

    #[test]
    fn numbers_keep_their_text() {
        let value = parse(
            r#"{"taskId":1983070826507472898,"money":0.350,"big":2013508786110730241123,"e":1E-7}"#,
        )
        .expect("parses");
        let text = |k: &str| value.get(k).and_then(Value::as_number).map(Number::as_str);
        assert_eq!(text("taskId"), Some("1983070826507472898"));
        assert_eq!(text("money"), Some("0.350"));
        assert_eq!(text("big"), Some("2013508786110730241123"));
        assert_eq!(text("e"), Some("1E-7"));
        assert_eq!(
            value.get("taskId").and_then(Value::as_u64),
            Some(1983070826507472898)
        );
        assert_eq!(
            value.get("big").and_then(Value::as_u64),
            None,
            "out of range"
        );
        assert_eq!(
            value.get("money").and_then(Value::as_u64),
            None,
            "not whole"
        );
        assert_eq!(value.get("money").and_then(Value::as_f64), Some(0.35));
        assert_eq!(num("-7").as_number().and_then(Number::as_i64), Some(-7));
        assert_eq!(num("-7").as_u64(), None);
        // Written back as read.
        assert_eq!(
            value.to_json(),
            r#"{"taskId":1983070826507472898,"money":0.350,"big":2013508786110730241123,"e":1E-7}"#
        );
    }

    #[test]
    fn writes_as_serde_json_did() {
        let value = Object::new()
            .with("s", "q\" b\\ / \u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f} é 客厅😀")
            .with("n", Value::Null)
            .with("t", true)
            .with("i", 42u32)
            .with("neg", -3i64)
            .with("f", Value::from_f64(1742822929000.0))
            .with("nan", Value::from_f64(f64::NAN))
            .with("a", vec!["x", "y"])
            .with(
                "o",
                Object::new()
                    .with("k", Some("v"))
                    .with("none", None::<String>),
            )
            .with("e", Vec::<Value>::new());
        let compact = value.to_json();
        assert_eq!(
            compact,
            "{\"s\":\"q\\\" b\\\\ / \\b\\f\\n\\r\\t\\u0001\\u001f\u{7f} é 客厅😀\",\"n\":null,\"t\":true,\"i\":42,\"neg\":-3,\"f\":1742822929000.0,\"nan\":null,\"a\":[\"x\",\"y\"],\"o\":{\"k\":\"v\",\"none\":null},\"e\":[]}"
        );
        let value = Value::from(value);
        assert_eq!(parse(&compact), Some(value.clone()), "reads back");
        assert_eq!(parse(&value.to_pretty()), Some(value), "pretty reads back");
    }

    #[test]
    fn pretty_output_is_indented_by_two() {
        let value = Object::new()
            .with("app", "1")
            .with("list", vec![1u32, 2])
            .with("empty", Vec::<Value>::new())
            .with("o", Object::new())
            .with("nested", Object::new().with("k", "v"));
        assert_eq!(
            value.to_pretty(),
            "{\n  \"app\": \"1\",\n  \"list\": [\n    1,\n    2\n  ],\n  \"empty\": [],\n  \"o\": {},\n  \"nested\": {\n    \"k\": \"v\"\n  }\n}"
        );
    }

    #[test]
    fn duplicate_keys_take_the_last_value() {
        let mut value = parse(r#"{"a":1,"a":2}"#).expect("parses");
        assert_eq!(value.get("a"), Some(&num("2")));
        let Value::Object(map) = &mut value else {
            panic!("object");
        };
        assert_eq!(map.remove("a"), Some(num("2")));
    }

    #[test]
    fn floats_from_decimal_text() {
        for (text, want) in [
            ("0", 0.0),
            ("12", 12.0),
            ("0.35", 0.35),
            ("-4.256", -4.256),
            ("+1.5", 1.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e3", 1000.0),
            ("2.5E-3", 0.0025),
            ("1742822929000.0", 1742822929000.0),
            ("1742822929123.5", 1742822929123.5),
            ("0.350000000000000000000000000", 0.35),
            ("00012", 12.0),
        ] {
            assert_eq!(parse_f64(text), Some(want), "{text}");
        }
        for bad in [
            "", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "12a", " 1", "inf", "NaN", "1_000",
        ] {
            assert_eq!(parse_f64(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn floats_agree_with_core_off_the_fast_path_too() {
        let mut texts: Vec<String> = [
            "9007199254740993",
            "1.7976931348623157e308",
            "1e400",
            "4.9e-324",
            "123456789012345678901234567890",
            "0.1000000000000000055511151231257827",
            "3.14159265358979323846264338327950288",
            "1e23",
            "-8.5e-30",
        ]
        .map(String::from)
        .to_vec();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let digits = seed % 100_000_000;
            let places = (seed >> 40) % 9;
            let text = format!("{digits}");
            let split = text.len().saturating_sub(places as usize);
            texts.push(format!("{}.{}", &text[..split], &text[split..]));
        }
        for text in texts {
            assert_eq!(parse_f64(&text), text.parse::<f64>().ok(), "{text}");
        }
    }

    #[test]
    fn floats_are_written_so_they_read_back() {
        for value in [
            0.0,
            1.0,
            42.0,
            -3.0,
            1742822929000.0,
            0.5,
            1742822929123.5,
            1e16,
            1e300,
            5e-324,
        ] {
            let number = Number::from_f64(value).expect("finite");
            assert!(Number::parse(number.as_str()).is_some(), "{number:?}");
            assert_eq!(number.as_f64(), Some(value), "{number:?}");
        }
        assert_eq!(Number::from_f64(1.0).map(|n| n.0), Some("1.0".into()));
        assert_eq!(Number::from_f64(f64::INFINITY), None);
    }

    /// Ours as serde_json's tree, numbers read by serde_json from our text.
    fn to_serde(value: &Value) -> serde_json::Value {
        match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::from_str(n.as_str()).expect("serde reads our number"),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => serde_json::Value::Array(items.iter().map(to_serde).collect()),
            Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| (k.to_owned(), to_serde(v)))
                    .collect(),
            ),
        }
    }

    /// Texts the page meets: RunningHub's answers, ComfyUI's frames, stored records, and
    /// some awkward ones.
    const FIXTURES: &[&str] = &[
        r#"{"code": 0, "msg": "success", "errorMessages": null, "data": {"netWssUrl": null, "taskId": "1983070826507472898", "clientId": "4c8a885af070060139abecdbffc97978", "taskStatus": "QUEUED", "promptTips": "{\"result\": true, \"error\": null, \"outputs_to_execute\": [\"160\"], \"node_errors\": {}}"}}"#,
        "{\n  \"code\": 0,\n  \"msg\": \"success\",\n  \"data\": [\n    {\n      \"fileUrl\": \"https://rh-images.xiaoyaoyou.com/x/output/ComfyUI_00033_hpgko_1742822929.png\",\n      \"fileType\": \"png\",\n      \"taskCostTime\": 0,\n      \"nodeId\": \"9\"\n    }\n  ]\n}",
        r#"{"code":805,"msg":"APIKEY_TASK_STATUS_ERROR","data":{"failedReason":{"node_name":"KSampler","traceback":"[\"Traceback (most recent call last):\\n\", \"  File \\\"execution.py\\\"\\n\"]"}}}"#,
        r#"{"taskId":"2013508786110730241","status":"SUCCESS","errorCode":"","failedReason":{},"usage":{"consumeMoney":null,"consumeCoins":12,"taskCostTime":"33.5","thirdPartyConsumeMoney":0.35},"results":[{"url":"https://x/a.png","outputType":"png","text":null}]}"#,
        r#"{"code":401,"message":"ApiKey verification failed: API Key不存在","data":null}"#,
        r#"{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 1}}, "sid": "4c8a885a"}}"#,
        r#"{"type": "progress", "data": {"value": 1, "max": 4, "prompt_id": "p1", "node": "3"}}"#,
        r#"{"server":"su-render","version":"0.2.0","mode":"relay","upstream":null,"sites":{"cn":"/cn","ai":"/ai"},"fileProxy":"/__su/file","pollFirstMs":200}"#,
        r#"{"s":"\u0000\u001f\"\\\/\b\f\n\r\t\u00e9\u4e2d\ud83d\ude00 é中😀","n":[0,-0,-1.5,1e10,1E-10,2.5e+3,12345678901234567890,0.000001],"e":[[],{},[[{}]]],"t":[true,false,null]}"#,
        "  [1 , 2\t,\n3\r]  ",
        "\"top-level string\"",
        "-12.5e-3",
        "null",
    ];

    #[test]
    fn reads_what_serde_json_reads() {
        for text in FIXTURES {
            let ours = parse(text).unwrap_or_else(|| panic!("ours reads {text}"));
            let theirs: serde_json::Value = serde_json::from_str(text).expect("serde reads");
            assert_eq!(to_serde(&ours), theirs, "{text}");
            // And what we write, serde reads as the same.
            let written: serde_json::Value =
                serde_json::from_str(&ours.to_json()).expect("serde reads ours");
            assert_eq!(written, theirs, "{text}");
            let pretty: serde_json::Value =
                serde_json::from_str(&ours.to_pretty()).expect("serde reads ours");
            assert_eq!(pretty, theirs, "{text}");
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for text in [
            "",
            "<html>502</html>",
            "{\"code\":0,\"msg\":\"succ",
            "{\"a\":1,}",
            "[1,]",
            "01",
            "1.",
            ".5",
            "+1",
            "\"\\ud83d\"",
            "\"\\x\"",
            "\"a\u{1}b\"",
            "{\"a\":1} x",
            "nan",
        ] {
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_err(),
                "{text:?}"
            );
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all_controls: String = (0u8..0x20).map(char::from).collect();
        all_controls.push_str("\u{7f}\u{80}\u{2028}\"\\/é中😀");
        for text in [all_controls.as_str(), "", "plain", "客厅 \"quoted\""] {
            let ours = Value::from(text).to_json();
            assert_eq!(
                ours,
                serde_json::to_string(text).expect("serde"),
                "{text:?}"
            );
            assert_eq!(parse(&ours), Some(Value::from(text)));
        }
    }
}
