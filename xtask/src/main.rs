//! `cargo xtask <command>`: the project's set-up, build, serve and test entry points.
//!
//! Everything a fresh Debian machine needs is installed by `setup` (see
//! `../shared/toolchain.md` for why each version is pinned), so the README can stay at two
//! commands: `cargo xtask serve` and `cargo xtask test`.

mod bench;
mod budget;
mod compress;
mod csp;
mod disk;
mod inline_css;
mod minify_js;
mod package;
mod sizes;
mod split;
mod steps;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use steps::{cargo, run, Steps};

const USAGE: &str = "\
usage: cargo xtask <command>

  setup [--browser]   install the pinned toolchain (and Chromium + chromedriver, Ruby + rubocop
                      for the SketchUp extension's checks, with --browser)
  build               setup, release build with trunk, CSP, .gz/.br siblings, size table of dist/
  serve [--port 8080] [--host 127.0.0.1] [--relay [cn|ai|URL]] [--fast-poll] [server flags…]
                      build, then run the local server in the foreground: the simulator, or
                      with --relay the relay to both sites (/cn, /ai), or to one upstream
  test [--lean]       setup --browser, the SketchUp extension's checks (sketchup/test/check.rb),
                      fmt, clippy, browser tests, release build,
                      byte budget (size-budget.toml), package (Linux, Windows), native + e2e
                      tests, the packaged binary end to end, the .exe under wine; --lean (what
                      CI uses, and the default when under 6 GiB is free) deletes each build's
                      outputs once no later step needs them
  bench [--runs 7]    release build, then bytes, first paint, polling, upload prep and memory;
                      prints the tables and writes BENCHMARKS.md
  budget              check the last build (dist/) against size-budget.toml, without building
  by-crate <wasm> [--save DESCRIPTION]
                      an un-optimised wasm's bytes by crate (twiggy); --save keeps it as the
                      before-figures the bench compares with
  package [--windows|--all] [--target TRIPLE] [--use-dist]
                      release build, then the server with dist/ embedded, as one file per
                      system in target/package/ with SHA256SUMS: Linux (static musl) by
                      default, Windows with --windows, both with --all; --use-dist packages
                      the dist/ already there (macOS targets: on a Mac, with --use-dist)
  test-windows [--use-dist]
                      package --windows, then start the .exe under wine (Debian's wine64, a
                      prefix in target/wine-prefix) as a relay to the simulator
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    // Children (trunk, cargo, wasm-bindgen-test-runner) must find the pinned tools first.
    tools::put_tools_on_path();

    let result = match args.first().map(String::as_str) {
        Some("setup") => tools::setup(args[1..].iter().any(|a| a == "--browser")),
        Some("build") => build(&root),
        Some("serve") => serve(&root, &args[1..]),
        Some("test") => test(&root, &args[1..]),
        Some("bench") => bench::bench(&root, &args[1..]),
        Some("by-crate") => bench::by_crate_command(&root, &args[1..]),
        Some("budget") => budget::check(&root),
        Some("package") => package::command(&root, &args[1..]),
        Some("test-windows") => test_windows(&root, &args[1..]),
        Some("help" | "-h" | "--help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: this crate lives in `<root>/xtask`.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().unwrap_or(manifest);
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

/// `trunk build --release`, the stylesheet inlined, the CSP, the precompressed `.gz`/`.br` siblings (last: they must
/// hold the final bytes), then the size table. Assumes `setup` has run.
fn release_build(root: &Path) -> Result<(), String> {
    let mut trunk = Command::new("trunk");
    trunk
        .args(["build", "--release", "--features=split"])
        .current_dir(root)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        // Added to .cargo/config.toml's flags for this target (cargo merges the two lists).
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            split::RUSTFLAGS,
        );
    run(&mut trunk)?;
    let dist = root.join("dist");
    split::apply(root, &dist)?;
    minify_js::apply(&dist)?;
    inline_css::apply(&dist)?;
    csp::apply(&dist.join("index.html"))?;
    compress::apply(&dist)?;
    sizes::print_table(&dist)
}

fn build(root: &Path) -> Result<(), String> {
    tools::setup(false)?;
    release_build(root)
}

fn serve(root: &Path, args: &[String]) -> Result<(), String> {
    let mut port = "8080".to_string();
    let mut host = "127.0.0.1".to_string();
    let mut passthrough = Vec::new();
    // The server's own default is the relay to both sites (what a double-click on the one-file
    // app wants); here it stays the simulator unless `--relay` is given. `--relay` alone: both
    // sites (/cn, /ai); `--relay cn|ai|URL`: that one upstream.
    let mut mode = Some("--simulator");
    let mut it = args.iter().peekable();
    while let Some(arg) = it.next() {
        if arg == "--relay" {
            mode = None;
            if it.peek().is_some_and(|next| !next.starts_with("--")) {
                passthrough.push(arg.clone());
                passthrough.extend(it.next().cloned());
            }
            continue;
        }
        if arg == "--simulator" {
            continue;
        }
        if arg.starts_with("--relay=") {
            mode = None;
        }
        let mut value_of = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--port" => port = value_of("--port")?,
            "--host" => host = value_of("--host")?,
            _ => {
                if let Some(v) = arg.strip_prefix("--port=") {
                    port = v.to_string();
                } else if let Some(v) = arg.strip_prefix("--host=") {
                    host = v.to_string();
                } else {
                    passthrough.push(arg.clone());
                }
            }
        }
    }

    build(root)?;
    let dist = root.join("dist");
    println!("\nSU Render: starting the local server at http://{host}:{port}/ (Ctrl-C stops it)\n");
    let mut server = cargo();
    server
        .args(["run", "--quiet", "-p", "su-render-server", "--"])
        .arg("--dist")
        .arg(&dist)
        .args(["--port", &port, "--host", &host])
        .args(mode)
        .args(&passthrough)
        .current_dir(root);
    run(&mut server)
}

/// `cargo xtask test-windows`: the Windows package, started under wine against the simulator.
fn test_windows(root: &Path, args: &[String]) -> Result<(), String> {
    if let Some(other) = args.iter().find(|a| *a != "--use-dist") {
        return Err(format!(
            "unknown flag `{other}` for test-windows\n\n{USAGE}"
        ));
    }
    let app = if args.is_empty() {
        package::App::Build
    } else {
        package::App::Ready
    };
    let mut steps = Steps::watching_disk(root);
    let result = (|| {
        let mut wine = None;
        steps.step("setup (wine64, its prefix)", || {
            wine = Some(package::setup_wine(root)?);
            Ok(())
        })?;
        let mut exe = None;
        steps.step("package (Windows x86_64, mingw-w64)", || {
            let built = package::build(root, &[package::WINDOWS], app)?;
            exe = built.into_iter().next().map(|p| p.path);
            Ok(())
        })?;
        let (Some(exe), Some(wine)) = (exe, wine) else {
            return Err("no Windows binary or no wine".to_string());
        };
        steps.command(
            "Windows .exe under wine (relay to the simulator)",
            &mut package::wine_test_command(root, &exe, &wine),
        )
    })();
    steps.print_summary();
    result
}

fn test(root: &Path, args: &[String]) -> Result<(), String> {
    if let Some(other) = args.iter().find(|a| *a != "--lean") {
        return Err(format!("unknown flag `{other}` for test\n\n{USAGE}"));
    }
    // This command is what CI runs, from nothing and once: incremental state is never read back
    // there, and it was a quarter of target/ (0.95 of 3.7 GiB). Set CARGO_INCREMENTAL to keep it.
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        std::env::set_var("CARGO_INCREMENTAL", "0");
    }
    let mut steps = Steps::watching_disk(root);
    let lean = disk::Lean::new(root, !args.is_empty());
    let dist = root.join("dist");

    let result = (|| {
        steps.step("setup (tools, Chromium, chromedriver, Ruby)", || {
            tools::setup(true)
        })?;
        // Seconds, and nothing else builds it: first, so a broken extension fails fast.
        steps.command(
            "SketchUp extension (Ruby tests, 2.5 syntax)",
            Command::new("ruby")
                .arg(root.join("sketchup/test/check.rb"))
                .current_dir(root),
        )?;
        steps.command(
            "cargo fmt --check",
            cargo().args(["fmt", "--all", "--check"]).current_dir(root),
        )?;
        steps.command(
            "clippy (native, all targets)",
            cargo()
                .args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ])
                .current_dir(root),
        )?;
        steps.command(
            "clippy (wasm32 app)",
            cargo()
                .args([
                    "clippy",
                    "-p",
                    "su-render",
                    "--target",
                    "wasm32-unknown-unknown",
                    "--all-targets",
                    // `split` is what ships (src/components/parts.rs); the browser tests build
                    // the other side of its `cfg`s.
                    "--features=split",
                    "--",
                    "-D",
                    "warnings",
                ])
                .current_dir(root),
        )?;
        steps.command(
            "browser tests (wasm-bindgen-test in Chromium)",
            cargo()
                .args([
                    "test",
                    "-p",
                    "su-render",
                    "--target",
                    "wasm32-unknown-unknown",
                ])
                .env("CHROMEDRIVER", tools::CHROMEDRIVER)
                .current_dir(root),
        )?;
        lean.done_with("wasm32-unknown-unknown/debug")?;
        steps.step("release build + sizes", || {
            release_build(root)?;
            // dist/ holds everything the later steps serve; the host tools and the wasm before
            // wasm-bindgen are not read again.
            lean.done_with("release")?;
            lean.done_with("wasm32-unknown-unknown/release")
        })?;
        steps.step("byte budget (size-budget.toml)", || budget::check(root))?;
        // The one-file app: dist/ (just built) compiled into the static Linux server and the
        // Windows .exe. Their build outputs are not read again once the binaries are copied to
        // target/package/.
        let (mut linux, mut windows) = (None, None);
        steps.step("package (Linux musl, Windows mingw-w64)", || {
            let targets = [package::LINUX, package::WINDOWS];
            for built in package::build(root, &targets, package::App::Ready)? {
                match built.target {
                    package::LINUX => linux = Some(built.path),
                    _ => windows = Some(built.path),
                }
            }
            for target in targets {
                lean.done_with(&format!("{}/{}", target.triple, package::PROFILE))?;
            }
            lean.done_with(package::PROFILE)
        })?;
        // One `cargo test --workspace` for the native and the end-to-end tests, after the release
        // build they serve: cargo resolves features per selection of packages, so a second
        // selection (`-p su-render-e2e` after `--exclude su-render-e2e`) rebuilt 62 crates, tokio
        // and syn among them, and wrote a second copy of them to the disk.
        steps.command(
            "native + end-to-end tests (fantoccini + chromedriver)",
            cargo()
                .args(["test", "--workspace", "--", "--test-threads=2"])
                .env("SU_RENDER_DIST", &dist)
                .current_dir(root),
        )?;
        // After the step above, which compiled everything they need: the same package selection
        // (`--workspace`), so nothing is compiled again (measured: 0.4 s to "Finished"). Ignored
        // in a plain `cargo test`.
        let linux = linux.ok_or("the package step built no Linux binary")?;
        steps.command(
            "packaged binary end to end (relay, Chromium)",
            &mut package::linux_test_command(root, &linux),
        )?;
        let windows = windows.ok_or("the package step built no Windows binary")?;
        steps.step("Windows .exe under wine (relay)", || {
            let wine = package::setup_wine(root)?;
            run(&mut package::wine_test_command(root, &windows, &wine))?;
            // 0.7 GiB of Windows system files, made again in 25 s.
            lean.done_with("wine-prefix")
        })
    })();

    steps.print_summary();
    result
}
