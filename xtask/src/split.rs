//! Cuts the release wasm into the first view and the parts loaded on demand
//! (`src/components/parts.rs`, issue 12).
//!
//! Trunk builds the app with the `split` feature and wasm relocations kept; its wasm-bindgen step
//! has to see the wasm before the cut, so this step starts again from cargo's output:
//! 1. `wasm_split_cli_support` (the library cargo-leptos uses for `--split`) cuts it at the
//!    `#[lazy]` functions: a main module, one module a part, chunks that parts share, and a
//!    small JS loader;
//! 2. wasm-bindgen turns the main module into Trunk's file names (`--keep-lld-exports`: the
//!    parts call into it through exports the cut added);
//! 3. wasm-opt shrinks every module, as Trunk does.
//!
//! Every file keeps Trunk's naming, `su-render-<name>-<hash>`, so that caches keep it for good
//! and a browser never mixes files of two builds.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::files::{file_len, kib};
use crate::package::sha256_hex;
use crate::process::run;

/// What cargo built for Trunk, relocations included.
const CARGO_WASM: &str = "target/wasm32-unknown-unknown/release/su-render.wasm";
/// Trunk's name for the app's files (`su-render-<hash>.js`), which the parts' names share.
const PREFIX: &str = "su-render";
/// Scratch space for the cut, cleared on every build.
const WORK: &str = "target/wasm-split";

/// The first view's module after wasm-bindgen and before wasm-opt: still named, for
/// `cargo xtask bench`'s table of what the first load is made of.
pub const FIRST_VIEW_NAMED: &str = "target/wasm-split/first-view_bg.wasm";

/// Rust flags of the split build, on top of `.cargo/config.toml`'s: the cut needs the linker's
/// relocations to know what each function uses.
pub const RUSTFLAGS: &str = "-Clink-args=--emit-relocs";

/// Replaces Trunk's wasm and JS glue in `dist` with the split build.
pub fn apply(root: &Path, dist: &Path) -> Result<(), String> {
    let stem = glue_stem(dist)?;
    let input = read(&root.join(CARGO_WASM))?;
    let work = root.join(WORK);
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    }
    let parts_dir = work.join("parts");
    std::fs::create_dir_all(&parts_dir).map_err(|e| format!("{}: {e}", parts_dir.display()))?;
    let main_wasm = work.join("main.wasm");
    let main_module = format!("./{stem}.js");
    // Its content follows from the wasm's, as the glue's does: it takes the glue's hash.
    let hash = stem.rsplit_once('-').map_or("", |(_, h)| h);
    let loader = format!("{PREFIX}-parts-{hash}.js");
    let link_name = format!("./{loader}");

    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = &parts_dir;
    options.main_out_path = &main_wasm;
    options.main_module = &main_module;
    options.link_name = &link_name;
    let cut = wasm_split_cli_support::transform(options)
        .map_err(|e| format!("splitting {CARGO_WASM}: {e:#}"))?;

    let bindgen_dir = work.join("bindgen");
    run(Command::new("wasm-bindgen")
        .args([
            "--target=web",
            "--no-typescript",
            "--keep-lld-exports",
            "--no-demangle",
        ])
        .arg(format!("--out-dir={}", bindgen_dir.display()))
        .arg(format!("--out-name={stem}"))
        .arg(&main_wasm))?;

    let main_bindgen = bindgen_dir.join(format!("{stem}_bg.wasm"));
    let main_shipped = dist.join(format!("{stem}_bg.wasm"));
    std::fs::copy(&main_bindgen, root.join(FIRST_VIEW_NAMED))
        .map_err(|e| format!("keeping the named first-view module: {e}"))?;
    // The loader names the parts "./split_<name>.wasm" and "./chunk_<n>.wasm".
    let mut loader_js = std::fs::read_to_string(parts_dir.join(&loader))
        .map_err(|e| format!("the loader {loader}: {e}"))?;
    optimise(&main_bindgen, &main_shipped)?;
    println!(
        "wasm split: main {} before wasm-bindgen and wasm-opt, {} after",
        kib(file_len(&main_wasm)?),
        kib(file_len(&main_shipped)?)
    );
    let mut parts: Vec<PathBuf> = cut.split_modules;
    parts.sort();
    let optimised = work.join("optimised");
    std::fs::create_dir_all(&optimised).map_err(|e| format!("{}: {e}", optimised.display()))?;
    for part in parts {
        let file = part
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("odd part name {}", part.display()))?
            .to_string();
        let quoted = format!("\"./{file}\"");
        if !loader_js.contains(&quoted) {
            return Err(format!("the loader does not name {file}"));
        }
        let out = optimised.join(&file);
        optimise(&part, &out)?;
        let bytes = read(&out)?;
        // Named like Trunk's files, `<name>-<16 hex digits of its content>`, so that servers
        // cache it for good (server/src/lib.rs `is_hashed_asset`) and no browser mixes builds.
        let shipped = format!(
            "{PREFIX}-{}-{}.wasm",
            file.trim_end_matches(".wasm"),
            &sha256_hex(&bytes)[..16]
        );
        loader_js = loader_js.replace(&quoted, &format!("\"./{shipped}\""));
        write(&dist.join(&shipped), &bytes)?;
        println!("wasm split: part {shipped} {}", kib(bytes.len() as u64));
    }
    write(&dist.join(&loader), loader_js.as_bytes())?;
    let glue = std::fs::read_to_string(bindgen_dir.join(format!("{stem}.js")))
        .map_err(|e| format!("reading the JS glue: {e}"))?;
    write(
        &dist.join(format!("{stem}.js")),
        one_key_per_module(&glue, &link_name).as_bytes(),
    )?;
    Ok(())
}

