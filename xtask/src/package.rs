//! `cargo xtask package`: the one-file app. The release `dist/` is compiled into the server
//! (`su-render-server --features embed`, reading `SU_RENDER_EMBED_DIR` at compile time), one
//! binary per target, into `target/package/` with a `SHA256SUMS` beside them.
//!
//! Linux is a static musl binary (Debian's `musl-tools` for the C parts of `ring`), Windows is
//! cross-built with Debian's `mingw-w64`. macOS can't be built here: the release workflow runs
//! `cargo xtask package --use-dist --target aarch64-apple-darwin` on a macOS runner against the
//! `dist/` the Linux job built.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::process::{cargo, output_of, run};
use crate::steps::format_duration;
use crate::tools;

/// The cargo profile of the packaged server (see `[profile.server-release]` in the root
/// Cargo.toml for the measurements behind it). Not `release`: that one is tuned for the wasm.
pub const PROFILE: &str = "server-release";

/// A target the server is packaged for, and how its file is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub triple: &'static str,
    pub os: &'static str,
    pub arch: &'static str,
    /// `.exe` on Windows.
    pub suffix: &'static str,
}

pub const LINUX: Target = Target {
    triple: "x86_64-unknown-linux-musl",
    os: "linux",
    arch: "x86_64",
    suffix: "",
};
pub const WINDOWS: Target = Target {
    triple: "x86_64-pc-windows-gnu",
    os: "windows",
    arch: "x86_64",
    suffix: ".exe",
};
const MACOS_ARM: Target = Target {
    triple: "aarch64-apple-darwin",
    os: "macos",
    arch: "arm64",
    suffix: "",
};
const MACOS_X86: Target = Target {
    triple: "x86_64-apple-darwin",
    os: "macos",
    arch: "x86_64",
    suffix: "",
};
const KNOWN: [Target; 4] = [LINUX, WINDOWS, MACOS_ARM, MACOS_X86];

impl Target {
    /// `su-render-<version>-<os>-<arch>[.exe]`.
    pub fn file_name(&self, version: &str) -> String {
        format!(
            "su-render-{version}-{}-{}{}",
            self.os, self.arch, self.suffix
        )
    }

    fn from_triple(triple: &str) -> Result<Target, String> {
        KNOWN
            .into_iter()
            .find(|t| t.triple == triple)
            .ok_or_else(|| {
                let known: Vec<_> = KNOWN.iter().map(|t| t.triple).collect();
                format!(
                    "no package for target `{triple}`; known: {}",
                    known.join(", ")
                )
            })
    }
}

/// Whether `package` builds the app first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// `setup` and the release build, as `cargo xtask build` does.
    Build,
    /// Use `dist/` as it is (built by an earlier step, or downloaded by the release workflow).
    Ready,
}

/// One packaged binary.
pub struct Packaged {
    pub target: Target,
    pub path: PathBuf,
    pub bytes: u64,
    pub took: Duration,
}

/// `target/`, or `$CARGO_TARGET_DIR`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Where the packaged binaries and `SHA256SUMS` go.
pub fn out_dir(root: &Path) -> PathBuf {
    target_dir(root).join("package")
}

/// `cargo xtask package`'s flags.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Windows (x86_64, mingw-w64) instead of Linux
    #[arg(long)]
    windows: bool,
    /// Linux (x86_64, static musl): the default
    #[arg(long)]
    linux: bool,
    /// Linux and Windows
    #[arg(long)]
    all: bool,
    /// a target by its triple (repeatable): x86_64-unknown-linux-musl,
    /// x86_64-pc-windows-gnu, aarch64-apple-darwin, x86_64-apple-darwin
    #[arg(long = "target", value_name = "TRIPLE", value_parser = Target::from_triple, verbatim_doc_comment)]
    targets: Vec<Target>,
    /// package the dist/ already there instead of building it
    #[arg(long)]
    use_dist: bool,
}

/// `cargo xtask package [--windows] [--all] [--target TRIPLE]… [--use-dist]`.
pub fn command(root: &Path, args: Args) -> Result<(), String> {
    let mut targets = Vec::new();
    if args.linux || args.all {
        targets.push(LINUX);
    }
    if args.windows || args.all {
        targets.push(WINDOWS);
    }
    targets.extend(args.targets);
    if targets.is_empty() {
        targets.push(LINUX);
    }
    let mut unique = Vec::new();
    for target in targets {
        if !unique.contains(&target) {
            unique.push(target);
        }
    }
    let app = if args.use_dist {
        App::Ready
    } else {
        App::Build
    };
    build(root, &unique, app).map(|_| ())
}

