//! `cargo xtask bench [--runs N] [--only memory,…]`: the release build's bytes (raw, gzip -9,
//! brotli 11), the byte budget, the browser measurements of the `su-render-bench` crate, and what
//! the wasm is made of; printed and written to `BENCHMARKS.md` with the machine and tool
//! versions. `--only` runs just the named measurements (`paint`, `throttled`, `polling`,
//! `latency`, `upload`, `memory`, `history`, and `relay`, which needs no browser and no page
//! build: the server binary relaying polls, see `bench/src/relay.rs`) and replaces only their
//! sections of `BENCHMARKS.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::budget;
use crate::files::kib;
use crate::process::{cargo, output_of, run};
use crate::sizes;
use crate::split;
use crate::tools;

/// Issue 12's figures for the first load, gzip KiB: "done" at or below the target, and the aim.
const ISSUE_TARGET_KIB: f64 = 250.0;
const ISSUE_AIM_KIB: f64 = 200.0;
/// Leptos' `hackernews` example (router, fetch, serde) built CSR with our profile and tools, gzip
/// KiB, as issue 12 gives it (measured outside this repository): what a comparable app reaches.
const HACKERNEWS_KIB: f64 = 171.0;
/// The wasm by crate at the start of issue 12, written by `cargo xtask by-crate <wasm> --save`,
/// so that the composition table shows what changed since.
const BASELINE_FILE: &str = "bench/wasm-by-crate-before.csv";
/// wasm-bindgen's output before wasm-opt: still named, and what the shipped wasm is made from.
const BINDGEN_WASM: &str = "target/wasm-bindgen/release/su-render_bg.wasm";
/// The minimal Leptos fetch-and-poll page the app's bytes are compared with, and where its
/// release build goes.
const FLOOR_CRATE: &str = "bench/floor";
const FLOOR_DIST: &str = "target/bench/floor-dist";

/// What `cargo xtask bench` was asked for.
#[derive(Debug, PartialEq, clap::Args)]
pub struct Args {
    /// runs of each browser measurement
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// just these measurements, such as `memory`, `paint,polling` or `relay`
    /// (names as `su-render-bench` takes them); their sections replace the
    /// same sections of BENCHMARKS.md, the rest of the file stays as it was
    #[arg(long, value_name = "LIST", value_parser = measurement_list, verbatim_doc_comment)]
    only: Option<String>,
}

fn measurement_list(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("--only wants a list such as `memory` or `paint,polling`".into());
    }
    Ok(value.to_string())
}

