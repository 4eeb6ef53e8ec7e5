//! Browser measurements of SU Render, run by `cargo xtask bench` (which adds the byte table and
//! the machine): writes a Markdown fragment with one table per measurement. Times are reported
//! and compared, never asserted: machines are noisy.
//!
//! `su-render-bench --dist <dist> [--runs 7] [--same-size <bytes>] [--out <file.md>]
//! [--only paint,throttled,polling,latency,upload,memory]`

mod browser;
mod memory;
mod paint;
mod polling;
mod upload;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use browser::{Driver, Result};

struct Args {
    dist: PathBuf,
    runs: usize,
    same_size: Option<u64>,
    out: Option<PathBuf>,
    only: Option<Vec<String>>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        dist: PathBuf::from("dist"),
        runs: 7,
        same_size: None,
        out: None,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--dist" => args.dist = PathBuf::from(value()?),
            "--runs" => args.runs = value()?.parse()?,
            "--same-size" => args.same_size = Some(value()?.parse()?),
            "--out" => args.out = Some(PathBuf::from(value()?)),
            "--only" => args.only = Some(value()?.split(',').map(str::to_string).collect()),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(args)
}

pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

fn ms(x: f64) -> String {
    if x.abs() >= 10_000.0 {
        format!("{:.1} s", x / 1000.0)
    } else {
        format!("{x:.0} ms")
    }
}

fn ratio(a: f64, b: f64) -> String {
    format!("{:.2}×", a / b)
}

fn size(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", bytes / 1024.0 / 1024.0)
    } else {
        format!("{:.1} KiB", bytes / 1024.0)
    }
}

