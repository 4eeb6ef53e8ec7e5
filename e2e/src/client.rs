//! Harness additions for the RunningHub client (issue 3): pictures made on the fly, picking,
//! dropping and pasting them in the page, upload states, a relay harness (to a simulator
//! [`crate::Server`] on another port, or to a [`CutUpstream`] that cuts its answers), and
//! readers for the stored JPEG/PNG files.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::driver::{Browser, Verdict};
pub use crate::raw_http::get_bytes;
pub use crate::upstream::CutUpstream;
use crate::{entry_body, id_text, log_entries_for, AppPage, Harness, Mode, Options, Result};
use crate::{poll, DEFAULT_WAIT};

/// The app's upload states (`data-state` of `#<input>-status`) after which nothing changes by
/// itself.
pub const SETTLED_UPLOAD_STATES: [&str; 3] = ["done", "refused", "failed"];

/// RunningHub's paths, as the page and the simulator know them: v1's run, upload (the fall-back
/// where v2 is not there), cancel and poll (also how the page learns a running task's progress
/// socket), the free `accountStatus`; v2's upload and poll; a task's progress socket.
pub use rh_api::path::{ACCOUNT, CANCEL, OUTPUTS, QUERY, RUN, SOCKET, UPLOAD, UPLOAD_V2};

/// The log's uploads, by either API.
pub fn upload_entries(log: &[Value]) -> Vec<&Value> {
    log.iter()
        .filter(|e| {
            let path = crate::entry_path(e);
            path == UPLOAD || path == UPLOAD_V2
        })
        .collect()
}

/// The log's polls, by either API.
pub fn poll_entries(log: &[Value]) -> Vec<&Value> {
    log.iter()
        .filter(|e| {
            let path = crate::entry_path(e);
            path == QUERY || path == OUTPUTS
        })
        .collect()
}

/// A name an upload gave (v2: `openapi/<hash>.<ext>`, v1: `api/<hash>.<ext>`) as the simulator
/// stores it (under `/sim-files/uploads/`).
pub fn stored_name(name: &str) -> &str {
    name.strip_prefix("openapi/")
        .or_else(|| name.strip_prefix("api/"))
        .unwrap_or(name)
}

/// A harness whose server is a relay to `upstream` (e.g. a simulator [`Server`]'s base URL).
pub async fn start_relay(opts: Options, upstream: &str) -> Result<Harness> {
    Harness::start_with_mode(
        opts,
        Mode::Relay {
            upstream: upstream.to_owned(),
        },
    )
    .await
}

/// A small, real PNG (a made-up interior), different for each `seed`.
pub fn small_png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    su_render_server::png::rendering(width, height, seed)
}

/// A PNG that does not compress well: a gradient with a little noise (several MB at
/// 6000×3000, well under the 30 MB limit).
pub fn noisy_png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            rgb.push((x * 200 / width) as u8 + (state & 3) as u8);
            rgb.push((y * 200 / height) as u8);
            rgb.push(128);
        }
    }
    su_render_server::png::encode_rgb(width, height, &rgb)
}

/// `size` bytes that start like a PNG and are nothing else.
pub fn png_lookalike(size: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; size];
    bytes[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    bytes
}

/// Width and height of a PNG (from IHDR).
pub fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Some((be(16), be(20)))
}

/// Width and height of a JPEG, from its start-of-frame segment (baseline, progressive, …).
pub fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 4 || bytes[..3] != [0xff, 0xd8, 0xff] {
        return None;
    }
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xff {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xff {
            // Fill byte.
            at += 1;
            continue;
        }
        // Markers without a length.
        if marker == 0x01 || (0xd0..=0xd9).contains(&marker) {
            at += 2;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let is_sof = (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker);
        if is_sof {
            let s = at + 4;
            if s + 5 > bytes.len() {
                return None;
            }
            let height = u32::from(u16::from_be_bytes([bytes[s + 1], bytes[s + 2]]));
            let width = u32::from(u16::from_be_bytes([bytes[s + 3], bytes[s + 4]]));
            return Some((width, height));
        }
        if marker == 0xda {
            // Start of scan before any frame header: not a JPEG we can read.
            return None;
        }
        at += 2 + length;
    }
    None
}