/// wasm-bindgen gives each function the main module imports from the loader its own
/// `import * as importN from "<loader>"`, and lists them all in the imports object under the same
/// key: the same module namespace every time, so only the first entry counts, and esbuild warns
/// about each of the others. This keeps the first.
fn one_key_per_module(glue: &str, module: &str) -> String {
    let key = format!("\"{module}\":");
    let mut seen = false;
    let mut out = String::with_capacity(glue.len());
    for line in glue.split_inclusive('\n') {
        if line.trim_start().starts_with(&key) {
            if seen {
                continue;
            }
            seen = true;
        }
        out.push_str(line);
    }
    out
}

/// `su-render-<hash>`: the name Trunk gave the JS glue (and, with `_bg`, the wasm).
fn glue_stem(dist: &Path) -> Result<String, String> {
    let entries = std::fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    let mut stems: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix("_bg.wasm").map(str::to_string))
        .collect();
    match stems.len() {
        1 => Ok(stems.remove(0)),
        n => Err(format!(
            "expected one *_bg.wasm in {}, found {n}",
            dist.display()
        )),
    }
}

/// wasm-opt as Trunk runs it for `data-wasm-opt="z"` (the pinned binaryen, first on PATH).
fn optimise(input: &Path, output: &Path) -> Result<(), String> {
    run(Command::new("wasm-opt")
        .arg("-Oz")
        .arg(input)
        .arg("-o")
        .arg(output))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::{one_key_per_module, sha256_hex};

    #[test]
    fn keeps_the_first_entry_of_a_module_in_the_imports_object() {
        let glue = "import * as import1 from \"./parts.js\"\n\
                    import * as import2 from \"./parts.js\"\n\
                    const imports = {\n\
                    \x20   \"./app_bg.js\": import0,\n\
                    \x20   \"./parts.js\": import1,\n\
                    \x20   \"./parts.js\": import2,\n\
                    };\n";
        let kept = one_key_per_module(glue, "./parts.js");
        assert_eq!(kept.matches("\"./parts.js\": import").count(), 1);
        assert!(kept.contains("\"./parts.js\": import1,"));
        assert!(kept.contains("\"./app_bg.js\": import0,"));
        // The import statements stay: they name the same module.
        assert_eq!(kept.matches("import * as").count(), 2);
        assert_eq!(one_key_per_module(&kept, "./parts.js"), kept);
    }

    #[test]
    fn names_follow_content() {
        let name = |bytes: &[u8]| sha256_hex(bytes)[..16].to_string();
        assert_eq!(name(b"a").len(), 16);
        assert_eq!(name(b"a"), name(b"a"));
        assert_ne!(name(b"a"), name(b"b"));
    }
}