/// Installs what the targets need, builds the app unless it is [`App::Ready`], packages the
/// server for each target, writes `SHA256SUMS` and prints the table.
pub fn build(root: &Path, targets: &[Target], app: App) -> Result<Vec<Packaged>, String> {
    setup(targets)?;
    let dist = root.join("dist");
    match app {
        App::Build => {
            tools::setup(false)?;
            crate::release_build(root)?;
        }
        App::Ready => {
            if !dist.join("index.html").is_file() {
                return Err(format!(
                    "{} has no index.html: build the app first (`cargo xtask build`)",
                    dist.display()
                ));
            }
        }
    }
    let dist = dist
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dist.display()))?;
    let version = server_version(root)?;
    let out = out_dir(root);
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;

    let mut built = Vec::new();
    for &target in targets {
        built.push(build_one(root, &dist, &out, &version, target)?);
    }
    write_extension(root, &out, &version)?;
    let sums = write_sums(&out, &version)?;
    print_table(&built, &sums);
    Ok(built)
}

/// Debian's package with `x86_64-w64-mingw32-gcc`: only the 64-bit C compiler (0.35 GiB), not
/// the `mingw-w64` metapackage (1.8 GiB with the 32-bit and C++ compilers, which nothing here
/// uses).
const MINGW_GCC_PACKAGE: &str = "gcc-mingw-w64-x86-64-win32";

/// Rust targets and Debian's cross tools, idempotently.
pub fn setup(targets: &[Target]) -> Result<(), String> {
    println!("setup: package targets");
    for target in targets {
        tools::ensure_rust_target(target.triple)?;
        if *target == LINUX {
            tools::ensure_apt_tool(
                "musl-gcc",
                "musl-tools",
                "the static Linux build compiles ring's C code with musl-gcc",
            )?;
        } else if *target == WINDOWS {
            tools::ensure_apt_tool(
                "x86_64-w64-mingw32-gcc",
                MINGW_GCC_PACKAGE,
                "the Windows build links with mingw-w64",
            )?;
        }
    }
    Ok(())
}

/// The server crate's version (what `--version` and `/__su/info` say).
pub fn server_version(root: &Path) -> Result<String, String> {
    let mut pkgid = cargo();
    pkgid
        .args(["pkgid", "-p", "su-render-server"])
        .current_dir(root);
    // `path+file:///…/server#su-render-server@0.1.0` (or `…/server#0.1.0`).
    output_of(&mut pkgid)
        .and_then(|id| id.rsplit(['@', '#']).next().map(str::to_string))
        .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .ok_or_else(|| "`cargo pkgid -p su-render-server` gave no version".to_string())
}