pub fn bench(root: &Path, args: Args) -> Result<(), String> {
    let Args { runs, only } = args;
    let named = |test: &dyn Fn(&str) -> bool| {
        only.as_deref()
            .is_none_or(|o| o.split(',').map(str::trim).any(test))
    };
    // `relay` measures the server binary: no browser tools, no page build.
    let page_wanted = named(&|m| m != "relay");
    let relay_wanted = named(&|m| m == "relay");
    let dist = root.join("dist");
    let (files, first) = if page_wanted {
        tools::setup(true)?;
        crate::release_build(root)?;
        println!("\nbench: bytes (gzip -9 and brotli 11)…");
        let files = sizes::measure(&dist, only.is_none())?;
        let first = sizes::total(&files, |f| f.first_load);
        (files, Some(first))
    } else {
        (Vec::new(), None)
    };
    let floor = match only {
        None => Some(floor_build(root)?),
        Some(_) => None,
    };

    let fragment = root.join("target/bench/browser.md");
    let _ = std::fs::remove_file(&fragment);
    println!("bench: browser measurements ({runs} runs each)…");
    let mut command = cargo();
    command
        .args(["run", "--quiet", "-p", "su-render-bench", "--"])
        .arg("--dist")
        .arg(&dist)
        .args(["--runs", &runs.to_string()])
        .arg("--out")
        .arg(&fragment)
        .current_dir(root);
    if let Some(first) = &first {
        command.args(["--same-size", &first.raw.to_string()]);
    }
    if let Some(only) = &only {
        command.args(["--only", only]);
    }
    if relay_wanted {
        command.arg("--server-bin").arg(server_binary(root)?);
    }
    let browser = run(&mut command);
    let browser_md = std::fs::read_to_string(&fragment).unwrap_or_else(|_| {
        format!(
            "\n_Browser measurements did not run: {}._\n",
            browser.as_ref().err().map_or("no output", String::as_str)
        )
    });

    let out = root.join("BENCHMARKS.md");
    let md = match &only {
        None => {
            let mut md = String::new();
            header(&mut md, root, runs);
            bytes_section(&mut md, &files, floor);
            budget_section(&mut md, root, &files, floor);
            md.push_str(&browser_md);
            composition_section(&mut md, root);
            md
        }
        Some(only) => {
            let old = std::fs::read_to_string(&out).unwrap_or_default();
            let note = format!(
                "_This section: `cargo xtask bench --only {only}`, {} (commit {})._",
                date(),
                commit(root)
            );
            splice_sections(&old, &browser_md, &note)
        }
    };
    std::fs::write(&out, &md).map_err(|e| format!("writing {}: {e}", out.display()))?;
    match &only {
        None => println!("\n{md}\nbench: written to {}", out.display()),
        Some(_) => println!(
            "\n{browser_md}\nbench: these sections replaced theirs in {}",
            out.display()
        ),
    }
    browser.map_err(|e| format!("some browser measurements failed: {e}"))
}

/// The server binary the relay measurement runs: the packaged one when `SU_RENDER_PACKAGED_BIN`
/// names it (what users run: static musl), else a release build of the server, made here.
fn server_binary(root: &Path) -> Result<PathBuf, String> {
    if let Some(packaged) = std::env::var_os("SU_RENDER_PACKAGED_BIN") {
        let packaged = PathBuf::from(packaged);
        if !packaged.is_file() {
            return Err(format!(
                "SU_RENDER_PACKAGED_BIN: {} is no file",
                packaged.display()
            ));
        }
        return Ok(packaged);
    }
    println!("bench: a release build of the server for the relay measurement…");
    run(cargo()
        .args(["build", "--release", "-p", "su-render-server"])
        .current_dir(root))?;
    Ok(root.join("target/release/su-render-server"))
}

/// Builds `bench/floor` (a minimal Leptos page that starts a render and polls for it) with the
/// same Trunk, wasm-bindgen, wasm-opt, profile and flags as the app, and returns its first load.
/// It answers "how much of our size is Leptos itself": no app with Leptos in its first view can
/// be smaller than this.
fn floor_build(root: &Path) -> Result<sizes::Totals, String> {
    println!("bench: building the minimal Leptos page ({FLOOR_CRATE}) for comparison…");
    let dist = root.join(FLOOR_DIST);
    let mut trunk = Command::new("trunk");
    trunk
        .args(["build", "--release", "--dist"])
        .arg(&dist)
        .current_dir(root.join(FLOOR_CRATE))
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    run(&mut trunk)?;
    // The app's JS glue is minified after Trunk; the floor's too, so both use the same tools.
    crate::minify_js::apply(&dist)?;
    let files = sizes::measure(&dist, true)?;
    Ok(sizes::total(&files, |f| f.first_load))
}

/// `## ` sections of a Markdown text: (heading line, the whole section with its heading).
fn sections(md: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in md.split_inclusive('\n') {
        if line.starts_with("## ") {
            out.push((line.trim_end().to_string(), String::new()));
        }
        if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
        }
    }
    out
}

