//! RunningHub's looseness in serde's terms. Its answers send ids as strings or as numbers above
//! 2^53, money as `"0.35"` or `0.350`, JSON documents inside strings (`promptTips`, tracebacks,
//! LIST choices), and a `data` whose type depends on `code`. The tool for all of them is
//! serde_json's [`RawValue`]: a value kept as the text it came in, read once it is known what it
//! is. A number's text is every digit it was sent with, without going through a float.
//!
//! The `deserialize_with` functions here need serde_json's own deserializer reading text
//! (`serde_json::from_str`), which is how the page reads every JSON it meets.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, Deserializer, Error as _, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// `text` read as a `T` when it is a JSON object. serde's derive also fills a struct from an
/// array (field by field); nothing the page reads is one, and `[1, 2]` is no answer.
pub fn object<'a, T: Deserialize<'a>>(text: &'a str) -> Option<T> {
    let text = text.trim();
    if !text.starts_with('{') {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// A value as text: a string as it is, a number as it was written, a boolean as `true` or
/// `false`; `None` for null, objects and arrays.
pub fn scalar(raw: &RawValue) -> Option<String> {
    let raw = raw.get();
    match raw.as_bytes().first()? {
        b'"' => serde_json::from_str(raw).ok(),
        b'{' | b'[' | b'n' => None,
        _ => Some(raw.to_owned()),
    }
}

/// A field RunningHub sends as a string, a number or a boolean, as text (see [`scalar`]).
/// Empty, null or of another shape is unknown.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = <&RawValue>::deserialize(d)?;
    Ok(scalar(raw).filter(|s| !s.is_empty()))
}

/// As [`text`], with unknown as empty.
pub fn text_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text(d)?.unwrap_or_default())
}

/// As [`text`], for a field without which the item means nothing (a file's URL, a node's id).
pub fn required_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(d)?.ok_or_else(|| D::Error::custom("no text"))
}

/// A field's value as sent, `null` included (serde reads a null `Option` as absent): for a field
/// whose presence says what the answer is.
pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// A field read as a `T`, or unknown when it has another shape: one odd field does not cost the
/// whole answer.
pub fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    let raw = <&RawValue>::deserialize(d)?;
    Ok(serde_json::from_str(raw.get()).ok())
}

/// A JSON object sent inside a string, or the same object sent as itself.
pub fn nested<T: DeserializeOwned>(raw: &RawValue) -> Option<T> {
    match serde_json::from_str::<String>(raw.get()) {
        Ok(inside) => object(&inside),
        Err(_) => object(raw.get()),
    }
}

/// The items of a list that read as a `T` (objects), the others left out: an output without a
/// URL, an input without a node.
pub fn items<T: DeserializeOwned>(raw: &RawValue) -> Option<Vec<T>> {
    let items: Vec<&RawValue> = serde_json::from_str(raw.get()).ok()?;
    Some(items.into_iter().filter_map(|i| object(i.get())).collect())
}

/// The scalars of a list, as text (see [`scalar`]); `None` when `raw` is not a list.
pub fn scalars(raw: &RawValue) -> Option<Vec<String>> {
    let items: Vec<&RawValue> = serde_json::from_str(raw.get()).ok()?;
    Some(items.into_iter().filter_map(scalar).collect())
}

/// A field that is a list of scalars, as text; anything else is an empty list.
pub fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(scalars(<&RawValue>::deserialize(d)?).unwrap_or_default())
}

/// An object's members in the order they were sent (ComfyUI's `node_errors` are listed as the
/// graph has them).
pub struct InOrder<T>(pub Vec<(String, T)>);

impl<T> Default for InOrder<T> {
    fn default() -> Self {
        InOrder(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for InOrder<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Members<T> {
            type Value = InOrder<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<InOrder<T>, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(InOrder(members))
            }
        }
        d.deserialize_map(Members(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Loose {
        #[serde(default, deserialize_with = "text")]
        id: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        on: Option<bool>,
        #[serde(default, deserialize_with = "texts")]
        list: Vec<String>,
    }

    fn id(json: &str) -> Option<String> {
        object::<Loose>(json).expect("reads").id
    }

    #[test]
    fn numbers_keep_every_digit_they_were_sent_with() {
        // Above 2^53, above 2^64, and money whose trailing zero a float would lose.
        for digits in [
            "1983070826507472898",
            "2013508786110730241123",
            "18446744073709551617",
            "0.350",
            "-12",
            "1E-7",
        ] {
            assert_eq!(
                id(&format!(r#"{{"id":{digits}}}"#)).as_deref(),
                Some(digits)
            );
        }
        assert_eq!(
            id(r#"{"id":"1983070826507472898"}"#).as_deref(),
            Some("1983070826507472898")
        );
        assert_eq!(id(r#"{"id":"a\"b\u00e9"}"#).as_deref(), Some("a\"bé"));
        assert_eq!(id(r#"{"id":true}"#).as_deref(), Some("true"));
        for unknown in [
            r#"{"id":null}"#,
            r#"{"id":""}"#,
            r#"{"id":{"x":1}}"#,
            r#"{"id":[1]}"#,
            "{}",
        ] {
            assert_eq!(id(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn odd_fields_are_unknown_and_arrays_are_no_object() {
        let read = object::<Loose>(r#" {"on":"yes","list":[1,"a",null,{},true],"more":[{}]} "#);
        assert_eq!(
            read,
            Some(Loose {
                id: None,
                on: None,
                list: vec!["1".into(), "a".into(), "true".into()],
            })
        );
        assert_eq!(
            object::<Loose>(r#"{"on":true,"list":"x"}"#).map(|l| (l.on, l.list)),
            Some((Some(true), Vec::new()))
        );
        for not_an_object in ["[1,2]", "[]", "\"x\"", "1", "", "<html>", "{\"id\":1"] {
            assert_eq!(object::<Loose>(not_an_object), None, "{not_an_object}");
        }
    }

    #[test]
    fn documents_inside_strings() {
        let raw = |json: &str| RawValue::from_string(json.to_owned()).expect("JSON");
        let id = |json: &str| nested::<Loose>(&raw(json)).map(|l| l.id);
        assert_eq!(id(r#""{\"id\": 7}""#), Some(Some("7".into())));
        assert_eq!(id(r#"{"id": 7}"#), Some(Some("7".into())));
        for not_an_object in [r#""not json""#, r#""[7]""#, "[7]", "null"] {
            assert_eq!(id(not_an_object), None, "{not_an_object}");
        }
        assert_eq!(
            scalars(&raw(r#"[1,"a",null]"#)),
            Some(vec!["1".into(), "a".into()])
        );
        assert_eq!(scalars(&raw(r#""[1]""#)), None);
        let members: InOrder<u32> =
            serde_json::from_str(r#"{"9":1,"10":2,"1":3}"#).expect("an object");
        assert_eq!(
            members.0,
            vec![("9".into(), 1), ("10".into(), 2), ("1".into(), 3)],
            "as sent, not sorted"
        );
        let list = raw(r#"[{"id":1},[2],{"id":"x"},3]"#);
        let read: Vec<Loose> = items(&list).expect("a list");
        assert_eq!(
            read.into_iter().map(|l| l.id).collect::<Vec<_>>(),
            vec![Some("1".to_owned()), Some("x".to_owned())]
        );
        assert_eq!(items::<Loose>(&raw("{}")), None);
    }
}
