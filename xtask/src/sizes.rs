//! What a visitor downloads: every file of `dist/`, raw, gzip -9 and (for the bench) brotli 11,
//! and which of them the first view needs.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::files::{files_under, kib};

pub const KINDS: [&str; 5] = ["wasm", "JS", "CSS", "HTML", "other"];

/// One file of `dist/`.
pub struct FileSize {
    /// Relative to `dist/`, with `/` separators.
    pub name: String,
    pub kind: &'static str,
    pub raw: u64,
    pub gzip: u64,
    /// Only measured when asked for (quality 11 takes a few seconds on the wasm).
    pub brotli: Option<u64>,
    /// Needed for the first view: `index.html` and what it references, transitively.
    pub first_load: bool,
}

/// Sums of a group of files.
#[derive(Default, Clone, Copy)]
pub struct Totals {
    pub files: u32,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

impl Totals {
    fn add(&mut self, file: &FileSize) {
        self.files += 1;
        self.raw += file.raw;
        self.gzip += file.gzip;
        self.brotli += file.brotli.unwrap_or(0);
    }
}

fn kind_of(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("wasm") => "wasm",
        Some("js" | "mjs") => "JS",
        Some("css") => "CSS",
        Some("html") => "HTML",
        _ => "other",
    }
}

/// Precompressed siblings (`x.js.gz`, `x.js.br`, written by [`crate::compress`]) are another
/// encoding of a file, not another download: they are neither counted nor listed.
fn is_precompressed(name: &str) -> bool {
    crate::compress::original_of(name).is_some()
}

/// gzip -9, the same encoder as the `.gz` siblings.
pub fn gzip_len(bytes: &[u8]) -> u64 {
    crate::compress::gzip(bytes).len() as u64
}

/// brotli 11 (window 2^22), the same encoder as the `.br` siblings.
pub fn brotli_len(bytes: &[u8]) -> u64 {
    crate::compress::brotli(bytes).len() as u64
}