/// `old` with each `## ` section of `fragment` in place of the section of the same heading (a
/// new one goes before "What the wasm is made of", else at the end); `note` is added to each
/// section replaced, since the header's date and commit are not theirs.
fn splice_sections(old: &str, fragment: &str, note: &str) -> String {
    let mut md = old.to_string();
    for (heading, body) in sections(fragment) {
        let body = format!("{}\n\n{note}\n\n", body.trim_end());
        let found = sections(&md).into_iter().find(|(h, _)| *h == heading);
        match found {
            Some((_, old_body)) => {
                if let Some(at) = md.find(&old_body) {
                    md.replace_range(at..at + old_body.len(), &body);
                }
            }
            None => {
                let at = md.find("## What the wasm is made of").unwrap_or(md.len());
                md.insert_str(at, &body);
            }
        }
    }
    md
}

fn date() -> String {
    output_of(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]))
        .unwrap_or_else(|| "unknown date".into())
}

/// The short commit, in backticks, and whether the tree had local changes.
fn commit(root: &Path) -> String {
    let commit = output_of(
        Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(root),
    )
    .unwrap_or_else(|| "?".into());
    let dirty = output_of(
        Command::new("git")
            .args(["status", "--porcelain"])
            .current_dir(root),
    )
    .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("`{commit}` plus local changes")
    } else {
        format!("`{commit}`")
    }
}

fn version(program: &str) -> String {
    output_of(Command::new(program).arg("--version"))
        .and_then(|v| v.lines().next().map(str::to_string))
        .unwrap_or_else(|| "not found".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

fn header(md: &mut String, root: &Path, runs: u32) {
    let date = date();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let commit = commit(root);
    let _ = writeln!(
        md,
        "# SU Render benchmarks\n\n\
         Written by `cargo xtask bench --runs {runs}` (do not edit by hand: run it again). \
         Times are medians and are compared as ratios; they vary from machine to machine and \
         run to run, and nothing asserts on them. Bytes are exact.\n\n\
         | | |\n|---|---|\n\
         | date | {date} (commit {commit}) |\n\
         | CPU | {} × {cores} cores |\n\
         | rustc | {} |\n| trunk | {} |\n| wasm-bindgen | {} |\n| wasm-opt | {} |\n\
         | browser | {} / {} |",
        cpu_model(),
        version("rustc"),
        version("trunk"),
        version("wasm-bindgen"),
        version("wasm-opt"),
        version(tools::CHROMIUM),
        version(tools::CHROMEDRIVER),
    );
}

fn bytes_section(md: &mut String, files: &[sizes::FileSize], floor: Option<sizes::Totals>) {
    let _ = writeln!(
        md,
        "\n## Bytes\n\nThe release build in `dist/`. First load: `index.html` and everything it \
         references (the JS glue and the parts' loader, the preloaded wasm); the stylesheet is \
         inside `index.html`. The other wasm files are the parts of the split build, fetched \
         when the page first shows one (below).\n\n\
         | first load | files | raw | gzip -9 | brotli 11 |\n|---|---:|---:|---:|---:|"
    );
    let row = |md: &mut String, label: &str, t: sizes::Totals| {
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} | {} |",
            t.files,
            kib(t.raw),
            kib(t.gzip),
            kib(t.brotli)
        );
    };
    for (kind, totals) in sizes::by_kind(files, |f| f.first_load) {
        let label = match kind {
            "JS" => "JS glue",
            other => other,
        };
        row(md, label, totals);
    }
    let first = sizes::total(files, |f| f.first_load);
    let _ = writeln!(
        md,
        "| **total first load** | {} | **{}** | **{}** | **{}** |",
        first.files,
        kib(first.raw),
        kib(first.gzip),
        kib(first.brotli)
    );
    let rest = sizes::total(files, |f| !f.first_load);
    if rest.files > 0 {
        row(md, "parts (fetched when first shown)", rest);
    }
    if let Some(floor) = floor {
        row(
            md,
            &format!("minimal Leptos fetch-and-poll page (`{FLOOR_CRATE}`), same tools"),
            floor,
        );
        let _ = writeln!(
            md,
            "\nThe app's first load is **{:.1}×** the minimal Leptos page (gzip), {:.1}× with \
             brotli. That page only starts a render and polls for it: no upload, shrinking, \
             history, batches, compare view, share links or translations.",
            first.gzip as f64 / floor.gzip.max(1) as f64,
            first.brotli as f64 / floor.brotli.max(1) as f64,
        );
    }
    parts_table(md, files);
}

