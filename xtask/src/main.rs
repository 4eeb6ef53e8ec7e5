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
mod files;
mod inline_css;
mod minify_js;
mod package;
mod process;
/// The SketchUp extension's `.rbz`, made as the server's build.rs makes it (the same file).
#[path = "../../server/src/rbz.rs"]
mod rbz;
mod sizes;
mod split;
mod steps;
mod tools;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{CommandFactory, Parser, Subcommand};

use process::{cargo, run};
use steps::Steps;

/// The project's set-up, build, serve and test entry points.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Option<Task>,
}

// The help texts keep their line breaks (`verbatim_doc_comment`): clap is built without
// `wrap_help`, and the explanations read as they were laid out.
#[derive(Debug, Subcommand)]
enum Task {
    /// install the pinned toolchain (and Chromium + chromedriver, Ruby + rubocop
    /// for the SketchUp extension's checks, with --browser)
    #[command(verbatim_doc_comment)]
    Setup {
        /// also install Chromium and chromedriver, Ruby and rubocop
        #[arg(long)]
        browser: bool,
    },
    /// setup, release build with trunk, CSP, .gz/.br siblings, size table of dist/
    Build,
    /// build, then run the local server in the foreground: the simulator, or
    /// with --relay the relay to both sites (/cn, /ai), or to one upstream
    #[command(verbatim_doc_comment)]
    Serve(ServeArgs),
    /// setup --browser, the SketchUp extension's checks (sketchup/test/check.rb),
    /// fmt, clippy, browser tests, release build,
    /// byte budget (size-budget.toml), package (Linux, Windows), native + e2e
    /// tests, the packaged binary end to end (the SketchUp extension sending to
    /// its inbox too), the .exe under wine
    #[command(verbatim_doc_comment)]
    Test {
        /// (what CI uses, and the default when under 6 GiB is free) delete each
        /// build's outputs once no later step needs them
        #[arg(long, verbatim_doc_comment)]
        lean: bool,
    },
    /// release build, then bytes, first paint, polling, upload prep, memory and
    /// the relay; prints the tables and writes BENCHMARKS.md (`--only relay`
    /// builds no page: the server binary relaying polls, SU_RENDER_PACKAGED_BIN's
    /// or a release build)
    #[command(verbatim_doc_comment)]
    Bench(bench::Args),
    /// check the last build (dist/) against size-budget.toml, without building
    Budget,
    /// an un-optimised wasm's bytes by crate (twiggy); --save keeps it as the
    /// before-figures the bench compares with
    #[command(verbatim_doc_comment)]
    ByCrate {
        /// the un-optimised .wasm
        wasm: PathBuf,
        /// keep the table as the bench's baseline, described as this
        #[arg(long, value_name = "DESCRIPTION")]
        save: Option<String>,
    },
    /// release build, then the server with dist/ embedded, as one file per
    /// system in target/package/ with SHA256SUMS: Linux (static musl) by
    /// default, Windows with --windows, both with --all; --use-dist packages
    /// the dist/ already there (macOS targets: on a Mac, with --use-dist)
    #[command(verbatim_doc_comment)]
    Package(package::Args),
    /// package --windows, then start the .exe under wine (Debian's wine64, a
    /// prefix in target/wine-prefix) as a relay to the simulator
    #[command(verbatim_doc_comment)]
    TestWindows {
        /// package the dist/ already there instead of building it
        #[arg(long)]
        use_dist: bool,
    },
}

