//! Browser measurements of SU Render, run by `cargo xtask bench` (which adds the byte table and
//! the machine): writes a Markdown fragment with one table per measurement. Times are reported
//! and compared, never asserted: machines are noisy.
//!
//! `su-render-bench --dist <dist> [--runs 7] [--same-size <bytes>] [--out <file.md>]
//! [--only paint,throttled,polling,latency,upload,memory,history,relay] [--server-bin <path>]`
//!
//! `relay` needs no browser: it measures the server binary given with `--server-bin`.

mod browser;
mod history;
mod memory;
mod paint;
mod polling;
mod relay;
mod upload;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use browser::{Driver, Result};

/// What `--only` can pick.
const MEASUREMENTS: [&str; 8] = [
    "paint",
    "throttled",
    "polling",
    "latency",
    "upload",
    "memory",
    "history",
    "relay",
];

/// The measurements that need no browser.
const WITHOUT_BROWSER: [&str; 1] = ["relay"];

struct Args {
    dist: PathBuf,
    runs: usize,
    same_size: Option<u64>,
    out: Option<PathBuf>,
    only: Option<Vec<String>>,
    /// The server binary for `relay`.
    server_bin: Option<PathBuf>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        dist: PathBuf::from("dist"),
        runs: 7,
        same_size: None,
        out: None,
        only: None,
        server_bin: None,
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
            "--server-bin" => args.server_bin = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    if let Some(unknown) = args
        .only
        .iter()
        .flatten()
        .find(|name| !MEASUREMENTS.contains(&name.as_str()))
    {
        return Err(format!(
            "--only: unknown measurement `{unknown}` (known: {})",
            MEASUREMENTS.join(",")
        )
        .into());
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

/// `X.br`/`X.gz` written by `cargo xtask build` next to `X`. The same-size static page has none,
/// so the first-paint copy leaves them out: both pages then travel uncompressed, the same way.
fn is_precompressed_sibling(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    [".br", ".gz"].iter().any(|ext| {
        name.strip_suffix(ext)
            .is_some_and(|original| path.with_file_name(original).is_file())
    })
}

/// Copies `dist` (without precompressed siblings) and adds the static page of the given size
/// next to it.
fn site_with_same_size_page(dist: &Path, bytes: u64) -> Result<PathBuf> {
    fn copy(from: &Path, to: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let path = entry?.path();
            let target = to.join(path.file_name().unwrap_or_default());
            if path.is_dir() {
                copy(&path, &target)?;
            } else if !is_precompressed_sibling(&path) {
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
                    } else if is_precompressed_sibling(&path) {
                        0
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

/// Throttled loads of the app served with its `.br` siblings, against the uncompressed ones above
/// and the same static page.
fn compressed_rows(md: &mut String, plain: &paint::Paint, br: &paint::Samples) {
    let rows = [
        (
            "first contentful paint",
            &br.fcp,
            &plain.app.fcp,
            &plain.same_size.fcp,
        ),
        (
            "form usable (`#render` in the DOM)",
            &br.ready,
            &plain.app.ready,
            &plain.same_size.ready,
        ),
    ];
    let _ = writeln!(
        md,
        "\nThe same throttled loads with the app served as `cargo xtask serve` sends it: the \
         build's brotli siblings (`Content-Encoding: br`). The static page stays uncompressed, \
         as above.\n\n\
         | throttled | app, brotli | app, uncompressed | brotli ÷ uncompressed | brotli app ÷ static |\n\
         |---|---:|---:|---:|---:|"
    );
    for (what, b, p, s) in rows {
        let (b, p, s) = (median(b), median(p), median(s));
        let _ = writeln!(
            md,
            "| {what} | {} | {} | {} | **{}** |",
            ms(b),
            ms(p),
            ratio(b, p),
            ratio(b, s)
        );
    }
}

/// The memory table: readings after 1 render (for reference), after the warm-up and after all
/// renders; the ratio is all ÷ warm-up, the growth that a leak would show.
fn memory_section(md: &mut String, m: &memory::Memory) {
    let (one, warm, all) = (m.after_one, m.after_warm_up, m.after_all);
    let (w, n) = (memory::WARM_UP, memory::RENDERS);
    // Two decimals: growth of a few per cent is what this table is about.
    let size = |bytes: f64| format!("{:.2} MiB", bytes / 1024.0 / 1024.0);
    let _ = writeln!(
        md,
        "\n## Memory\n\nOne page, {n} renders against the simulator (tasks of 60 ms), \
         Chromium with `--enable-precise-memory-info`, readings after a forced GC \
         (CDP `HeapProfiler.collectGarbage`): `performance.memory.usedJSHeapSize`, and \
         the wasm module's `memory.buffer.byteLength` (its exports come with Trunk's \
         `TrunkApplicationStarted` event). Read after 1 render, after a warm-up of {w} and \
         after {n}; the ratio is {n} ÷ {w}.\n\n\
         | | after 1 render | after {w} renders | after {n} renders | {n} ÷ {w} |\n\
         |---|---:|---:|---:|---:|\n\
         | JS heap used | {} | {} | {} | **{}** |",
        size(one.js_heap),
        size(warm.js_heap),
        size(all.js_heap),
        ratio(all.js_heap, warm.js_heap)
    );
    match (one.wasm, warm.wasm, all.wasm) {
        (Some(a), Some(b), Some(c)) => {
            let _ = writeln!(
                md,
                "| wasm linear memory | {} | {} | {} | **{}** |",
                size(a),
                size(b),
                size(c),
                ratio(c, b)
            );
        }
        _ => {
            let _ = writeln!(md, "| wasm linear memory | not exposed by the page | | | |");
        }
    }
    let _ = writeln!(
        md,
        "| DOM elements | {} | {} | {} | **{}** |\n\
         | renders in the history list | {} | {} | {} | |\n\n\
         Wasm memory only grows (it is the high-water mark of the allocator): it shows a leak \
         but never a freed one, and the first renders fill it up to its working size. Growth \
         from {w} to {n} renders is the leak signal; the 1-render column is for reference. The \
         history list shows its newest renders only, so part of the DOM's growth after {w} \
         renders is the list filling up to its first page.",
        one.elements,
        warm.elements,
        all.elements,
        ratio(all.elements, warm.elements),
        one.history_items,
        warm.history_items,
        all.history_items,
    );
}

/// Start-up over a journal of 1 and of 5,000 records: the first history picture and the heap.
fn history_section(md: &mut String, runs: usize, sizes: &[history::Size; 2]) {
    let [one, many] = sizes;
    let (a, b) = (median(&one.first_picture), median(&many.first_picture));
    let mib = |bytes: f64| format!("{:.2} MiB", bytes / 1024.0 / 1024.0);
    // 5000 → "5,000".
    let count = |n: usize| {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let (n1, n2) = (count(one.records), count(many.records));
    let _ = writeln!(
        md,
        "\n## History at start-up\n\nThe page reloaded over a journal of {} record and of {} \
         records (finished renders with a picture, seeded as the app stores them), each in a \
         browser profile of its own, {runs} reloads each, alternating; warm cache. Time from \
         navigation start to the first picture of the history list loaded (median); JS heap \
         after a forced GC once the page is up.\n\n\
         | | {} record | {} records | {} ÷ {} |\n|---|---:|---:|---:|\n\
         | first history picture | {} | {} | **{}** |\n\
         | JS heap used | {} | {} | {} |",
        n1,
        n2,
        n1,
        n2,
        n2,
        n1,
        ms(a),
        ms(b),
        ratio(b, a),
        mib(one.js_heap),
        mib(many.js_heap),
        ratio(many.js_heap, one.js_heap),
    );
    if let (Some(x), Some(y)) = (one.wasm, many.wasm) {
        let _ = writeln!(
            md,
            "| wasm linear memory | {} | {} | {} |",
            mib(x),
            mib(y),
            ratio(y, x)
        );
    }
    let _ = writeln!(
        md,
        "\nThe start-up reads the journal's `live` index (renders a reload must follow) and the \
         list's first page of 12 through a cursor on the date index, so neither grows with the \
         journal (issue 14's goal: at most 1.2×). Before the index (issue 14) it read and parsed every record: measured the same \
         way on the same machine from commit ffc03d4, 160 ms with 1 record and 292 ms with 5,000 \
         (1.83×), wasm linear memory 1.31 → 7.31 MiB (the issue's own figures: 322 → 603 ms, \
         1.9×)."
    );
}

/// "512 answered, 64 answered 503, 424 closed at once".
fn outcomes(m: &relay::Memory) -> String {
    let mut parts = vec![format!("{} answered", m.kept_alive_served)];
    if m.kept_alive_busy > 0 {
        parts.push(format!("{} got 503", m.kept_alive_busy));
    }
    if m.kept_alive_closed > 0 {
        parts.push(format!("{} closed unanswered", m.kept_alive_closed));
    }
    parts.join(", ")
}

fn relay_section(md: &mut String, r: &relay::Relay) {
    let (d, x) = (&r.direct, &r.relayed);
    let _ = writeln!(
        md,
        "\n## Relay\n\n\
         The server binary (`{}`) relaying a poll (`POST /task/openapi/outputs`, a finished \
         task's answer of {} bytes) to a minimal HTTP/1.1 upstream on 127.0.0.1, against the same \
         upstream called directly: {} keep-alive connections, each making its polls one after \
         another, {} rounds of {} polls each way, alternating; all polls of a way pooled. The \
         client and the upstream run in the bench process (a debug build, as all of \
         `su-render-bench`) on the same cores as the relay; load average when the polls ran: {}.\n\n\
         | | direct | through the relay | relay ÷ direct |\n|---|---:|---:|---:|\n\
         | polls per second | {:.0} | {:.0} | {} |\n\
         | p50 | {:.2} ms | {:.2} ms | {} |\n\
         | p99 | {:.2} ms | {:.2} ms | {} |",
        r.binary,
        relay::answer_bytes(),
        relay::CONCURRENCY,
        relay::ROUNDS,
        relay::requests_per_round(),
        r.load,
        d.requests_per_s,
        x.requests_per_s,
        ratio(x.requests_per_s, d.requests_per_s),
        d.p50_ms,
        x.p50_ms,
        ratio(x.p50_ms, d.p50_ms),
        d.p99_ms,
        x.p99_ms,
        ratio(x.p99_ms, d.p99_ms),
    );
    let (u, c) = match (&r.uncapped, &r.capped) {
        (Ok(u), Ok(c)) => (u, c),
        (Err(e), _) | (_, Err(e)) => {
            let _ = writeln!(md, "\n_The relay's memory: not measured ({e})._");
            return;
        }
    };
    let mib = |kib: u64| format!("{:.1} MiB", kib as f64 / 1024.0);
    let _ = writeln!(
        md,
        "\nThe relay's resident memory (`VmRSS`) with {open} connections open: each made one poll \
         and stays open, as browsers keep connections; or each sent half a request's headers and \
         waits, as a slow or hostile client does (a fresh relay for each). Without the cap \
         (`--max-connections 0`) and with it (512, the default: one more is answered 503 and \
         closed, or closed at once while 64 others wait for their 503).\n\n\
         | | no cap | cap 512 |\n|---|---:|---:|\n\
         | idle, after one poll | {} | {} |\n\
         | {open} kept-alive connections | {} ({}) | {} ({}) |\n\
         | {open} half-sent requests | {} | {} |\n\n\
         The half-sent ones are closed {} s after they connected in both cases (the header \
         timeout); the cap bounds what they hold meanwhile.",
        mib(u.idle),
        mib(c.idle),
        mib(u.kept_alive),
        outcomes(u),
        mib(c.kept_alive),
        outcomes(c),
        mib(u.half_sent),
        mib(c.half_sent),
        su_render_server::conn::HEADER_TIMEOUT.as_secs(),
        open = relay::OPEN,
    );
}

async fn run(args: &Args) -> Result<Report> {
    let wanted = |name: &str| {
        args.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|x| x == name))
    };
    let mut report = Report {
        md: String::new(),
        failures: Vec::new(),
    };
    if wanted("relay") {
        match &args.server_bin {
            Some(binary) => {
                println!(
                    "bench: the relay, {} polls in flight, and {} open connections…",
                    relay::CONCURRENCY,
                    relay::OPEN
                );
                match relay::measure(binary).await {
                    Ok(r) => relay_section(&mut report.md, &r),
                    Err(e) => report.failed("relay", &e),
                }
            }
            None => report.failed("relay", &"no --server-bin given".into()),
        }
    }
    let browser_wanted = MEASUREMENTS
        .iter()
        .any(|m| !WITHOUT_BROWSER.contains(m) && wanted(m));
    if !browser_wanted {
        return Ok(report);
    }
    let dist = &args.dist;
    if !dist.join("index.html").is_file() {
        return Err(format!("{} has no index.html: build the app first", dist.display()).into());
    }
    let same_size = args.same_size.unwrap_or_else(|| dir_size(dist));
    let driver = Driver::spawn()?;
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
        let mut throttled_plain = None;
        for (name, throttled, label) in [("paint", false, ""), ("throttled", true, "throttled: ")] {
            if !wanted(name) {
                continue;
            }
            println!(
                "bench: first paint{}…",
                if throttled { " (throttled)" } else { "" }
            );
            match paint::measure(&driver, &site, runs, throttled).await {
                Ok(p) => {
                    paint_rows(&mut report.md, label, &p);
                    if throttled {
                        throttled_plain = Some(p);
                    }
                }
                Err(e) => report.failed(&format!("first paint ({name})"), &e),
            }
        }
        // What users of `cargo xtask serve` get: the same build, sent as its brotli siblings.
        if let Some(plain) = &throttled_plain {
            println!("bench: first paint (throttled, precompressed)…");
            match paint::measure_app(&driver, dist, runs, true).await {
                Ok(br) => compressed_rows(&mut report.md, plain, &br),
                Err(e) => report.failed("first paint (throttled, precompressed)", &e),
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

    if wanted("history") {
        println!("bench: start-up over 1 and 5,000 history records, {runs} reloads each…");
        match history::measure(&driver, dist, runs).await {
            Ok(sizes) => history_section(&mut report.md, runs, &sizes),
            Err(e) => report.failed("history at start-up", &e),
        }
    }

    if wanted("memory") {
        println!("bench: memory over {} renders…", memory::RENDERS);
        match memory::measure(&driver, dist).await {
            Ok(m) => memory_section(&mut report.md, &m),
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