/// The split build's parts (src/components/parts.rs), with when the page fetches each.
fn parts_table(md: &mut String, files: &[sizes::FileSize]) {
    let parts: Vec<&sizes::FileSize> = files.iter().filter(|f| !f.first_load).collect();
    if parts.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n| part | gzip -9 | fetched when |\n|---|---:|---|");
    for part in parts {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} |",
            part.name,
            kib(part.gzip),
            fetched_when(&part.name)
        );
    }
}

/// When the page fetches a part, from the name `#[wasm_split]` gave it.
fn fetched_when(name: &str) -> &'static str {
    const WHEN: [(&str, &str); 13] = [
        (
            "split_su_job",
            "a render starts, or ahead of it while a chosen picture uploads",
        ),
        ("split_su_history", "the journal holds a render"),
        ("split_su_records", "the journal's records are first read"),
        ("split_su_app", "another app's inputs are loaded"),
        ("split_su_batch", "a batch starts"),
        (
            "split_su_multi",
            "several pictures are chosen (the batch's settings)",
        ),
        ("split_su_shared", "a share link carries a result"),
        ("split_su_guide", "a call was found blocked (the guide)"),
        (
            "split_su_consent",
            "a server that is not RunningHub waits for consent",
        ),
        ("split_su_advanced", "the form's Advanced is opened or set"),
        ("split_su_english", "the page shows English"),
        (
            "split_su_account",
            "a key was checked (its balance, or the site that knows it)",
        ),
        (
            "split_su_sketchup",
            "\"From SketchUp\" is opened, or at once where the app has an inbox (the one-file app)",
        ),
    ];
    match WHEN.iter().find(|(part, _)| name.contains(part)) {
        Some((_, when)) => when,
        None if name.contains("-chunk_") => "with the parts that share it",
        None => "when the page first shows it (src/components/parts.rs)",
    }
}

fn budget_section(
    md: &mut String,
    root: &Path,
    files: &[sizes::FileSize],
    floor: Option<sizes::Totals>,
) {
    let first = sizes::total(files, |f| f.first_load);
    let wasm = sizes::total(files, |f| f.first_load && f.kind == "wasm");
    let now = first.gzip as f64 / 1024.0;
    let budget = match budget::read(root) {
        Ok(b) => format!(
            "{b} KiB: {}",
            if now <= b {
                format!("within it by {:.1} KiB", b - now)
            } else {
                format!("**over it by {:.1} KiB**", now - b)
            }
        ),
        Err(e) => format!("not readable ({e})"),
    };
    let verdict = |target: f64| {
        if now <= target {
            "met".to_string()
        } else {
            format!("**not met** ({:.1}× over)", now / target)
        }
    };
    let _ = writeln!(
        md,
        "\n## Byte budget\n\n\
         | | gzip -9 |\n|---|---|\n\
         | first load now | {now:.1} KiB |\n\
         | budget in `{}` (enforced by `cargo xtask test`) | {budget} |\n\
         | issue 12's target, ≤ {ISSUE_TARGET_KIB} KiB | {} |\n\
         | issue 12's aim, {ISSUE_AIM_KIB} KiB | {} |\n\n\
         The wasm is {:.0}% of it (gzip). The budget holds the size of the day it was set (plus \
         a little) so that growth fails the tests; lower it as bytes are won. What the wasm is \
         made of is at the end of this file.",
        budget::FILE,
        verdict(ISSUE_TARGET_KIB),
        verdict(ISSUE_AIM_KIB),
        100.0 * wasm.gzip as f64 / first.gzip.max(1) as f64,
    );
    let floor_text = floor.map_or(String::new(), |floor| {
        let floor_kib = floor.gzip as f64 / 1024.0;
        format!(
            "the minimal Leptos page (see Bytes) is {floor_kib:.1} KiB with the same tools \
             ({:.1}× it), ",
            now / floor_kib
        )
    });
    let _ = writeln!(
        md,
        "\nFor scale (gzip): {floor_text}and Leptos' `hackernews` example (router, fetch, serde) \
         built CSR with the same profile and tools is {HACKERNEWS_KIB} KiB as issue 12 measured it \
         ({:.1}× it).",
        now / HACKERNEWS_KIB
    );
}

