//! Share links. Everything goes in the URL fragment (after `#`), which browsers never send to
//! servers, so it stays out of their logs. A link carries the site, the app, the node values and
//! the machine type, or a finished result to look at; never the key, local files or history.

/// A form to fill from a link.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SharedForm {
    /// A site slug (`cn`, `ai`) or a base URL.
    pub api: Option<String>,
    pub webapp_id: Option<String>,
    /// (nodeId, fieldName, value as text).
    pub nodes: Vec<(String, String, String)>,
    pub instance_type: Option<String>,
}

/// A finished result to show read-only.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SharedResult {
    pub urls: Vec<String>,
    /// The screenshot's file name, for context and download names.
    pub source_name: Option<String>,
    pub webapp_id: Option<String>,
}

/// What a link carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Shared {
    Form(SharedForm),
    Result(SharedResult),
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes [`encode`] (and `+` as space, as forms write it). Bad escapes are kept as they are.
pub fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Shared {
    /// The fragment, without the leading `#`.
    pub fn to_fragment(&self) -> String {
        let mut pairs: Vec<(String, String)> = Vec::new();
        match self {
            Shared::Form(form) => {
                pairs.push(("v".into(), "1".into()));
                if let Some(api) = &form.api {
                    pairs.push(("api".into(), api.clone()));
                }
                if let Some(app) = &form.webapp_id {
                    pairs.push(("app".into(), app.clone()));
                }
                for (node, field, value) in &form.nodes {
                    pairs.push((format!("n.{node}.{field}"), value.clone()));
                }
                if let Some(it) = &form.instance_type {
                    pairs.push(("it".into(), it.clone()));
                }
            }
            Shared::Result(result) => {
                pairs.push(("v".into(), "1".into()));
                pairs.push(("view".into(), "result".into()));
                if let Some(app) = &result.webapp_id {
                    pairs.push(("app".into(), app.clone()));
                }
                if let Some(name) = &result.source_name {
                    pairs.push(("src".into(), name.clone()));
                }
                for url in &result.urls {
                    pairs.push(("out".into(), url.clone()));
                }
            }
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads a fragment (with or without `#`); `None` when it is not one of ours.
    pub fn from_fragment(fragment: &str) -> Option<Shared> {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        let pairs: Vec<(String, String)> = fragment
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        if !pairs.iter().any(|(k, v)| k == "v" && v == "1") {
            return None;
        }
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        if get("view").as_deref() == Some("result") {
            let urls: Vec<String> = pairs
                .iter()
                .filter(|(k, v)| {
                    k == "out" && (v.starts_with("https://") || v.starts_with("http://"))
                })
                .map(|(_, v)| v.clone())
                .collect();
            return Some(Shared::Result(SharedResult {
                urls,
                source_name: get("src"),
                webapp_id: get("app"),
            }));
        }
        let nodes = pairs
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix("n.")?;
                let (node, field) = rest.split_once('.')?;
                Some((node.to_owned(), field.to_owned(), v.clone()))
            })
            .collect();
        Some(Shared::Form(SharedForm {
            api: get("api"),
            webapp_id: get("app"),
            nodes,
            instance_type: get("it").filter(|it| it == "plus" || it == "default"),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_round_trip() {
        let form = Shared::Form(SharedForm {
            api: Some("http://127.0.0.1:9000/relay".into()),
            webapp_id: Some("1983061233110790146".into()),
            nodes: vec![
                ("112".into(), "image".into(), "api/a b&c=d.png".into()),
                ("20".into(), "text".into(), "客厅，北欧风 100%".into()),
            ],
            instance_type: Some("plus".into()),
        });
        let fragment = form.to_fragment();
        assert!(
            !fragment.contains(' ') && !fragment.contains('#'),
            "{fragment}"
        );
        assert_eq!(Shared::from_fragment(&format!("#{fragment}")), Some(form));
    }

    #[test]
    fn result_round_trip_keeps_only_web_urls() {
        let result = Shared::Result(SharedResult {
            urls: vec!["https://rh-images.example/a.png?x=1&y=2".into()],
            source_name: Some("客厅.png".into()),
            webapp_id: Some("1".into()),
        });
        assert_eq!(Shared::from_fragment(&result.to_fragment()), Some(result));
        let sneaky = "v=1&view=result&out=javascript%3Aalert(1)&out=https%3A%2F%2Fok%2Fb.png";
        let Some(Shared::Result(read)) = Shared::from_fragment(sneaky) else {
            panic!("result")
        };
        assert_eq!(read.urls, vec!["https://ok/b.png"]);
    }

    #[test]
    fn other_fragments_are_not_ours() {
        assert_eq!(Shared::from_fragment(""), None);
        assert_eq!(Shared::from_fragment("#section-2"), None);
        assert_eq!(Shared::from_fragment("#app=1"), None);
    }

    #[test]
    fn decoding_is_tolerant() {
        assert_eq!(decode("a%20b+c%zz%4"), "a b c%zz%4");
        assert_eq!(decode(&encode("é/?&=#")), "é/?&=#");
    }
}
