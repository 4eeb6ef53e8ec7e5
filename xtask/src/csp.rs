//! Adds the Content-Security-Policy to the built `index.html`. Trunk writes the wasm loader as an
//! inline module script and `inline_css` puts the stylesheet in a `<style>` element, so the policy
//! names each by its SHA-256 hash instead of allowing inline scripts or styles in general. Done
//! after the build because the hashes change with it.

use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

/// What the page needs, and nothing more:
/// - scripts: this origin, the hashed loader, and wasm compilation;
/// - styles: this origin and the hashed inline stylesheet (the app sets single properties
///   through CSSOM, which CSP allows);
/// - images: any https host (RunningHub's result hosts vary), this origin, and local blobs
///   (previews of the user's own files); plain http only for loopback (the local simulator);
/// - connections: this origin and https hosts (RunningHub, relays, result downloads), plus
///   loopback for a relay on the user's own machine; and the progress sockets, `wss:` for the
///   same reach as `https:` (RunningHub's API hosts, `wss://www.runninghub.cn:443/ws/c_instance?…`
///   or `.ai`, and a team relay on another origin that forwards them, whose host the build can't
///   know) and loopback `ws:` (the simulator's `ws://127.0.0.1:<port>/ws/c_instance?…`, the app
///   on this computer as a relay). A page served by a relay opens the socket on its own origin,
///   which `'self'` covers (CSP 3: `http` → `ws`, `https` → `wss`). Measured in Chromium 156:
///   `'self'` covers `ws:` on its own origin, while `https:` does *not* cover `wss:`, so the
///   scheme is named.
const POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {HASHES}; \
style-src 'self' {STYLE_HASHES}; img-src 'self' https: blob: data: http://127.0.0.1:* http://localhost:*; \
connect-src 'self' https: wss: http://127.0.0.1:* http://localhost:* ws://127.0.0.1:* \
ws://localhost:*; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; \
manifest-src 'self'";

/// Inserts the policy meta tag after `<meta charset…>`; replaces one from an earlier run.
pub fn apply(index: &Path) -> Result<(), String> {
    let html = std::fs::read_to_string(index).map_err(|e| format!("{}: {e}", index.display()))?;
    let hashes = source_hashes(&inline_elements(&html, "script"));
    let style_hashes = source_hashes(&inline_elements(&html, "style"));
    let meta = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        POLICY
            .replace("{HASHES}", &hashes.join(" "))
            .replace("{STYLE_HASHES}", &style_hashes.join(" "))
    );
    let html = match html.find("<meta http-equiv=\"Content-Security-Policy\"") {
        Some(start) => {
            let end = html[start..]
                .find('>')
                .map(|e| start + e + 1)
                .ok_or("unterminated CSP meta")?;
            format!("{}{}{}", &html[..start], meta, &html[end..])
        }
        None => {
            let at = html
                .find("<meta charset")
                .and_then(|s| html[s..].find('>').map(|e| s + e + 1))
                .ok_or("index.html has no <meta charset>")?;
            format!("{}\n  {}{}", &html[..at], meta, &html[at..])
        }
    };
    std::fs::write(index, html).map_err(|e| format!("{}: {e}", index.display()))?;
    println!(
        "CSP: {} inline script(s) and {} inline stylesheet(s) hashed into index.html",
        hashes.len(),
        style_hashes.len()
    );
    Ok(())
}

/// CSP source expressions (`'sha256-…'`) for element bodies.
fn source_hashes(bodies: &[&str]) -> Vec<String> {
    bodies
        .iter()
        .map(|body| {
            let digest = Sha256::digest(body.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect()
}

/// The bodies of `<name>` elements without `src` (inline scripts, or `<style>` elements).
fn inline_elements<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let close_tag = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find(&close_tag) else {
            break;
        };
        if !tag.contains("src=") {
            out.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close + close_tag.len()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::inline_elements;

    #[test]
    fn finds_inline_scripts_only() {
        let html = "<script src=\"a.js\"></script><script type=\"module\">\nimport x;\n</script>";
        assert_eq!(inline_elements(html, "script"), vec!["\nimport x;\n"]);
    }

    #[test]
    fn finds_style_elements() {
        let html = "<style>a{color:red}</style><script>x</script><style>b{}</style>";
        assert_eq!(inline_elements(html, "style"), vec!["a{color:red}", "b{}"]);
    }
}
