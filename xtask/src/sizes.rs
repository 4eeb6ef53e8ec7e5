//! The size table printed after a release build: what a visitor downloads, raw and gzip -9.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

const KINDS: [&str; 5] = ["wasm", "JS", "CSS", "HTML", "other"];

fn kind_of(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("wasm") => "wasm",
        Some("js" | "mjs") => "JS",
        Some("css") => "CSS",
        Some("html") => "HTML",
        _ => "other",
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files_under(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn gzip_len(bytes: &[u8]) -> std::io::Result<u64> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// Prints one row per kind of file in `dist` (files, raw, gzip -9) and a total.
pub fn print_table(dist: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    files_under(dist, &mut files).map_err(|e| format!("reading {}: {e}", dist.display()))?;
    if files.is_empty() {
        return Err(format!(
            "{} is empty: the build produced nothing",
            dist.display()
        ));
    }
    // (count, raw, gzip) per kind, in KINDS order.
    let mut rows = [(0u32, 0u64, 0u64); KINDS.len()];
    for file in &files {
        let bytes = fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
        let gz = gzip_len(&bytes).map_err(|e| format!("gzip {}: {e}", file.display()))?;
        let kind = kind_of(file);
        let index = KINDS
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(KINDS.len() - 1);
        rows[index].0 += 1;
        rows[index].1 += bytes.len() as u64;
        rows[index].2 += gz;
    }

    println!("\nSizes of {}:", dist.display());
    println!(
        "{:<6} {:>5} {:>12} {:>12}",
        "kind", "files", "raw", "gzip -9"
    );
    println!("{}", "-".repeat(38));
    let mut total = (0u32, 0u64, 0u64);
    for (kind, (count, raw, gz)) in KINDS.iter().zip(rows) {
        if count == 0 {
            continue;
        }
        println!("{kind:<6} {count:>5} {:>12} {:>12}", kb(raw), kb(gz));
        total = (total.0 + count, total.1 + raw, total.2 + gz);
    }
    println!("{}", "-".repeat(38));
    println!(
        "{:<6} {:>5} {:>12} {:>12}",
        "total",
        total.0,
        kb(total.1),
        kb(total.2)
    );
    Ok(())
}
