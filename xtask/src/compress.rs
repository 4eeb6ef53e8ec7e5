//! Precompressed siblings for `dist/`: `X.gz` (gzip -9) and `X.br` (brotli 11, window 2^22) next
//! to every text or wasm file `X`, written after the CSP step so they hold the final bytes. The
//! local server sends them to browsers whose `Accept-Encoding` allows it (see
//! `server/src/lib.rs`), so nothing is compressed per request.
//!
//! A sibling is only written when it is smaller than the original; siblings of an earlier build
//! are removed first, so none can outlive (or disagree with) its original.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::files::{files_under, kib};

/// Extensions worth precompressing: the wasm and the text formats the build can produce.
pub const EXTENSIONS: [&str; 7] = ["wasm", "js", "mjs", "css", "html", "svg", "json"];

/// The siblings' suffixes. The server sends `X.gz` with `Content-Encoding: gzip` and `X.br`
/// with `Content-Encoding: br` (tower-http's `ServeDir::precompressed_*` looks for these names).
pub const SUFFIXES: [&str; 2] = [".gz", ".br"];

/// Whether `name` is a file this module precompresses.
pub fn is_compressible(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

/// The original `X` when `name` is `X.gz` or `X.br` of a compressible `X`.
pub fn original_of(name: &str) -> Option<&str> {
    SUFFIXES
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|original| is_compressible(original))
}

/// gzip at level 9 (`gzip -9`).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 2), Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// brotli at quality 11 with a 4 MiB window (`brotli -q 11 -w 22`).
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 2);
    let mut input = bytes;
    // Reading a slice and writing to a Vec cannot fail.
    let _ = brotli::BrotliCompress(&mut input, &mut out, &params);
    out
}

/// One original and what was written beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Relative to `dist/`, with `/` separators.
    pub name: String,
    pub raw: u64,
    /// Size of `X.gz`, or `None` when it would not have been smaller.
    pub gzip: Option<u64>,
    /// Size of `X.br`, or `None` when it would not have been smaller.
    pub brotli: Option<u64>,
}

