//! `cargo xtask setup`: installs the pinned toolchain of `../shared/toolchain.md`, idempotently.
//!
//! Trunk would normally download wasm-bindgen and wasm-opt from GitHub, which our machines (and
//! users behind firewalls) can't reach, so every tool comes from crates.io, npm or Debian instead.
//! Debian's own `wasm-opt` (binaryen 108) produces wasm that fails at run time: the npm binaryen
//! is put first on PATH for every child process, and its version is checked.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::process::{cargo, output_of, run};
use crate::steps::format_duration;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const TRUNK_VERSION: &str = "0.21.14";
const WASM_BINDGEN_VERSION: &str = "0.2.130";
const BINARYEN_NPM: &str = "binaryen@132.0.0";
const WASM_OPT_VERSION: &str = "version 132";
/// Minifies wasm-bindgen's JS glue after `trunk build` (Trunk leaves it as written): -2.4 KiB
/// gzip measured on the first load.
const ESBUILD_NPM: &str = "esbuild@0.28.2";
const ESBUILD_VERSION: &str = "0.28.2";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's `fonts-noto-cjk`: without a CJK font Chromium draws the Chinese page (and the
/// language button's "中文") as empty boxes in the test screenshots.
const CJK_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

/// Where npm tools go: `$SU_RENDER_TOOLS`, else `~/.cache/su-render/tools`.
pub fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SU_RENDER_TOOLS").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => Path::new(&home).join(".cache/su-render/tools"),
        None => std::env::temp_dir().join("su-render-tools"),
    }
}

fn npm_bin_dir() -> PathBuf {
    tools_dir().join("node_modules/.bin")
}

/// Where `cargo install` puts binaries.
fn cargo_bin_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return Some(Path::new(&home).join("bin"));
    }
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo/bin"))
}

/// Prepends the npm tools' `.bin` (then cargo's bin) to this process's PATH, so that every
/// child (trunk, wasm-bindgen-test-runner, …) finds binaryen 132 before `/usr/bin/wasm-opt`.
pub fn put_tools_on_path() {
    let mut dirs = vec![npm_bin_dir()];
    dirs.extend(cargo_bin_dir());
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    if let Ok(joined) = std::env::join_paths(dirs) {
        // Single-threaded at this point: nothing else reads the environment concurrently.
        std::env::set_var("PATH", joined);
    }
}

/// The first executable called `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn version_of(program: impl AsRef<std::ffi::OsStr>) -> Option<String> {
    output_of(Command::new(program).arg("--version"))
}

fn is_root() -> bool {
    output_of(Command::new("id").arg("-u")).as_deref() == Some("0")
}

fn report(tool: &str, outcome: &str, started: Instant) {
    println!(
        "  {tool:<28} {outcome} ({})",
        format_duration(started.elapsed())
    );
}

/// Installs whatever is missing; with `browser`, also Chromium and chromedriver.
pub fn setup(browser: bool) -> Result<(), String> {
    println!("setup: npm tools in {}", tools_dir().display());
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    ensure_wasm_opt()?;
    ensure_esbuild()?;
    if browser {
        ensure_browser()?;
        ensure_ruby()?;
    }
    Ok(())
}

/// Debian's Ruby and rubocop for the SketchUp extension's checks (`sketchup/test/check.rb`):
/// minitest comes with Ruby, and rubocop brings the `parser` gem whose Ruby 2.5 grammar they use.
fn ensure_ruby() -> Result<(), String> {
    let why = "the SketchUp extension's tests need Debian's ruby and rubocop";
    ensure_apt_tool("ruby", "ruby", why)?;
    ensure_apt_tool("rubocop", "rubocop", why)
}

fn ensure_wasm_target() -> Result<(), String> {
    ensure_rust_target(WASM_TARGET)
}

