//! Adds the Content-Security-Policy to the built `index.html`. Trunk writes the wasm loader as an
//! inline module script, so the policy names that script by its SHA-256 hash instead of
//! allowing inline scripts in general. Done after the build because the hash changes with it.

use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

/// What the page needs, and nothing more:
/// - scripts: this origin, the hashed loader, and wasm compilation;
/// - styles: this origin (the app sets single properties through CSSOM, which CSP allows);
/// - images: any https host (RunningHub's result hosts vary), this origin, and local blobs
///   (previews of the user's own files); plain http only for loopback (the local simulator);
/// - connections: this origin and https hosts (RunningHub, relays, result downloads), plus
///   loopback for a relay on the user's own machine.
const POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {HASHES}; \
style-src 'self'; img-src 'self' https: blob: data: http://127.0.0.1:* http://localhost:*; \
connect-src 'self' https: http://127.0.0.1:* http://localhost:*; font-src 'none'; \
object-src 'none'; base-uri 'none'; form-action 'none'; manifest-src 'self'";

/// Inserts the policy meta tag after `<meta charset…>`; replaces one from an earlier run.
pub fn apply(index: &Path) -> Result<(), String> {
    let html = std::fs::read_to_string(index).map_err(|e| format!("{}: {e}", index.display()))?;
    let hashes: Vec<String> = inline_scripts(&html)
        .iter()
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let meta = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        POLICY.replace("{HASHES}", &hashes.join(" "))
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
        "CSP: {} inline script(s) hashed into index.html",
        hashes.len()
    );
    Ok(())
}

/// The bodies of `<script>` elements without `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            out.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close + "</script>".len()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::inline_scripts;

    #[test]
    fn finds_inline_scripts_only() {
        let html = "<script src=\"a.js\"></script><script type=\"module\">\nimport x;\n</script>";
        assert_eq!(inline_scripts(html), vec!["\nimport x;\n"]);
    }
}