fn build_one(
    root: &Path,
    dist: &Path,
    out: &Path,
    version: &str,
    target: Target,
) -> Result<Packaged, String> {
    println!(
        "\npackage: su-render-server for {} (profile {PROFILE}, dist/ embedded)",
        target.triple
    );
    let started = Instant::now();
    let mut build = cargo();
    build
        .args(["build", "-p", "su-render-server", "--features", "embed"])
        .args(["--profile", PROFILE, "--target", target.triple])
        .env("SU_RENDER_EMBED_DIR", dist)
        .current_dir(root);
    if target == LINUX && std::env::var_os("CC_x86_64_unknown_linux_musl").is_none() {
        build.env("CC_x86_64_unknown_linux_musl", "musl-gcc");
    }
    run(&mut build)?;
    let took = started.elapsed();

    let binary = target_dir(root)
        .join(target.triple)
        .join(PROFILE)
        .join(format!("su-render-server{}", target.suffix));
    let path = out.join(target.file_name(version));
    fs::copy(&binary, &path)
        .map_err(|e| format!("copying {} to {}: {e}", binary.display(), path.display()))?;
    let bytes = fs::metadata(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    Ok(Packaged {
        target,
        path,
        bytes,
        took,
    })
}

/// `su-render-<version>.rbz`: the SketchUp extension, for the release page.
pub fn extension_file_name(version: &str) -> String {
    format!("su-render-{version}.rbz")
}

/// Writes the SketchUp extension's `.rbz` beside the binaries: the same bytes each binary
/// serves at `/__su/extension.rbz` (one writer, `server/src/rbz.rs`, for both).
fn write_extension(root: &Path, out: &Path, version: &str) -> Result<(), String> {
    let sketchup = root.join("sketchup");
    let path = out.join(extension_file_name(version));
    match crate::rbz::build(&sketchup).map_err(|e| format!("{}: {e}", sketchup.display()))? {
        Some(bytes) => {
            fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            println!(
                "\npackage: {} ({} bytes, the SketchUp extension)",
                path.display(),
                bytes.len()
            );
        }
        None => {
            // An older one would go into SHA256SUMS as if it were this build's.
            let _ = fs::remove_file(&path);
            println!(
                "\npackage: no SketchUp extension ({} has no {}): no .rbz",
                sketchup.display(),
                crate::rbz::LOADER
            );
        }
    }
    Ok(())
}

/// `sha256sum` format: 64 hex digits, two spaces, the file name.
pub fn sha256_line(bytes: &[u8], name: &str) -> String {
    format!("{}  {name}", sha256_hex(bytes))
}

/// The SHA-256 of `bytes` in 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Writes `SHA256SUMS` for every `su-render-<version>-*` file in `out` (also those packaged by
/// an earlier run for another target) and the extension's `.rbz`; returns its lines.
fn write_sums(out: &Path, version: &str) -> Result<Vec<String>, String> {
    let prefix = format!("su-render-{version}-");
    let mut names: Vec<String> = fs::read_dir(out)
        .map_err(|e| format!("{}: {e}", out.display()))?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.starts_with(&prefix) || *name == extension_file_name(version))
        .collect();
    names.sort();
    let mut lines = Vec::new();
    for name in &names {
        let path = out.join(name);
        let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        lines.push(sha256_line(&bytes, name));
    }
    let sums = out.join("SHA256SUMS");
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(&sums, text).map_err(|e| format!("{}: {e}", sums.display()))?;
    Ok(lines)
}

fn print_table(built: &[Packaged], sums: &[String]) {
    let width = built
        .iter()
        .filter_map(|p| p.path.file_name())
        .map(|n| n.to_string_lossy().chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "\n{:<width$}  {:>8}  {:>10}  target",
        "file", "MiB", "build"
    );
    println!("{}", "-".repeat(width + 50));
    for p in built {
        let name = p.path.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "{name:<width$}  {:>8.2}  {:>10}  {}",
            p.bytes as f64 / (1u64 << 20) as f64,
            format_duration(p.took),
            p.target.triple
        );
    }
    if let Some(dir) = built.first().and_then(|p| p.path.parent()) {
        println!("\nin {}; SHA256SUMS:", dir.display());
        for line in sums {
            println!("  {line}");
        }
    }
}

/// Where wine's own start-up files live for `cargo xtask test-windows` (kept between runs:
/// creating a prefix is most of wine's first start).
pub fn wine_prefix(root: &Path) -> PathBuf {
    target_dir(root).join("wine-prefix")
}

const WINE64: &str = "/usr/lib/wine/wine64";

/// Rust's std (1.78 and later) draws its random seeds from `ProcessPrng` in
/// `bcryptprimitives.dll`, which every Windows 10 and 11 has but Debian's wine 8.0 lacks: there
/// the .exe stops before `main` with "Library bcryptprimitives.dll … not found". This stand-in,
/// put in the test prefix's system32 only (never beside the .exe, never shipped), answers with
/// `RtlGenRandom` (advapi32's `SystemFunction036`), which wine has.
const PROCESS_PRNG_SHIM: &str = r#"#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
"#;

/// The environment every wine child of the Windows test gets: its own prefix, no Mono or Gecko
/// installer (a console program needs neither), wine's "fixme" lines off as its `wine` script
/// does.
pub fn wine_env(root: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("WINEPREFIX", wine_prefix(root)),
        ("WINEDLLOVERRIDES", PathBuf::from("mscoree,mshtml=")),
        ("WINEDEBUG", PathBuf::from("fixme-all")),
    ]
}