/// `cargo xtask serve`'s own flags; the rest go to the server as they are.
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// the port to listen on
    #[arg(long, value_name = "N", default_value_t = 8080)]
    port: u16,
    /// the address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    host: IpAddr,
    /// the relay instead of the simulator: to both sites (/cn, /ai), or
    /// with a value to that one upstream
    #[arg(long, value_name = "cn|ai|URL", num_args = 0..=1, verbatim_doc_comment)]
    relay: Option<Option<String>>,
    /// the default here (the server's own default is the relay)
    #[arg(long, hide = true)]
    simulator: bool,
    /// the server's flags (such as --fast-poll), after the ones above, passed
    /// on as they are; see `cargo run -p su-render-server -- --help`
    #[arg(
        value_name = "SERVER FLAGS",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    server: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    // Children (trunk, cargo, wasm-bindgen-test-runner) must find the pinned tools first.
    tools::put_tools_on_path();

    let result = match cli.task {
        Some(Task::Setup { browser }) => tools::setup(browser),
        Some(Task::Build) => build(&root),
        Some(Task::Serve(args)) => serve(&root, args),
        Some(Task::Test { lean }) => test(&root, lean),
        Some(Task::Bench(args)) => bench::bench(&root, args),
        Some(Task::ByCrate { wasm, save }) => bench::by_crate_command(&root, &wasm, save),
        Some(Task::Budget) => budget::check(&root),
        Some(Task::Package(args)) => package::command(&root, args),
        Some(Task::TestWindows { use_dist }) => test_windows(&root, use_dist),
        None => Cli::command().print_help().map_err(|e| e.to_string()),
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

impl ServeArgs {
    /// The server's command line after `--dist`.
    fn server_flags(&self) -> Result<Vec<String>, String> {
        // clap passes everything from the first server flag on to the server: one of ours
        // among them would reach the server twice (which it refuses), after a whole build.
        let own = ["--port", "--host", "--relay", "--simulator"];
        let misplaced = self.server.iter().find(|flag| {
            let name = flag.split_once('=').map_or(flag.as_str(), |(name, _)| name);
            own.contains(&name)
        });
        if let Some(flag) = misplaced {
            return Err(format!(
                "`{flag}` comes after a server flag: put `cargo xtask serve`'s own flags \
                 (--port, --host, --relay) before the server's"
            ));
        }
        let mut flags = vec![
            "--port".to_string(),
            self.port.to_string(),
            "--host".to_string(),
            self.host.to_string(),
        ];
        // The server's own default is the relay to both sites (what a double-click on the
        // one-file app wants); here it stays the simulator unless `--relay` is given. `--relay`
        // alone: both sites (/cn, /ai); `--relay cn|ai|URL`: that one upstream.
        match &self.relay {
            None => flags.push("--simulator".to_string()),
            Some(None) => {}
            // clap hands `--relay --fast-poll` the server flag as the relay's value (the server
            // flags may start with a hyphen): it is the first server flag, and `--relay` is alone.
            Some(Some(flag)) if flag.starts_with('-') => flags.push(flag.clone()),
            Some(Some(upstream)) => flags.extend(["--relay".to_string(), upstream.clone()]),
        }
        flags.extend(self.server.iter().cloned());
        Ok(flags)
    }
}

fn serve(root: &Path, args: ServeArgs) -> Result<(), String> {
    let flags = args.server_flags()?;
    build(root)?;
    let dist = root.join("dist");
    let ServeArgs { host, port, .. } = &args;
    println!("\nSU Render: starting the local server at http://{host}:{port}/ (Ctrl-C stops it)\n");
    let mut server = cargo();
    server
        .args(["run", "--quiet", "-p", "su-render-server", "--"])
        .arg("--dist")
        .arg(&dist)
        .args(flags)
        .current_dir(root);
    run(&mut server)
}

/// `cargo xtask test-windows`: the Windows package, started under wine against the simulator.
fn test_windows(root: &Path, use_dist: bool) -> Result<(), String> {
    let app = if use_dist {
        package::App::Ready
    } else {
        package::App::Build
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

fn test(root: &Path, lean: bool) -> Result<(), String> {
    // This command is what CI runs, from nothing and once: incremental state is never read back
    // there, and it was a quarter of target/ (0.95 of 3.7 GiB). Set CARGO_INCREMENTAL to keep it.
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        std::env::set_var("CARGO_INCREMENTAL", "0");
    }
    let mut steps = Steps::watching_disk(root);
    let lean = disk::Lean::new(root, lean);
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
        // The extension's own tests once more, now with a real app to send to: its stand-in
        // for `Sketchup::Http::Request` makes real requests, so a captured picture goes to the
        // packaged binary's inbox, and the `.rbz` the package step wrote is checked against
        // the sources byte for byte.
        let mut extension = Command::new("ruby");
        extension
            .arg(root.join("sketchup/test/check.rb"))
            .env("SU_RENDER_SERVER_BIN", &linux)
            .current_dir(root);
        let rbz = linux.parent().and_then(|dir| {
            std::fs::read_dir(dir)
                .ok()?
                .filter_map(|entry| Some(entry.ok()?.path()))
                .find(|path| path.extension().is_some_and(|ext| ext == "rbz"))
        });
        extension.args(rbz);
        steps.command(
            "SketchUp extension against the packaged app (real inbox, .rbz)",
            &mut extension,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// What `cargo xtask serve <args>` starts the server with.
    fn server_flags(args: &[&str]) -> Result<Vec<String>, String> {
        let argv = ["cargo xtask", "serve"]
            .into_iter()
            .chain(args.iter().copied());
        match Cli::try_parse_from(argv) {
            Ok(Cli {
                task: Some(Task::Serve(serve)),
            }) => serve.server_flags(),
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn serve_reads_its_own_flags_and_passes_the_others_on() {
        let flags = |args: &[&str]| server_flags(args).expect("valid");
        assert_eq!(
            flags(&[]),
            ["--port", "8080", "--host", "127.0.0.1", "--simulator"]
        );
        assert_eq!(
            flags(&[
                "--port",
                "9000",
                "--host=0.0.0.0",
                "--fast-poll",
                "--queue-ms",
                "500"
            ]),
            [
                "--port",
                "9000",
                "--host",
                "0.0.0.0",
                "--simulator",
                "--fast-poll",
                "--queue-ms",
                "500"
            ]
        );
        // `--relay` takes a value only when one follows it.
        assert_eq!(
            flags(&["--relay", "--no-open"]),
            ["--port", "8080", "--host", "127.0.0.1", "--no-open"]
        );
        for relay in [&["--relay", "cn"][..], &["--relay=cn"]] {
            assert_eq!(
                flags(relay),
                ["--port", "8080", "--host", "127.0.0.1", "--relay", "cn"]
            );
        }
        // Ours after a server flag would reach the server twice: refused before the build.
        for late in [
            &["--fast-poll", "--port", "9000"][..],
            &["--no-open", "--relay=ai"],
        ] {
            let error = server_flags(late).expect_err("misplaced");
            assert!(error.contains("before the server's"), "{error}");
        }
    }
}