/// Copies `dist` and adds the static page of the given size next to it.
fn site_with_same_size_page(dist: &Path, bytes: u64) -> Result<PathBuf> {
    fn copy(from: &Path, to: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let path = entry?.path();
            let target = to.join(path.file_name().unwrap_or_default());
            if path.is_dir() {
                copy(&path, &target)?;
            } else {
                std::fs::copy(&path, &target)?;
            }
        }
        Ok(())
    }
    let site = std::env::temp_dir().join(format!("su-render-bench-site-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&site);
    copy(dist, &site)?;
    std::fs::write(
        site.join(paint::SAME_SIZE_PAGE),
        paint::same_size_page(bytes as usize),
    )?;
    Ok(site)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() {
                        dir_size(&path)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

struct Report {
    md: String,
    failures: Vec<String>,
}

impl Report {
    fn failed(&mut self, what: &str, error: &browser::Error) {
        eprintln!("bench: {what} failed: {error}");
        let _ = writeln!(self.md, "\n_{what}: not measured ({error})._");
        self.failures.push(what.to_string());
    }
}

fn paint_rows(md: &mut String, label: &str, p: &paint::Paint) {
    let rows = [
        ("first contentful paint", &p.app.fcp, &p.same_size.fcp),
        (
            "form usable (`#render` in the DOM)",
            &p.app.ready,
            &p.same_size.ready,
        ),
    ];
    for (what, app, same) in rows {
        let (a, s) = (median(app), median(same));
        let _ = writeln!(
            md,
            "| {label}{what} | {} | {} | **{}** |",
            ms(a),
            ms(s),
            ratio(a, s)
        );
    }
}

async fn run(args: &Args) -> Result<Report> {
    let wanted = |name: &str| {
        args.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|x| x == name))
    };
    let dist = &args.dist;
    if !dist.join("index.html").is_file() {
        return Err(format!("{} has no index.html: build the app first", dist.display()).into());
    }
    let same_size = args.same_size.unwrap_or_else(|| dir_size(dist));
    let driver = Driver::spawn()?;
    let mut report = Report {
        md: String::new(),
        failures: Vec::new(),
    };
    let runs = args.runs;

    if wanted("paint") || wanted("throttled") {
        let site = site_with_same_size_page(dist, same_size)?;
        let _ = writeln!(
            report.md,
            "\n## First paint\n\nHeadless Chromium on loopback, served by the local server \
             (uncompressed), fresh profile per load (cold cache); median of {runs} loads each, \
             the two pages alternating. The static page is plain HTML of the same size as the \
             app's first load ({}), with a `#render` button at its end. Times from navigation start.\n\n\
             | | app | static page, same size | app ÷ static |\n|---|---:|---:|---:|",
            size(same_size as f64)
        );
        for (name, throttled, label) in [("paint", false, ""), ("throttled", true, "throttled: ")] {
            if !wanted(name) {
                continue;
            }
            println!(
                "bench: first paint{}…",
                if throttled { " (throttled)" } else { "" }
            );
            match paint::measure(&driver, &site, runs, throttled).await {
                Ok(p) => paint_rows(&mut report.md, label, &p),
                Err(e) => report.failed(&format!("first paint ({name})"), &e),
            }
        }
        let _ = writeln!(
            report.md,
            "\n\"throttled\": DevTools through chromedriver (CDP `Network.emulateNetworkConditions` \
             150 ms latency, 1.6 Mbit/s down, 0.75 Mbit/s up; `Emulation.setCPUThrottlingRate` 4)."
        );
        let _ = std::fs::remove_dir_all(&site);
    }

    if wanted("polling") || wanted("latency") {
        let model = polling::model_polls(
            polling::RENDER_MS,
            polling::FIRST_MS,
            polling::FAST_POLLS,
            polling::STEADY_MS,
        );
        let _ = writeln!(
            report.md,
            "\n## Polling\n\n| | value |\n|---|---:|\n\
             | polls per 10-minute render, the app's PollPlan (2 s ×3, then 5 s) | {model} |"
        );
        if wanted("polling") {
            println!(
                "bench: polling, a 10-minute render scaled 1/{}…",
                polling::SCALE
            );
            match polling::requests_per_render(&driver, dist).await {
                Ok(r) => {
                    let _ = writeln!(
                        report.md,
                        "| measured: the page against the simulator, time scaled 1/{} — `outputs` polls | {} ({}) |\n\
                         | measured: every API request of that render, the run included | {} |",
                        polling::SCALE,
                        r.polls,
                        ratio(r.polls as f64, model as f64) + " of the model",
                        r.all
                    );
                }
                Err(e) => report.failed("requests per render", &e),
            }
        }
        if wanted("latency") {
            println!("bench: task done → image, {runs} renders…");
            match polling::done_to_image(&driver, dist, runs).await {
                Ok(l) => {
                    let poll = l.steady_ms as f64;
                    for (what, v) in [("in the DOM", &l.in_dom), ("loaded", &l.loaded)] {
                        let m = median(v);
                        let _ = writeln!(
                            report.md,
                            "| task done on the simulator → image {what} (median of {runs}, poll every {}) | {} = **{}** the poll interval |",
                            ms(poll),
                            ms(m),
                            ratio(m, poll)
                        );
                    }
                }
                Err(e) => report.failed("task done → image", &e),
            }
        }
        let _ = writeln!(
            report.md,
            "\nThe done → image runs use the simulator's fast-poll settings (200 ms ×3, then 500 ms) \
             and end their tasks at evenly spread points of the poll cycle: polling alone would give \
             0.5× on average, 1× at worst."
        );
    }

    if wanted("upload") {
        println!("bench: upload prep of an 8K PNG…");
        match upload::measure(&driver, dist).await {
            Ok(u) => {
                let original = u.original_bytes as f64;
                let _ = writeln!(
                    report.md,
                    "\n## Upload prep\n\nA generated {}×{} PNG screenshot picked through `#node-112-file`.\n\n\
                     | | value |\n|---|---:|\n| original PNG | {} |",
                    upload::WIDTH,
                    upload::HEIGHT,
                    size(original)
                );
                match u.uploaded_bytes {
                    Some(up) => {
                        let _ = writeln!(
                            report.md,
                            "| uploaded (what the simulator received) | {} = **{:.1}× smaller** |",
                            size(up as f64),
                            original / up as f64
                        );
                    }
                    None => {
                        let _ = writeln!(report.md, "| uploaded | (upload did not finish) |");
                    }
                }
                let _ = writeln!(
                    report.md,
                    "| time to shrink in the browser (pick → sizes shown) | {} |\n\nThe page says: \"{}\"",
                    ms(u.prep_ms),
                    u.sizes_text.trim()
                );
            }
            Err(e) => report.failed("upload prep", &e),
        }
    }

    if wanted("memory") {
        println!("bench: memory over {} renders…", memory::RENDERS);
        match memory::measure(&driver, dist).await {
            Ok(m) => {
                let (a, b) = (m.after_one, m.after_all);
                let n = memory::RENDERS;
                let _ = writeln!(
                    report.md,
                    "\n## Memory\n\nOne page, {n} renders against the simulator (tasks of 60 ms), \
                     Chromium with `--enable-precise-memory-info`, readings after a forced GC \
                     (CDP `HeapProfiler.collectGarbage`): `performance.memory.usedJSHeapSize`, and \
                     the wasm module's `memory.buffer.byteLength` (its exports come with Trunk's \
                     `TrunkApplicationStarted` event).\n\n\
                     | | after 1 render | after {n} renders | ratio |\n|---|---:|---:|---:|\n\
                     | JS heap used | {} | {} | **{}** |",
                    size(a.js_heap),
                    size(b.js_heap),
                    ratio(b.js_heap, a.js_heap)
                );
                match (a.wasm, b.wasm) {
                    (Some(wa), Some(wb)) => {
                        let _ = writeln!(
                            report.md,
                            "| wasm linear memory | {} | {} | **{}** |",
                            size(wa),
                            size(wb),
                            ratio(wb, wa)
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            report.md,
                            "| wasm linear memory | not exposed by the page | | |"
                        );
                    }
                }
                let _ = writeln!(
                    report.md,
                    "| DOM elements | {} | {} | {} |\n\nWasm memory only grows (it is the high-water \
                     mark of the allocator), so it shows a leak but not a freed one.",
                    a.elements,
                    b.elements,
                    ratio(b.elements, a.elements)
                );
            }
            Err(e) => report.failed("memory", &e),
        }
    }
    Ok(report)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("su-render-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = match run(&args).await {
        Ok(report) => report,
        Err(e) => {
            eprintln!("su-render-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.out.is_none() {
        println!("{}", report.md);
    }
    if let Some(out) = &args.out {
        if let Some(parent) = out.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if let Err(e) = std::fs::write(out, &report.md) {
            eprintln!("su-render-bench: writing {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
    }
    if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "su-render-bench: not measured: {}",
            report.failures.join(", ")
        );
        ExitCode::FAILURE
    }
}