/// Debian's 64-bit wine (installed when missing), a prefix in target/ (created once) and the
/// `ProcessPrng` stand-in in it; returns the wine loader.
pub fn setup_wine(root: &Path) -> Result<PathBuf, String> {
    tools::ensure_apt_tool(
        WINE64,
        "wine64",
        "the Windows test starts the .exe under wine",
    )?;
    tools::ensure_apt_tool(
        "x86_64-w64-mingw32-gcc",
        MINGW_GCC_PACKAGE,
        "the Windows test builds a stand-in DLL for wine with mingw-w64",
    )?;
    let started = Instant::now();
    let system32 = wine_prefix(root).join("drive_c/windows/system32");
    if !system32.is_dir() {
        println!(
            "  wine prefix                  creating {} …",
            wine_prefix(root).display()
        );
        let mut boot = Command::new(WINE64);
        boot.args(["wineboot", "--init"])
            .envs(wine_env(root))
            .stdin(std::process::Stdio::null());
        run(&mut boot)?;
        if !system32.is_dir() {
            return Err(format!(
                "wineboot finished but {} does not exist",
                system32.display()
            ));
        }
    }
    let dll = system32.join("bcryptprimitives.dll");
    if !dll.is_file() {
        let dir = target_dir(root).join("wine-shim");
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let source = dir.join("bcryptprimitives.c");
        fs::write(&source, PROCESS_PRNG_SHIM).map_err(|e| format!("{}: {e}", source.display()))?;
        let built = dir.join("bcryptprimitives.dll");
        run(Command::new("x86_64-w64-mingw32-gcc")
            .args(["-shared", "-O2", "-s", "-o"])
            .arg(&built)
            .arg(&source)
            .arg("-ladvapi32"))?;
        fs::copy(&built, &dll).map_err(|e| format!("{}: {e}", dll.display()))?;
    }
    println!(
        "  {:<28} ready: {} ({})",
        "wine prefix",
        wine_prefix(root).display(),
        format_duration(started.elapsed())
    );
    Ok(PathBuf::from(WINE64))
}

/// Runs the ignored Linux tests of `e2e/tests/packaged.rs`, `e2e/tests/hostile.rs` and
/// `e2e/tests/sketchup.rs` (the SketchUp inbox) against the packaged `binary`.
pub fn linux_test_command(root: &Path, binary: &Path) -> Command {
    let mut test = cargo();
    test.args([
        "test",
        "--workspace",
        "--test",
        "packaged",
        "--test",
        "hostile",
        "--test",
        "sketchup",
        "--",
    ])
    .args([
        "--ignored",
        "--skip",
        "windows_exe_under_wine",
        "--test-threads=2",
    ])
    .env("SU_RENDER_PACKAGED_BIN", binary)
    .env("SU_RENDER_DIST", root.join("dist"))
    .current_dir(root);
    test
}

/// Runs the ignored Windows test of `e2e/tests/packaged.rs` against `exe` under wine.
pub fn wine_test_command(root: &Path, exe: &Path, wine: &Path) -> Command {
    let mut test = cargo();
    test.args(["test", "--workspace", "--test", "packaged", "--"])
        .args([
            "--ignored",
            "--exact",
            "windows_exe_under_wine",
            "--nocapture",
        ])
        .env("SU_RENDER_WINDOWS_EXE", exe)
        .env("SU_RENDER_WINE", wine)
        .envs(wine_env(root))
        .env("SU_RENDER_DIST", root.join("dist"))
        .current_dir(root);
    test
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_by_version_os_and_arch() {
        assert_eq!(LINUX.file_name("0.1.0"), "su-render-0.1.0-linux-x86_64");
        assert_eq!(
            WINDOWS.file_name("0.1.0"),
            "su-render-0.1.0-windows-x86_64.exe"
        );
        assert_eq!(
            Target::from_triple("aarch64-apple-darwin")
                .expect("known")
                .file_name("1.2.3"),
            "su-render-1.2.3-macos-arm64"
        );
        assert!(Target::from_triple("riscv64gc-unknown-linux-gnu").is_err());
    }

    #[test]
    fn sums_are_in_sha256sum_format() {
        // sha256sum of "abc", as coreutils prints it.
        assert_eq!(
            sha256_line(b"abc", "file"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  file"
        );
    }
}
