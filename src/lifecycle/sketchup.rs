//! Pictures from the SketchUp extension: what the app's inbox says it holds (`/__su/inbox`, see
//! `server/src/inbox.rs`), and the names a picture carries from its model and scene into the
//! form, the history and the download names.

use serde::{Deserialize, Serialize};

use serde_json::value::RawValue;

use crate::protocol::loose::{items, object};

/// Where a picture from SketchUp was captured: the model's and the scene's names (either may be
/// empty: an unsaved model, the current view rather than a scene).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FromSketchup {
    pub model: String,
    pub scene: String,
}

impl FromSketchup {
    /// `Model · Scene` for the page (what is there of it).
    pub fn label(&self) -> String {
        self.joined(" · ")
    }

    /// The picture's file name: `<model>-<scene>.<ext>`, so that its renderings download as
    /// `<model>-<scene>-render-<date>.png` (see `prepare::render_file_name`). Characters no file
    /// system takes become `_`; `sketchup` when there are no names.
    pub fn file_name(&self, ext: &str) -> String {
        let stem = self
            .joined("-")
            .replace(['/', '\\', ':', '*', '?', '"', '<', '>', '|'], "_");
        let stem = if stem.is_empty() { "sketchup" } else { &stem };
        format!("{stem}.{ext}")
    }

    /// The names there are, with `between` between them. (Not `[..].join`: its generic code
    /// weighed 1.5 KB of the first view's wasm.)
    fn joined(&self, between: &str) -> String {
        let mut out = String::new();
        for name in [self.model.trim(), self.scene.trim()] {
            if !name.is_empty() {
                if !out.is_empty() {
                    out.push_str(between);
                }
                out.push_str(name);
            }
        }
        out
    }
}

/// One picture the inbox holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: String,
    pub names: FromSketchup,
    /// `image/png` or `image/jpeg`.
    pub mime: String,
}

impl Waiting {
    /// The extension of its file name.
    pub fn ext(&self) -> &'static str {
        if self.mime == "image/jpeg" {
            "jpg"
        } else {
            "png"
        }
    }
}

/// What the inbox holds: its pictures, oldest first, and how many were pushed out by newer ones
/// before a page took any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InboxState {
    pub pictures: Vec<Waiting>,
    pub dropped: u32,
}

/// `GET /__su/inbox` (and each `inbox` event) as our server writes it.
#[derive(Deserialize)]
struct Inbox<'a> {
    /// A list; an item that is not an object is left out.
    #[serde(borrow)]
    pictures: &'a RawValue,
    #[serde(default, deserialize_with = "crate::protocol::loose::lenient")]
    dropped: Option<u64>,
}

/// One picture of [`Inbox`]; its names may be missing (or of another type: then empty).
#[derive(Deserialize)]
struct Picture {
    #[serde(default, deserialize_with = "crate::protocol::loose::lenient")]
    id: Option<String>,
    #[serde(
        default,
        rename = "type",
        deserialize_with = "crate::protocol::loose::lenient"
    )]
    mime: Option<String>,
    #[serde(default, deserialize_with = "crate::protocol::loose::lenient")]
    model: Option<String>,
    #[serde(default, deserialize_with = "crate::protocol::loose::lenient")]
    scene: Option<String>,
}

/// Reads `GET /__su/inbox` (and each `inbox` event); `None` when it is not that. A picture of
/// another type than PNG or JPEG, or without an id made of letters and digits, is left out.
pub fn parse_inbox(text: &str) -> Option<InboxState> {
    let inbox: Inbox = object(text)?;
    let pictures = items::<Picture>(inbox.pictures)?
        .into_iter()
        .filter_map(|p| {
            let (id, mime) = (p.id?, p.mime?);
            let ok_id = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric());
            (ok_id && matches!(mime.as_str(), "image/png" | "image/jpeg")).then(|| Waiting {
                id,
                names: FromSketchup {
                    model: p.model.unwrap_or_default(),
                    scene: p.scene.unwrap_or_default(),
                },
                mime,
            })
        })
        .collect();
    let dropped = inbox.dropped.map_or(0, |n| n.min(u32::MAX as u64) as u32);
    Some(InboxState { pictures, dropped })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(model: &str, scene: &str) -> FromSketchup {
        FromSketchup {
            model: model.into(),
            scene: scene.into(),
        }
    }

    #[test]
    fn labels_and_file_names() {
        let both = names("别墅 Villa", "Scene 1");
        assert_eq!(both.label(), "别墅 Villa · Scene 1");
        assert_eq!(both.file_name("png"), "别墅 Villa-Scene 1.png");
        assert_eq!(names("Villa", "").label(), "Villa");
        assert_eq!(names("", " Top ").file_name("jpg"), "Top.jpg");
        assert_eq!(names("", "").file_name("png"), "sketchup.png");
        assert_eq!(names("a/b", "c:d").file_name("png"), "a_b-c_d.png");
        // The download name follows from it.
        assert_eq!(
            crate::lifecycle::prepare::render_file_name(
                Some(&both.file_name("png")),
                "2026-12-24",
                0,
                "https://x/out.png",
                "png"
            ),
            "别墅 Villa-Scene 1-render-2026-12-24.png"
        );
    }

    #[test]
    fn inbox_answers() {
        let state = parse_inbox(
            r#"{"pictures":[
                {"id":"0a1b","model":"Villa","scene":"Front","width":2048,"height":1152,"type":"image/png","bytes":10},
                {"id":"ff00","model":"Villa","scene":"","type":"image/jpeg","bytes":10},
                {"id":"bad id","type":"image/png"},
                {"id":"abcd","type":"text/html"}
            ],"dropped":3}"#,
        )
        .expect("an inbox");
        assert_eq!(state.dropped, 3);
        assert_eq!(state.pictures.len(), 2);
        assert_eq!(state.pictures[0].names, names("Villa", "Front"));
        assert_eq!(state.pictures[0].ext(), "png");
        assert_eq!(state.pictures[1].ext(), "jpg");
        assert_eq!(
            parse_inbox(r#"{"pictures":[]}"#),
            Some(InboxState::default())
        );
        assert_eq!(parse_inbox("<html>"), None);
        assert_eq!(parse_inbox(r#"{"error":"x"}"#), None);
    }
}
