//! The byte budget of `size-budget.toml`: the gzip -9 size of everything the first view needs.
//! `cargo xtask test` fails when the release build goes over it.

use std::path::Path;
use std::process::Command;

use crate::files;
use crate::process::output_of;
use crate::sizes;

pub const FILE: &str = "size-budget.toml";
const KEY: &str = "total_first_load_gzip_kib";
/// The un-optimised wasm, which still has the function names twiggy needs.
pub const UNOPTIMISED_WASM: &str = "target/wasm32-unknown-unknown/release/su-render.wasm";

/// The budget in KiB. The file is one `key = number` line plus comments: no TOML crate needed.
pub fn read(root: &Path) -> Result<f64, String> {
    let path = root.join(FILE);
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    parse(&text).ok_or_else(|| format!("{} has no `{KEY} = <number>` line", path.display()))
}

fn parse(text: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let line = line.split('#').next()?.trim();
        let (key, value) = line.split_once('=')?;
        (key.trim() == KEY).then(|| value.trim().parse().ok())?
    })
}

/// Compares the first load of `dist` with the budget; on failure, shows what weighs most.
pub fn check(root: &Path) -> Result<(), String> {
    let budget = read(root)?;
    let files = sizes::measure(&root.join("dist"), false)?;
    let first = sizes::total(&files, |f| f.first_load);
    let kib = first.gzip as f64 / 1024.0;
    println!(
        "first load (gzip -9): {kib:.1} KiB in {} files; budget {budget} KiB ({FILE})",
        first.files
    );
    for file in files.iter().filter(|f| f.first_load) {
        println!("  {:<44} {:>12}", file.name, files::kib(file.gzip));
    }
    if kib <= budget {
        println!("within the budget by {:.1} KiB", budget - kib);
        return Ok(());
    }
    match twiggy_top(root, 15) {
        Some(top) => println!(
            "\nTop contributors (twiggy top -n 15 {UNOPTIMISED_WASM}):\n{top}\n\
             (names, debug info and '__wasm_bindgen_unstable' are not shipped; `cargo xtask bench` \
             sums the shipped code by crate)"
        ),
        None => println!("\n(twiggy is not installed: `cargo install twiggy --locked` shows what the wasm is made of)"),
    }
    Err(format!(
        "the first load is {kib:.1} KiB gzip, over the budget of {budget} KiB in {FILE} by {:.1} KiB",
        kib - budget
    ))
}

/// `twiggy top -n <n>` of the un-optimised wasm, if twiggy and the wasm are there.
pub fn twiggy_top(root: &Path, n: usize) -> Option<String> {
    let wasm = root.join(UNOPTIMISED_WASM);
    if !wasm.is_file() {
        return None;
    }
    output_of(
        Command::new("twiggy")
            .args(["top", "-n", &n.to_string()])
            .arg(&wasm),
    )
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_the_budget_line() {
        let text = "# comment = 3\n\ntotal_first_load_gzip_kib = 315 # why\n";
        assert_eq!(parse(text), Some(315.0));
        assert_eq!(parse("other = 1"), None);
        assert_eq!(parse("total_first_load_gzip_kib = 12.5"), Some(12.5));
    }
}