/// Measures every file of `dist` (brotli too when `with_brotli`), sorted by name.
pub fn measure(dist: &Path, with_brotli: bool) -> Result<Vec<FileSize>, String> {
    let mut paths = Vec::new();
    files_under(dist, &mut paths).map_err(|e| format!("reading {}: {e}", dist.display()))?;
    let mut files = Vec::new();
    let mut texts = Vec::new();
    for path in paths {
        let name = path
            .strip_prefix(dist)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if is_precompressed(&name) {
            continue;
        }
        let bytes = fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let kind = kind_of(&name);
        if matches!(kind, "HTML" | "CSS" | "JS") {
            texts.push((name.clone(), String::from_utf8_lossy(&bytes).into_owned()));
        }
        files.push(FileSize {
            kind,
            raw: bytes.len() as u64,
            gzip: gzip_len(&bytes),
            brotli: with_brotli.then(|| brotli_len(&bytes)),
            first_load: false,
            name,
        });
    }
    if files.is_empty() {
        return Err(format!(
            "{} is empty: the build produced nothing",
            dist.display()
        ));
    }
    let needed = first_load_set(&files, &texts);
    for file in &mut files {
        file.first_load = needed.contains(&file.name);
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// `index.html`, then every file whose name appears in a text file already in the set
/// (stylesheets, the JS glue, the preloaded wasm, images a stylesheet uses…), except wasm that
/// only scripts name: a module is fetched when code instantiates it, and the only one the page
/// starts with is the one index.html preloads and starts. The others are the parts of the split
/// build (`src/components/parts.rs`), which the parts loader fetches when one is first shown
/// (an end-to-end test checks that a first visit fetches no other file).
fn first_load_set(files: &[FileSize], texts: &[(String, String)]) -> BTreeSet<String> {
    let mut needed = BTreeSet::from(["index.html".to_string()]);
    let mut queue = vec!["index.html".to_string()];
    while let Some(current) = queue.pop() {
        let Some((_, text)) = texts.iter().find(|(name, _)| *name == current) else {
            continue;
        };
        for file in files {
            let base = file.name.rsplit('/').next().unwrap_or(&file.name);
            let lazy = file.kind == "wasm" && current != "index.html";
            if !lazy && !needed.contains(&file.name) && text.contains(base) {
                needed.insert(file.name.clone());
                queue.push(file.name.clone());
            }
        }
    }
    needed
}

/// Per kind (in [`KINDS`] order), for the files where `keep` holds.
pub fn by_kind(
    files: &[FileSize],
    keep: impl Fn(&FileSize) -> bool,
) -> Vec<(&'static str, Totals)> {
    KINDS
        .iter()
        .map(|kind| {
            let mut totals = Totals::default();
            for file in files.iter().filter(|f| f.kind == *kind && keep(f)) {
                totals.add(file);
            }
            (*kind, totals)
        })
        .filter(|(_, t)| t.files > 0)
        .collect()
}

pub fn total(files: &[FileSize], keep: impl Fn(&FileSize) -> bool) -> Totals {
    let mut totals = Totals::default();
    for file in files.iter().filter(|f| keep(f)) {
        totals.add(file);
    }
    totals
}

/// Prints one row per kind of file in `dist` (files, raw, gzip -9), the total and the first load.
pub fn print_table(dist: &Path) -> Result<(), String> {
    let files = measure(dist, false)?;
    println!("\nSizes of {}:", dist.display());
    println!(
        "{:<10} {:>5} {:>12} {:>12}",
        "kind", "files", "raw", "gzip -9"
    );
    println!("{}", "-".repeat(42));
    let row = |label: &str, t: Totals| {
        println!(
            "{label:<10} {:>5} {:>12} {:>12}",
            t.files,
            kib(t.raw),
            kib(t.gzip)
        );
    };
    for (kind, totals) in by_kind(&files, |_| true) {
        row(kind, totals);
    }
    println!("{}", "-".repeat(42));
    row("total", total(&files, |_| true));
    row("first load", total(&files, |f| f.first_load));
    // The split build's parts: fetched when the page first shows one (src/components/parts.rs).
    row(
        "parts",
        total(&files, |f| f.kind == "wasm" && !f.first_load),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precompressed_siblings_are_not_files_of_their_own() {
        let dist =
            std::env::temp_dir().join(format!("su-render-xtask-sizes-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dist);
        fs::create_dir_all(&dist).expect("temp dir");
        let page = format!(
            "<script type=module src=./app-0123456789abcdef.js></script>{}",
            "<p>filler</p>".repeat(40)
        );
        let js: String = (0..300).map(|i| format!("let v{i} = {i};\n")).collect();
        fs::write(dist.join("index.html"), &page).expect("write");
        fs::write(dist.join("app-0123456789abcdef.js"), &js).expect("write");
        fs::write(dist.join("unused.png"), [0u8; 64]).expect("write");
        // The app's wasm is named by the page; a part only by the script that loads it.
        fs::write(dist.join("app-0123456789abcdef_bg.wasm"), [0u8; 64]).expect("write");
        fs::write(dist.join("app-0123456789abcdef-split_x.wasm"), [0u8; 64]).expect("write");
        let page = page.replace(
            "</script>",
            "</script><link rel=preload href=./app-0123456789abcdef_bg.wasm>",
        );
        let js = js + "fetch(new URL('./app-0123456789abcdef-split_x.wasm', import.meta.url));";
        fs::write(dist.join("index.html"), &page).expect("write");
        fs::write(dist.join("app-0123456789abcdef.js"), &js).expect("write");
        let before = measure(&dist, true).expect("measure");

        crate::compress::precompress(&dist).expect("precompress");
        assert!(dist.join("app-0123456789abcdef.js.br").is_file());
        assert!(dist.join("index.html.gz").is_file());
        let after = measure(&dist, true).expect("measure");

        let names: Vec<&str> = after.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "app-0123456789abcdef-split_x.wasm",
                "app-0123456789abcdef.js",
                "app-0123456789abcdef_bg.wasm",
                "index.html",
                "unused.png"
            ]
        );
        let first: Vec<&str> = after
            .iter()
            .filter(|f| f.first_load)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(
            first,
            [
                "app-0123456789abcdef.js",
                "app-0123456789abcdef_bg.wasm",
                "index.html"
            ]
        );
        let other = by_kind(&after, |_| true)
            .into_iter()
            .find(|(kind, _)| *kind == "other")
            .map(|(_, t)| t.files);
        assert_eq!(other, Some(1), "only unused.png is `other`");
        // The same numbers as before the siblings were written, brotli column included.
        for (a, b) in before.iter().zip(&after) {
            assert_eq!(
                (a.raw, a.gzip, a.brotli),
                (b.raw, b.gzip, b.brotli),
                "{}",
                a.name
            );
        }
        // The brotli column is the size of the `.br` sibling.
        let js_br = fs::metadata(dist.join("app-0123456789abcdef.js.br")).expect("br");
        assert_eq!(after[1].brotli, Some(js_br.len()));
        let _ = fs::remove_dir_all(&dist);
    }
}