/// Standard base64 (for handing bytes to page scripts).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The body of the last run request in a simulator log.
pub fn last_run_body(log: &[Value]) -> Result<Value> {
    match log_entries_for(log, RUN).last() {
        Some(entry) => Ok(entry_body(entry)),
        None => Err(format!("the simulator received no {RUN}; log: {log:?}").into()),
    }
}

/// `nodeInfoList` of a run body as `(nodeId, fieldName, fieldValue)`, sorted, ids as text.
pub fn node_entries(run_body: &Value) -> Vec<(String, String, Value)> {
    let mut entries: Vec<(String, String, Value)> = run_body["nodeInfoList"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .map(|n| {
                    (
                        id_text(&n["nodeId"]),
                        n["fieldName"].as_str().unwrap_or("").to_owned(),
                        n["fieldValue"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    entries.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    entries
}

/// The value sent for one node's field in a run body.
pub fn node_value(run_body: &Value, node: &str, field: &str) -> Option<Value> {
    node_entries(run_body)
        .into_iter()
        .find(|(n, f, _)| n == node && f == field)
        .map(|(_, _, v)| v)
}

/// Builds a `DataTransfer` named `dt` in the page from `arguments[0]`, a list of
/// `[base64, name, type]`: the files a drop or a paste carries.
const MAKE_FILES: &str = "const dt = new DataTransfer();
    for (const [b64, name, type] of arguments[0]) {
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        dt.items.add(new File([bytes], name, { type }));
    }";

/// `(name, mime, bytes)` as the `arguments[0]` of [`MAKE_FILES`].
fn files_arg(files: &[(&str, &str, &[u8])]) -> Value {
    files
        .iter()
        .map(|(name, mime, bytes)| json!([base64(bytes), name, mime]))
        .collect()
}

/// What a test does with the image inputs and the other controls of issue 3.
#[allow(async_fn_in_trait)]
pub trait ClientPage {
    /// Picks a file from disk in `#<input>-file` (e.g. `node-112`), as the file dialog would.
    async fn pick_file(&self, input: &str, path: &Path) -> Result;
    /// Drops a file on `#<input>-drop`.
    async fn drop_file(&self, input: &str, name: &str, mime: &str, bytes: &[u8]) -> Result;
    /// Drops several files at once on `#<input>-drop`, as a selection dragged from the file
    /// manager; `files` are `(name, mime, bytes)`. Returns how many files the drop carried.
    async fn drop_files(&self, input: &str, files: &[(&str, &str, &[u8])]) -> Result<usize>;
    /// Drops generated 320×200 PNGs named `names` at once on `#<input>-drop`; the i-th picture
    /// is [`small_png`]'s number `seed + i`, so every file differs.
    async fn drop_pngs(&self, input: &str, names: &[String], seed: u64) -> Result<usize> {
        let pngs: Vec<Vec<u8>> = (0..names.len())
            .map(|i| small_png(320, 200, seed + i as u64))
            .collect();
        let files: Vec<(&str, &str, &[u8])> = names
            .iter()
            .zip(&pngs)
            .map(|(name, png)| (name.as_str(), "image/png", png.as_slice()))
            .collect();
        self.drop_files(input, &files).await
    }
    /// Pastes a file (a screenshot on the clipboard) into the page.
    async fn paste_file(&self, name: &str, mime: &str, bytes: &[u8]) -> Result;
    /// `data-state` of `#<input>-status`.
    async fn upload_state(&self, input: &str) -> Result<Option<String>>;
    /// Waits until `#<input>-status` is in `state`; fails early when the upload settles in
    /// another state. Returns the status text.
    async fn wait_upload(&self, input: &str, state: &str) -> Result<String>;
    /// The `value` property of the first match of `css`.
    async fn value_of(&self, css: &str) -> Result<String>;
    /// The text of `.sizes` in the same `.image-field` as `#<input>`, if shown.
    async fn sizes_of(&self, input: &str) -> Result<Option<String>>;
    /// Types an app id and loads its form; waits for `#app-loaded`.
    async fn load_app(&self, webapp_id: &str) -> Result<String>;
    /// Waits until `css` exists and has non-empty text; returns it.
    async fn wait_text(&self, css: &str) -> Result<String>;
    /// Waits until the job stops moving by itself (any phase but submitting, waiting, queued,
    /// running and reconnecting); returns that phase and every phase seen on the way.
    async fn wait_job_settled(&self) -> Result<(String, Vec<String>)>;
    /// `data-state` of every row of the batch (`#batch`), in order.
    async fn batch_states(&self) -> Result<Vec<String>>;
    /// Waits until the batch has `count` rows and none of them moves by itself any more;
    /// returns their states.
    async fn wait_batch_settled(&self, count: usize, limit: Duration) -> Result<Vec<String>>;
}

/// Batch row states (`data-state`) in which a row still moves by itself.
pub const MOVING_BATCH_STATES: [&str; 4] = ["waiting", "preparing", "uploading", "rendering"];

/// Phases in which the job still moves by itself.
pub const MOVING_PHASES: [&str; 5] = ["submitting", "waiting", "queued", "running", "reconnecting"];

impl ClientPage for AppPage<'_> {
    async fn pick_file(&self, input: &str, path: &Path) -> Result {
        let path = path
            .canonicalize()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Browser::pick_file(self, &format!("#{input}-file"), &path).await
    }

    async fn drop_file(&self, input: &str, name: &str, mime: &str, bytes: &[u8]) -> Result {
        let files = self.drop_files(input, &[(name, mime, bytes)]).await?;
        if files != 1 {
            return Err(format!("the drop carried {files} files").into());
        }
        Ok(())
    }

    async fn drop_files(&self, input: &str, files: &[(&str, &str, &[u8])]) -> Result<usize> {
        let css = format!("#{input}-drop");
        self.wait_for(&css).await?;
        let script = format!(
            "{MAKE_FILES}
            const zone = document.querySelector(arguments[1]);
            for (const kind of ['dragenter', 'dragover', 'drop']) {{
                zone.dispatchEvent(new DragEvent(kind, {{ dataTransfer: dt, bubbles: true, cancelable: true }}));
            }}
            return dt.files.length;"
        );
        let carried = self.js(&script, vec![files_arg(files), json!(css)]).await?;
        carried
            .as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| format!("the drop answered {carried}").into())
    }

    async fn paste_file(&self, name: &str, mime: &str, bytes: &[u8]) -> Result {
        let script = format!(
            "{MAKE_FILES}
            const event = new ClipboardEvent('paste', {{ clipboardData: dt, bubbles: true, cancelable: true }});
            if (!event.clipboardData || event.clipboardData.files.length !== 1) return 'no clipboardData';
            (document.activeElement || document.body).dispatchEvent(event);
            return 'ok';"
        );
        let answer = self
            .js(&script, vec![files_arg(&[(name, mime, bytes)])])
            .await?;
        if answer != json!("ok") {
            return Err(format!("could not paste: {answer}").into());
        }
        Ok(())
    }

    async fn upload_state(&self, input: &str) -> Result<Option<String>> {
        Ok(self
            .attr_of(&format!("#{input}-status"), "data-state")
            .await
            .ok()
            .flatten())
    }

    async fn wait_upload(&self, input: &str, state: &str) -> Result<String> {
        let css = format!("#{input}-status");
        self.watch(
            &css,
            "data-state",
            DEFAULT_WAIT,
            &format!("`{state}`"),
            Verdict::reach(state, &SETTLED_UPLOAD_STATES),
        )
        .await?;
        self.text_of(&css).await
    }

    async fn value_of(&self, css: &str) -> Result<String> {
        let element = self.wait_for(css).await?;
        Ok(element.prop("value").await?.unwrap_or_default())
    }

    async fn sizes_of(&self, input: &str) -> Result<Option<String>> {
        let value = self
            .js(
                "const input = document.getElementById(arguments[0]);
                 const field = input && input.closest('.image-field');
                 const sizes = field && field.querySelector('.sizes');
                 return sizes ? sizes.textContent.trim() : null;",
                vec![json!(input)],
            )
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    async fn load_app(&self, webapp_id: &str) -> Result<String> {
        self.set_webapp_id(webapp_id).await?;
        // The button is enabled once the id is valid.
        let button = self
            .wait_on(DEFAULT_WAIT, "#load-app stayed disabled", || async {
                let button = self.wait_for("#load-app").await?;
                Ok(button.is_enabled().await?.then_some(button))
            })
            .await?;
        button.click().await?;
        self.wait_text("#app-loaded").await
    }

    async fn wait_text(&self, css: &str) -> Result<String> {
        self.wait_on(DEFAULT_WAIT, &format!("`{css}` had no text"), || async {
            Ok(self.text_of(css).await.ok().filter(|t| !t.is_empty()))
        })
        .await
    }

    async fn wait_job_settled(&self) -> Result<(String, Vec<String>)> {
        self.watch(
            "#job-status",
            "data-phase",
            DEFAULT_WAIT,
            "a settled job",
            |current| {
                if MOVING_PHASES.contains(&current) {
                    Verdict::Wait
                } else {
                    Verdict::Done
                }
            },
        )
        .await
    }

    async fn batch_states(&self) -> Result<Vec<String>> {
        self.attrs_of("#batch .batch-item", "data-state").await
    }

    async fn wait_batch_settled(&self, count: usize, limit: Duration) -> Result<Vec<String>> {
        let settled = poll(limit, Duration::from_millis(200), || async {
            let states = self.batch_states().await?;
            let still = states
                .iter()
                .any(|s| MOVING_BATCH_STATES.contains(&s.as_str()));
            Ok((states.len() == count && !still).then_some(states))
        })
        .await?;
        match settled {
            Some(states) => Ok(states),
            // The rows as they were at the end, so the failure says which one hung.
            None => {
                let states = self.batch_states().await?;
                Err(self
                    .explain(&format!(
                        "the batch of {count} did not settle within {limit:?}: {states:?}"
                    ))
                    .await
                    .into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn picture_dimensions() {
        assert_eq!(png_dimensions(&small_png(30, 20, 1)), Some((30, 20)));
        assert_eq!(png_dimensions(b"not a png at all, not at all"), None);
        // A minimal JPEG header: SOI, APP0 (length 16), SOF0 with 8-bit 1280×2560.
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
        jpeg.extend_from_slice(&[0; 14]);
        jpeg.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 0x08, 0x0a, 0x00, 0x05, 0x00, 0x03]);
        jpeg.extend_from_slice(&[0; 9]);
        assert_eq!(jpeg_dimensions(&jpeg), Some((1280, 2560)));
        assert_eq!(jpeg_dimensions(b"\x89PNG"), None);
    }

    #[test]
    fn run_body_entries() {
        let body = json!({"nodeInfoList": [
            {"nodeId": "158", "fieldName": "image", "fieldValue": "b"},
            {"nodeId": 112, "fieldName": "image", "fieldValue": "a"}
        ]});
        assert_eq!(
            node_entries(&body),
            vec![
                ("112".to_owned(), "image".to_owned(), json!("a")),
                ("158".to_owned(), "image".to_owned(), json!("b"))
            ]
        );
        assert_eq!(node_value(&body, "158", "image"), Some(json!("b")));
        assert_eq!(node_value(&body, "1", "image"), None);
    }
}
