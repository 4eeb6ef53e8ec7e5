//! With feature `embed`, checks the folder that `src/embedded.rs` compiles in (env
//! `SU_RENDER_EMBED_DIR`) and hands it on as `SU_RENDER_EMBEDDED`; a change in that folder
//! rebuilds the server.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-env-changed=SU_RENDER_EMBED_DIR");
    if std::env::var_os("CARGO_FEATURE_EMBED").is_none() {
        return;
    }
    match embed_dir() {
        Ok(dir) => {
            println!("cargo::rerun-if-changed={}", dir.display());
            println!("cargo::rustc-env=SU_RENDER_EMBEDDED={}", dir.display());
        }
        Err(problem) => println!(
            "cargo::error=feature `embed` compiles the built app into the server: {problem}. \
             Set it to the absolute path of a release dist/ folder, e.g. \
             SU_RENDER_EMBED_DIR=\"$PWD/dist\" cargo build -p su-render-server --release --features embed"
        ),
    }
}

fn embed_dir() -> Result<PathBuf, String> {
    let dir = std::env::var_os("SU_RENDER_EMBED_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .ok_or("SU_RENDER_EMBED_DIR is not set")?;
    if !dir.is_absolute() {
        return Err(format!(
            "SU_RENDER_EMBED_DIR={} is not an absolute path",
            dir.display()
        ));
    }
    if !dir.join("index.html").is_file() {
        return Err(format!(
            "SU_RENDER_EMBED_DIR={} has no index.html (build the app first: cargo xtask build)",
            dir.display()
        ));
    }
    Ok(dir)
}
