//! Minifies the JS glue that wasm-bindgen writes and Trunk copies as is (71 KiB of readable
//! code): esbuild, pinned by `cargo xtask setup`, rewrites each top-level `.js` of `dist/` in place
//! as an ES module, so its exports (what index.html's loader imports) keep their names.

use std::path::Path;
use std::process::Command;

use crate::files::{file_len, kib};
use crate::process::run;
use crate::tools;

pub fn apply(dist: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    let mut scripts: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "js"))
        .collect();
    scripts.sort();
    for script in scripts {
        let before = file_len(&script)?;
        run(Command::new(tools::esbuild())
            .arg(&script)
            .args([
                "--minify",
                "--format=esm",
                "--log-level=warning",
                "--allow-overwrite",
            ])
            .arg(format!("--outfile={}", script.display())))?;
        let after = file_len(&script)?;
        let name = script.file_name().unwrap_or_default().to_string_lossy();
        println!("JS: {name} minified, {} -> {}", kib(before), kib(after));
    }
    Ok(())
}
