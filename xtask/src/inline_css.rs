//! Puts the built stylesheet inside `index.html`. On a slow link the separate CSS file cost a
//! round trip before the first paint, and it competed for bandwidth with the preloaded wasm
//! (throttled first paint was 1.6× a static page; BENCHMARKS.md). The CSS is ~4 KiB gzip, so
//! carrying it in the page is cheaper than fetching it. Trunk's own `rel="inline"` would skip its
//! minifier, so this runs on the minified, hashed file after `trunk build`.

use std::path::Path;

/// Replaces every `<link rel="stylesheet" href="./X.css" …>` of `dist/index.html` whose file is
/// in `dist/` with `<style>…</style>`, and removes the file (nothing else refers to it).
pub fn apply(dist: &Path) -> Result<(), String> {
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let mut out = String::with_capacity(html.len() + 32 * 1024);
    let mut rest = html.as_str();
    let mut inlined = Vec::new();
    while let Some((before, tag, after)) = next_stylesheet(rest) {
        out.push_str(before);
        let Some(href) = attr(tag, "href") else {
            out.push_str(tag);
            rest = after;
            continue;
        };
        let file = dist.join(href.trim_start_matches("./"));
        let css = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        // A stylesheet can't end the element early unless it contains this; ours never does.
        if css.to_ascii_lowercase().contains("</style") {
            return Err(format!("{href} contains </style and can't be inlined"));
        }
        out.push_str("<style>");
        out.push_str(css.trim_end());
        out.push_str("</style>");
        inlined.push(file);
        rest = after;
    }
    out.push_str(rest);
    std::fs::write(&index, out).map_err(|e| format!("{}: {e}", index.display()))?;
    for file in &inlined {
        std::fs::remove_file(file).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    println!(
        "CSS: {} stylesheet(s) inlined into index.html",
        inlined.len()
    );
    Ok(())
}

/// The text before the next stylesheet `<link>`, the tag itself, and the text after it.
fn next_stylesheet(html: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(start) = html[from..].find("<link").map(|s| from + s) {
        let end = start + html[start..].find('>')? + 1;
        let tag = &html[start..end];
        if attr(tag, "rel").is_some_and(|rel| rel.eq_ignore_ascii_case("stylesheet")) {
            return Some((&html[..start], tag, &html[end..]));
        }
        from = end;
    }
    None
}

/// The value of one attribute of a tag: double-quoted, single-quoted, or bare (Trunk's minifier
/// drops the quotes where HTML allows it: `href=./main-1.css rel=stylesheet`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=");
    let start = tag.find(&key)? + key.len();
    let value = &tag[start..];
    match value.chars().next()? {
        quote @ ('"' | '\'') => {
            let len = value[1..].find(quote)?;
            Some(&value[1..1 + len])
        }
        _ => {
            let len = value
                .find(|c: char| c.is_ascii_whitespace() || c == '>')
                .unwrap_or(value.len());
            Some(value[..len].trim_end_matches('/'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlines_the_stylesheet_and_removes_its_file() {
        let dir = std::env::temp_dir().join(format!("su-inline-css-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("main-1.css"), "body{color:red}\n").expect("css");
        std::fs::write(
            dir.join("index.html"),
            "<head><link rel=\"modulepreload\" href=\"./a.js\"><link rel=\"stylesheet\" \
             href=\"./main-1.css\" integrity=\"sha384-x\"/></head>",
        )
        .expect("html");
        apply(&dir).expect("inline");
        let html = std::fs::read_to_string(dir.join("index.html")).expect("read");
        assert_eq!(
            html,
            "<head><link rel=\"modulepreload\" href=\"./a.js\"><style>body{color:red}</style></head>"
        );
        assert!(!dir.join("main-1.css").exists());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn refuses_css_that_would_close_the_element() {
        let dir = std::env::temp_dir().join(format!("su-inline-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("m.css"), "a{content:\"</STYLE>\"}").expect("css");
        std::fs::write(
            dir.join("index.html"),
            "<link rel=\"stylesheet\" href=\"./m.css\">",
        )
        .expect("html");
        assert!(apply(&dir).is_err());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn reads_quoted_and_bare_attributes() {
        let tag = "<link href=./main-1.css integrity=sha384-x rel=stylesheet>";
        assert_eq!(attr(tag, "href"), Some("./main-1.css"));
        assert_eq!(attr(tag, "rel"), Some("stylesheet"));
        assert_eq!(
            attr("<link rel='stylesheet' href=\"./a.css\"/>", "rel"),
            Some("stylesheet")
        );
        assert_eq!(
            attr("<link rel=stylesheet href=./a.css/>", "href"),
            Some("./a.css")
        );
        assert_eq!(attr("<link rel=stylesheet>", "href"), None);
    }
}