/// The crate an item of `twiggy top` belongs to: `tachys::view::…` → `tachys`,
/// `<T as reactive_graph::…>::…` → `reactive_graph`, `core[hash]::fmt…` → `core`.
fn crate_of(item: &str) -> String {
    if item.starts_with("data segment") {
        return "data segments (strings, tables)".into();
    }
    let ident = |s: &str| -> String {
        s.trim_start_matches(['<', '&', '*', ' '])
            .trim_start_matches("mut ")
            .trim_start_matches("dyn ")
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let first = ident(item);
    // `<T as path::Trait>::f`: a generic's code belongs to the trait's crate.
    let generic = first.len() <= 2 && first.chars().all(|c| c.is_ascii_uppercase());
    match item.split_once(" as ") {
        Some((_, rest)) if generic => ident(rest),
        _ if first.is_empty() => "other".into(),
        _ if matches!(
            first.as_str(),
            "import" | "export" | "elem" | "table" | "type"
        ) =>
        {
            "wasm tables, imports, exports".into()
        }
        _ => first,
    }
}

/// The name and shallow size of each row of `twiggy top -f csv`.
fn csv_rows(csv: &str) -> Vec<(String, u64)> {
    let mut rows = Vec::new();
    for line in csv.lines().skip(1) {
        let (name, rest) = if let Some(quoted) = line.strip_prefix('"') {
            // A quoted field ends at a quote that is not doubled.
            let mut end = None;
            let bytes = quoted.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    end = Some(i);
                    break;
                }
                i += 1;
            }
            let Some(end) = end else { continue };
            (
                quoted[..end].replace("\"\"", "\""),
                quoted[end + 1..].trim_start_matches(','),
            )
        } else {
            match line.split_once(',') {
                Some((name, rest)) => (name.to_string(), rest),
                None => continue,
            }
        };
        if let Some(size) = rest.split(',').next().and_then(|s| s.parse().ok()) {
            rows.push((name, size));
        }
    }
    rows
}

/// Code and data bytes of an un-optimised wasm summed by crate (largest first), and their total.
/// Names and debug sections are left out: wasm-opt drops them from the shipped file.
pub fn by_crate(wasm: &Path) -> Option<(Vec<(String, u64)>, u64)> {
    let csv = output_of(
        Command::new("twiggy")
            .args(["top", "-n", "1000000", "-f", "csv"])
            .arg(wasm),
    )?;
    let mut sums: Vec<(String, u64)> = Vec::new();
    let mut total = 0;
    for (name, bytes) in csv_rows(&csv) {
        if name.starts_with("custom section") || name.contains("subsection") {
            continue;
        }
        total += bytes;
        let krate = crate_of(&name);
        match sums.iter_mut().find(|(k, _)| *k == krate) {
            Some((_, sum)) => *sum += bytes,
            None => sums.push((krate, bytes)),
        }
    }
    sums.sort_by_key(|(_, bytes)| std::cmp::Reverse(*bytes));
    Some((sums, total))
}