/// `rustup target add <target>` unless the toolchain already has it.
pub fn ensure_rust_target(target: &str) -> Result<(), String> {
    let started = Instant::now();
    let installed = output_of(Command::new("rustup").args(["target", "list", "--installed"]))
        .is_some_and(|list| list.lines().any(|l| l.trim() == target))
        || output_of(Command::new("rustc").args(["--print", "sysroot"])).is_some_and(|sysroot| {
            Path::new(&sysroot)
                .join("lib/rustlib")
                .join(target)
                .is_dir()
        });
    if installed {
        report(target, "found", started);
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", target]))
        .map_err(|e| format!("{e}\n(is rustup installed? see https://rustup.rs)"))?;
    report(target, "installed with rustup", started);
    Ok(())
}

/// Installs Debian's `package` with apt-get unless `program` (a name on PATH or an absolute
/// path) is already there; `why` says what needs it.
pub fn ensure_apt_tool(program: &str, package: &str, why: &str) -> Result<(), String> {
    let started = Instant::now();
    let present = || {
        if Path::new(program).is_absolute() {
            Path::new(program).is_file()
        } else {
            which(program).is_some()
        }
    };
    let tool = format!("{program} ({package})");
    if present() {
        report(&tool, "found", started);
        return Ok(());
    }
    apt_install(&[package], why)?;
    if !present() {
        return Err(format!(
            "apt-get installed {package} but {program} is still missing"
        ));
    }
    report(&tool, "installed with apt-get", started);
    Ok(())
}

fn ensure_trunk() -> Result<(), String> {
    let started = Instant::now();
    let wanted = format!("trunk {TRUNK_VERSION}");
    let tool = format!("trunk {TRUNK_VERSION}");
    if version_of("trunk").as_deref() == Some(wanted.as_str()) {
        report(&tool, "found", started);
        return Ok(());
    }
    println!("  {tool:<28} installing with cargo install (about 5 min on 2 cores)…");
    let version = format!("={TRUNK_VERSION}");
    run(cargo().args(["install", "trunk", "--version", &version, "--locked"]))?;
    match version_of("trunk") {
        Some(v) if v == wanted => {
            report(&tool, "installed with cargo install", started);
            Ok(())
        }
        other => Err(format!(
            "after installing, `trunk --version` says {other:?} (from {:?}), not `{wanted}`",
            which("trunk")
        )),
    }
}

fn wasm_bindgen_ok() -> bool {
    let wanted = |name: &str| format!("{name} {WASM_BINDGEN_VERSION}");
    version_of("wasm-bindgen").as_deref() == Some(wanted("wasm-bindgen").as_str())
        && version_of("wasm-bindgen-test-runner")
            .is_some_and(|v| v == wanted("wasm-bindgen-test-runner"))
}

fn ensure_wasm_bindgen() -> Result<(), String> {
    let started = Instant::now();
    let tool = format!("wasm-bindgen {WASM_BINDGEN_VERSION}");
    if wasm_bindgen_ok() {
        report(&tool, "found", started);
        return Ok(());
    }
    println!("  {tool:<28} installing with cargo install (about 4 min on 2 cores)…");
    let version = format!("={WASM_BINDGEN_VERSION}");
    let install = |locked: bool| {
        let mut cmd = cargo();
        cmd.args(["install", "wasm-bindgen-cli", "--version", &version]);
        if locked {
            cmd.arg("--locked");
        }
        run(&mut cmd)
    };
    // Its lock file wants a webpki-roots the registry no longer has; unlocked resolution builds.
    if let Err(e) = install(true) {
        println!("  {tool:<28} --locked failed ({e}); retrying without --locked");
        install(false)?;
    }
    if !wasm_bindgen_ok() {
        return Err(format!(
            "after installing, `wasm-bindgen --version` says {:?} (from {:?}), not {WASM_BINDGEN_VERSION}",
            version_of("wasm-bindgen"),
            which("wasm-bindgen")
        ));
    }
    report(&tool, "installed with cargo install", started);
    Ok(())
}

fn ensure_wasm_opt() -> Result<(), String> {
    let started = Instant::now();
    let tool = format!("wasm-opt ({BINARYEN_NPM})");
    let ours = npm_bin_dir().join("wasm-opt");
    let outcome = if version_of(&ours).is_some_and(|v| v.contains(WASM_OPT_VERSION)) {
        "found"
    } else {
        npm_install(BINARYEN_NPM)?;
        "installed with npm"
    };
    // Whatever trunk will find on PATH must be binaryen 132, never Debian's 108.
    let resolved = which("wasm-opt");
    let version = version_of("wasm-opt");
    if resolved.as_deref() != Some(ours.as_path())
        || !version
            .as_deref()
            .is_some_and(|v| v.contains(WASM_OPT_VERSION))
    {
        return Err(format!(
            "wasm-opt on PATH is {resolved:?} reporting {version:?}; expected {} reporting \
             `{WASM_OPT_VERSION}`. Debian's binaryen produces broken wasm: remove {} and run \
             `cargo xtask setup` again",
            ours.display(),
            tools_dir().display()
        ));
    }
    report(&tool, outcome, started);
    Ok(())
}

/// `npm install <package>` into the tools folder (npm and node first, if missing).
fn npm_install(package: &str) -> Result<(), String> {
    ensure_npm()?;
    let dir = tools_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    run(Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(&dir)
        .args(["--no-audit", "--no-fund", package]))
}

/// Our esbuild, pinned, from npm (a single native binary; nothing else on PATH is used).
pub fn esbuild() -> PathBuf {
    npm_bin_dir().join("esbuild")
}

fn ensure_esbuild() -> Result<(), String> {
    let started = Instant::now();
    let tool = format!("esbuild ({ESBUILD_NPM})");
    let outcome = if version_of(esbuild()).is_some_and(|v| v.trim() == ESBUILD_VERSION) {
        "found"
    } else {
        npm_install(ESBUILD_NPM)?;
        match version_of(esbuild()) {
            Some(v) if v.trim() == ESBUILD_VERSION => {}
            other => {
                return Err(format!(
                    "{} reports {other:?} after npm install; expected {ESBUILD_VERSION}",
                    esbuild().display()
                ))
            }
        }
        "installed with npm"
    };
    report(&tool, outcome, started);
    Ok(())
}

/// `apt-get update && apt-get install -y <packages>` when root; otherwise the exact command.
fn apt_install(packages: &[&str], why: &str) -> Result<(), String> {
    let command = format!(
        "apt-get update && apt-get install -y {}",
        packages.join(" ")
    );
    if !is_root() {
        return Err(format!(
            "{why}. Install it with:\n\n    sudo {}\n\nthen run this command again",
            command.replace("&& apt-get", "&& sudo apt-get")
        ));
    }
    let apt = |args: &[&str]| {
        run(Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(std::process::Stdio::null()))
    };
    apt(&["update"])
        .and_then(|()| apt(&[&["install", "-y"][..], packages].concat()))
        .map_err(|e| {
            format!("{why}, and installing it failed: {e}\nRun by hand:\n\n    {command}\n")
        })
}

fn ensure_npm() -> Result<(), String> {
    if version_of("npm").is_some() && version_of("node").is_some() {
        return Ok(());
    }
    let started = Instant::now();
    apt_install(
        &["nodejs", "npm"],
        "npm and node are needed to install binaryen",
    )?;
    report("nodejs + npm", "installed with apt-get", started);
    Ok(())
}

fn ensure_browser() -> Result<(), String> {
    let started = Instant::now();
    let present = || {
        [CHROMIUM, CHROMEDRIVER, CJK_FONT]
            .iter()
            .all(|f| Path::new(f).is_file())
    };
    let outcome = if present() {
        "found"
    } else {
        apt_install(
            &["chromium", "chromium-driver", "fonts-noto-cjk"],
            &format!("browser tests need {CHROMIUM}, {CHROMEDRIVER} and a CJK font"),
        )?;
        if !present() {
            return Err(format!(
                "apt-get finished but {CHROMIUM}, {CHROMEDRIVER} or {CJK_FONT} is still missing"
            ));
        }
        "installed with apt-get"
    };
    let driver =
        version_of(CHROMEDRIVER).unwrap_or_else(|| "chromedriver (version unknown)".into());
    report(
        "chromium + chromedriver + CJK font",
        &format!("{outcome}: {driver}"),
        started,
    );
    Ok(())
}