fn name_in(dist: &Path, path: &Path) -> String {
    path.strip_prefix(dist)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Removes every earlier sibling in `dist`, then writes `X.gz` and `X.br` for each compressible
/// `X` where they are smaller than `X`. Returns what it did, sorted by name.
pub fn precompress(dist: &Path) -> Result<Vec<Written>, String> {
    let mut paths = Vec::new();
    files_under(dist, &mut paths).map_err(|e| format!("reading {}: {e}", dist.display()))?;
    paths.sort();

    let (siblings, others): (Vec<PathBuf>, Vec<PathBuf>) = paths
        .into_iter()
        .partition(|p| original_of(&name_in(dist, p)).is_some());
    for path in siblings {
        fs::remove_file(&path).map_err(|e| format!("removing {}: {e}", path.display()))?;
    }

    let mut written = Vec::new();
    for path in others {
        let name = name_in(dist, &path);
        if !is_compressible(&name) {
            continue;
        }
        let bytes = fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        written.push(Written {
            raw: bytes.len() as u64,
            gzip: write_sibling(&path, ".gz", &gzip(&bytes), bytes.len())?,
            brotli: write_sibling(&path, ".br", &brotli(&bytes), bytes.len())?,
            name,
        });
    }
    Ok(written)
}

/// Writes `packed` as `<path><suffix>` when it is smaller than the original; returns its size.
fn write_sibling(
    path: &Path,
    suffix: &str,
    packed: &[u8],
    raw: usize,
) -> Result<Option<u64>, String> {
    if packed.is_empty() || packed.len() >= raw {
        return Ok(None);
    }
    let mut target = path.as_os_str().to_owned();
    target.push(suffix);
    let target = PathBuf::from(target);
    fs::write(&target, packed).map_err(|e| format!("writing {}: {e}", target.display()))?;
    Ok(Some(packed.len() as u64))
}

/// [`precompress`], then one line per file: raw, `.gz`, `.br` (`-` where none was written).
pub fn apply(dist: &Path) -> Result<(), String> {
    let written = precompress(dist)?;
    println!("\nPrecompressed siblings in {}:", dist.display());
    println!("{:<44} {:>12} {:>12} {:>12}", "file", "raw", ".gz", ".br");
    let cell = |size: Option<u64>| size.map_or_else(|| "-".to_string(), kib);
    for file in &written {
        println!(
            "{:<44} {:>12} {:>12} {:>12}",
            file.name,
            kib(file.raw),
            cell(file.gzip),
            cell(file.brotli)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// An empty directory unique to this process and call.
    fn temp_dist() -> PathBuf {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "su-render-xtask-compress-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    fn unbrotli(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut out)
            .expect("valid brotli");
        out
    }

    /// Text that compresses well, like the JS glue.
    fn text(lines: usize) -> Vec<u8> {
        (0..lines)
            .map(|i| format!("export function f{i}(a, b) {{ return a + b * {i}; }}\n"))
            .collect::<String>()
            .into_bytes()
    }

    /// Bytes no compressor can shrink (xorshift).
    fn noise(len: usize) -> Vec<u8> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn names() {
        assert!(is_compressible("su-render-828f542dd29efb61_bg.wasm"));
        assert!(is_compressible("sub/main-613ccd6c8b0fdc4e.css"));
        assert!(is_compressible("index.html"));
        assert!(is_compressible("icon.SVG"));
        assert!(!is_compressible("photo.png"));
        assert!(!is_compressible("index.html.br"));
        assert!(!is_compressible("README"));
        assert_eq!(original_of("index.html.br"), Some("index.html"));
        assert_eq!(original_of("a/x.wasm.gz"), Some("a/x.wasm"));
        assert_eq!(original_of("photo.png.gz"), None);
        assert_eq!(original_of("archive.tar.gz"), None);
        assert_eq!(original_of("index.html"), None);
    }

    #[test]
    fn writes_siblings_that_decode_to_the_original() {
        let dist = temp_dist();
        fs::create_dir_all(dist.join("assets")).expect("subdir");
        let files = [
            ("index.html", text(40)),
            ("app-0123456789abcdef.js", text(500)),
            ("assets/data.json", text(200)),
        ];
        for (name, bytes) in &files {
            fs::write(dist.join(name), bytes).expect("write");
        }
        let png = noise(2000);
        fs::write(dist.join("photo.png"), &png).expect("write");

        let written = precompress(&dist).expect("precompress");
        let names: Vec<&str> = written.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(
            names,
            ["app-0123456789abcdef.js", "assets/data.json", "index.html"]
        );
        for (name, bytes) in &files {
            let gz = fs::read(dist.join(format!("{name}.gz"))).expect(".gz written");
            let br = fs::read(dist.join(format!("{name}.br"))).expect(".br written");
            assert_eq!(&gunzip(&gz), bytes, "{name}.gz");
            assert_eq!(&unbrotli(&br), bytes, "{name}.br");
            assert!(gz.len() < bytes.len() && br.len() < bytes.len());
            let entry = written.iter().find(|w| w.name == *name).expect("listed");
            assert_eq!(entry.raw, bytes.len() as u64);
            assert_eq!(entry.gzip, Some(gz.len() as u64));
            assert_eq!(entry.brotli, Some(br.len() as u64));
        }
        // Not a text or wasm file: left alone, no siblings.
        assert_eq!(fs::read(dist.join("photo.png")).expect("png"), png);
        assert!(!dist.join("photo.png.gz").exists());
        assert!(!dist.join("photo.png.br").exists());
        let _ = fs::remove_dir_all(&dist);
    }

    #[test]
    fn no_sibling_that_is_not_smaller() {
        let dist = temp_dist();
        // Incompressible, and tiny: both encodings only add headers.
        fs::write(dist.join("random.wasm"), noise(4096)).expect("write");
        fs::write(dist.join("tiny.css"), "a{}").expect("write");
        let written = precompress(&dist).expect("precompress");
        for name in ["random.wasm", "tiny.css"] {
            let entry = written.iter().find(|w| w.name == name).expect("listed");
            assert_eq!((entry.gzip, entry.brotli), (None, None), "{name}");
            assert!(!dist.join(format!("{name}.gz")).exists(), "{name}.gz");
            assert!(!dist.join(format!("{name}.br")).exists(), "{name}.br");
        }
        let _ = fs::remove_dir_all(&dist);
    }

    #[test]
    fn siblings_of_an_earlier_build_do_not_survive() {
        let dist = temp_dist();
        // An earlier build: its JS is gone, its CSS is now incompressible, its page changed.
        fs::write(dist.join("old-0123456789abcdef.js.br"), b"stale").expect("write");
        fs::write(dist.join("old-0123456789abcdef.js.gz"), b"stale").expect("write");
        fs::write(dist.join("main.css"), noise(1000)).expect("write");
        fs::write(dist.join("main.css.br"), b"stale").expect("write");
        fs::write(dist.join("main.css.gz"), b"stale").expect("write");
        let page = text(30);
        fs::write(dist.join("index.html"), &page).expect("write");
        fs::write(dist.join("index.html.gz"), gzip(b"old page")).expect("write");
        // Not a sibling of anything this module writes: kept.
        fs::write(dist.join("archive.tar.gz"), b"kept").expect("write");

        precompress(&dist).expect("precompress");
        for gone in [
            "old-0123456789abcdef.js.br",
            "old-0123456789abcdef.js.gz",
            "main.css.br",
            "main.css.gz",
        ] {
            assert!(!dist.join(gone).exists(), "{gone} survived");
        }
        let gz = fs::read(dist.join("index.html.gz")).expect("rewritten");
        assert_eq!(gunzip(&gz), page);
        assert_eq!(
            fs::read(dist.join("archive.tar.gz")).expect("kept"),
            b"kept"
        );

        // Running again changes nothing.
        let before = fs::read(dist.join("index.html.br")).expect("br");
        precompress(&dist).expect("again");
        assert_eq!(fs::read(dist.join("index.html.br")).expect("br"), before);
        let _ = fs::remove_dir_all(&dist);
    }
}