/// `cargo xtask by-crate <wasm> [--save "<what it was built from>"]`: the by-crate table of any
/// un-optimised wasm; `--save` keeps it as the baseline the bench compares with.
pub fn by_crate_command(root: &Path, wasm: &Path, save: Option<String>) -> Result<(), String> {
    let (sums, total) =
        by_crate(wasm).ok_or("twiggy failed (is it installed? `cargo install twiggy --locked`)")?;
    for (krate, bytes) in &sums {
        println!("{:>12}  {krate}", kib(*bytes));
    }
    println!("{:>12}  total", kib(total));
    if let Some(label) = save {
        let mut csv = format!("# {label}\n");
        for (krate, bytes) in &sums {
            let _ = writeln!(csv, "{krate},{bytes}");
        }
        std::fs::write(root.join(BASELINE_FILE), csv)
            .map_err(|e| format!("{BASELINE_FILE}: {e}"))?;
        println!("saved as {BASELINE_FILE}");
    }
    Ok(())
}

/// The baseline's description and its (crate, bytes) rows.
fn read_baseline(text: &str) -> (String, Vec<(String, u64)>) {
    let mut label = String::new();
    let mut rows = Vec::new();
    for line in text.lines() {
        if let Some(l) = line.strip_prefix("# ") {
            label = l.to_string();
        } else if let Some((krate, bytes)) = line.rsplit_once(',') {
            if let Ok(bytes) = bytes.trim().parse() {
                rows.push((krate.to_string(), bytes));
            }
        }
    }
    (label, rows)
}

fn composition_section(md: &mut String, root: &Path) {
    let wasm = [
        split::FIRST_VIEW_NAMED,
        BINDGEN_WASM,
        budget::UNOPTIMISED_WASM,
    ]
    .into_iter()
    .find(|p| root.join(p).is_file());
    let Some((wasm, (by_crate, total))) = wasm.and_then(|w| Some((w, by_crate(&root.join(w))?)))
    else {
        let _ = writeln!(
            md,
            "\n## What the wasm is made of\n\n_Not measured: needs twiggy \
             (`cargo install twiggy --locked`) and a release build._"
        );
        return;
    };
    let share = |bytes: u64| 100.0 * bytes as f64 / total.max(1) as f64;
    let framework: u64 = by_crate
        .iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "tachys" | "reactive_graph" | "leptos" | "leptos_macro"
            )
        })
        .map(|(_, b)| b)
        .sum();
    let _ = writeln!(
        md,
        "\n## What the wasm is made of\n\n`twiggy top` of `{wasm}` ({}wasm-bindgen's output before \
         wasm-opt, which shrinks it to the shipped file), code and data only, summed by crate: \
         {} in all. Leptos' rendering and reactivity (tachys, reactive_graph, leptos) are \
         **{:.0}%**.",
        if wasm == split::FIRST_VIEW_NAMED {
            "the first view's module, without the parts loaded on demand: "
        } else {
            ""
        },
        kib(total),
        share(framework)
    );
    let baseline = std::fs::read_to_string(root.join(BASELINE_FILE))
        .ok()
        .map(|t| read_baseline(&t));
    let Some((label, before)) = baseline else {
        let _ = writeln!(md, "\n| crate | bytes | share |\n|---|---:|---:|");
        for (krate, bytes) in by_crate.iter().take(12) {
            let _ = writeln!(md, "| {krate} | {} | {:.1}% |", kib(*bytes), share(*bytes));
        }
        return;
    };
    let before_total: u64 = before.iter().map(|(_, b)| b).sum();
    let _ = writeln!(
        md,
        "\nBefore: {label} (`{BASELINE_FILE}`).\n\n\
         | crate | before | now | change | share now |\n|---|---:|---:|---:|---:|"
    );
    let mut shown: Vec<&str> = by_crate.iter().take(14).map(|(k, _)| k.as_str()).collect();
    for (krate, _) in before.iter().take(14) {
        if !shown.contains(&krate.as_str()) {
            shown.push(krate);
        }
    }
    let find =
        |rows: &[(String, u64)], k: &str| rows.iter().find(|(c, _)| c == k).map_or(0, |(_, b)| *b);
    let change = |b: u64, a: u64| {
        let d = a as f64 - b as f64;
        format!(
            "{}{:.1} KiB",
            if d < 0.0 { "−" } else { "+" },
            d.abs() / 1024.0
        )
    };
    for krate in shown {
        let (b, a) = (find(&before, krate), find(&by_crate, krate));
        let _ = writeln!(
            md,
            "| {krate} | {} | {} | {} | {:.1}% |",
            kib(b),
            kib(a),
            change(b, a),
            share(a)
        );
    }
    let _ = writeln!(
        md,
        "| **all** | {} | {} | {} | 100% |",
        kib(before_total),
        kib(total),
        change(before_total, total)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_put_in_their_crate() {
        assert_eq!(
            crate_of("tachys::view::tuples::<impl X for (A,B)>::build::h1"),
            "tachys"
        );
        assert_eq!(
            crate_of("<T as reactive_graph::traits::Get>::get::h2"),
            "reactive_graph"
        );
        assert_eq!(
            crate_of("<alloc::vec::Vec<T> as core::clone::Clone>::clone"),
            "alloc"
        );
        assert_eq!(crate_of("core[c5930c85a12de822]::fmt::write"), "core");
        assert_eq!(
            crate_of("data segment \".rodata\""),
            "data segments (strings, tables)"
        );
    }

    #[test]
    fn reads_the_baseline() {
        let (label, rows) =
            read_baseline("# commit abc\ntachys,100\ndata segments (strings, tables),5\n");
        assert_eq!(label, "commit abc");
        assert_eq!(
            rows,
            vec![
                ("tachys".to_string(), 100),
                ("data segments (strings, tables)".to_string(), 5)
            ]
        );
    }

    #[test]
    fn reads_twiggy_csv() {
        let csv = "Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent\n\
                   \"\"\"function names\"\" subsection\",10,1.0,,\n\
                   \"a::<impl B for (C,D)>::f\",20,2.0,,\n\
                   plain::item,30,3.0,,\n";
        assert_eq!(
            csv_rows(csv),
            vec![
                ("\"function names\" subsection".to_string(), 10),
                ("a::<impl B for (C,D)>::f".to_string(), 20),
                ("plain::item".to_string(), 30),
            ]
        );
    }

    /// `cargo xtask bench <args>`, as clap reads it.
    fn parse_args(args: &[&str]) -> Result<Args, clap::Error> {
        #[derive(clap::Parser)]
        struct Bench {
            #[command(flatten)]
            args: Args,
        }
        let argv = std::iter::once("bench").chain(args.iter().copied());
        <Bench as clap::Parser>::try_parse_from(argv).map(|b| b.args)
    }

    #[test]
    fn runs_default_to_seven() {
        let runs = |args: &[&str]| parse_args(args).map(|a| a.runs).ok();
        assert_eq!(runs(&[]), Some(7));
        assert_eq!(runs(&["--runs", "3"]), Some(3));
        assert_eq!(runs(&["--runs=5"]), Some(5));
        assert_eq!(runs(&["--runs", "0"]), None);
        assert_eq!(runs(&["--fast"]), None);
    }

    #[test]
    fn only_picks_measurements() {
        assert_eq!(
            parse_args(&["--only", "memory", "--runs=2"]).ok(),
            Some(Args {
                runs: 2,
                only: Some("memory".into())
            })
        );
        assert!(parse_args(&["--only"]).is_err());
        assert!(parse_args(&["--only", " "]).is_err());
    }

    #[test]
    fn only_replaces_its_own_sections() {
        let old = "# T\n\nhead\n\n## Bytes\n\nb\n\n## Memory\n\nold m\n\n## What the wasm is made of\n\nw\n";
        let md = splice_sections(old, "\n## Memory\n\nnew m\n", "_note._");
        assert_eq!(
            md,
            "# T\n\nhead\n\n## Bytes\n\nb\n\n## Memory\n\nnew m\n\n_note._\n\n## What the wasm is made of\n\nw\n"
        );
        let md = splice_sections(old, "\n## Polling\n\np\n", "_n._");
        assert!(
            md.contains("old m\n\n## Polling\n\np\n\n_n._\n\n## What the wasm"),
            "{md}"
        );
    }
}
