//! The command line: parsing (clap), the binary's `--help`/`--version`/errors, a start from an
//! empty folder that prints its address and stops on SIGTERM, and the port fallback.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use common::*;
use su_render_server::cli::{self, Bound, Cli};
use su_render_server::{Mode, StaticSource};

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("su-render-server").chain(args.iter().copied()))
}

#[test]
fn defaults_are_the_relay_to_both_sites() {
    let cli = parse(&[]).expect("no flags");
    assert_eq!(cli.mode(), Mode::runninghub());
    assert_eq!(
        Mode::runninghub(),
        Mode::Sites {
            cn: "https://www.runninghub.cn".into(),
            ai: "https://www.runninghub.ai".into()
        }
    );
    assert_eq!(cli.host, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(cli.port, None);
    assert!(!cli.no_open);
    let settings = cli.settings();
    assert!(settings.allow_origins.is_empty() && settings.allow_file_origins.is_empty());
    assert!(!settings.sim_no_cors);
    // Built without the `embed` feature: ./dist.
    assert!(matches!(&settings.app, StaticSource::Dir(d) if d.as_os_str() == "dist"));
}

#[test]
fn flags() {
    let cli = parse(&[
        "--simulator",
        "--no-cors",
        "--fast-poll",
        "--queue-ms",
        "5",
        "--run-ms=7",
        "--port",
        "0",
        "--host",
        "0.0.0.0",
        "--dist",
        "/tmp/x",
        "--no-open",
        "--allow-origin",
        "https://Team.GitHub.io/",
        "--allow-origin",
        "http://127.0.0.1:5173",
        "--allow-file-origin",
        "http://127.0.0.1:9000",
    ])
    .expect("flags");
    let settings = cli.settings();
    assert_eq!(settings.mode, Mode::Simulator);
    assert!(settings.sim_no_cors);
    assert_eq!((settings.sim.queue_ms, settings.sim.run_ms), (5, 7));
    assert_eq!(
        (settings.sim.poll_first_ms, settings.sim.poll_steady_ms),
        (Some(200), Some(300))
    );
    assert_eq!(cli.port, Some(0));
    assert_eq!(cli.host.to_string(), "0.0.0.0");
    assert!(matches!(&settings.app, StaticSource::Dir(d) if d.as_os_str() == "/tmp/x"));
    let origins: Vec<String> = settings
        .allow_origins
        .iter()
        .map(|o| o.to_string())
        .collect();
    assert_eq!(origins, ["https://team.github.io", "http://127.0.0.1:5173"]);
    assert_eq!(
        settings.allow_file_origins[0].as_str(),
        "http://127.0.0.1:9000"
    );

    for (arg, upstream) in [
        ("cn", "https://www.runninghub.cn"),
        ("ai", "https://www.runninghub.ai"),
        ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
        ("https://relay.example/base", "https://relay.example/base"),
    ] {
        let cli = parse(&["--relay", arg]).expect("relay");
        assert_eq!(
            cli.mode(),
            Mode::Relay {
                upstream: upstream.into()
            },
            "{arg}"
        );
    }
}

#[test]
fn hosts_and_limits() {
    let defaults = parse(&[]).expect("no flags").settings();
    assert!(defaults.public_hosts.is_empty());
    assert_eq!(defaults.limits, su_render_server::Limits::default());
    assert_eq!(defaults.limits.max_connections, Some(512));
    assert_eq!(defaults.limits.header_timeout, Duration::from_secs(15));
    assert!(defaults.file_resolve.is_empty());

    let settings = parse(&[
        "--public-host",
        "Relay.Example",
        "--public-host",
        "studio-pc:8080",
        "--max-connections",
        "0",
        "--header-timeout-ms",
        "500",
        "--resolve-file-host",
        "Files.Xiaoyaoyou.com=10.0.0.1",
    ])
    .expect("flags")
    .settings();
    let hosts: Vec<String> = settings
        .public_hosts
        .iter()
        .map(|h| h.to_string())
        .collect();
    assert_eq!(hosts, ["relay.example", "studio-pc:8080"]);
    assert_eq!(settings.limits.max_connections, None, "0: no cap");
    assert_eq!(settings.limits.header_timeout, Duration::from_millis(500));
    assert_eq!(
        settings.file_resolve,
        [(
            "files.xiaoyaoyou.com".to_owned(),
            "10.0.0.1".parse().expect("ip")
        )]
    );
}

#[test]
fn bad_command_lines_are_refused() {
    for args in [
        &["--bogus"][..],
        &["--simulator", "--relay", "cn"],
        &["--relay", "ftp://x.example"],
        &["--relay", "not a url"],
        &["--port", "70000"],
        &["--host", "localhost:80"],
        &["--allow-origin", "https://team.github.io/app/"],
        &["--allow-origin", "team.github.io"],
        &["--allow-file-origin", "*"],
        &["--queue-ms", "soon"],
        &["--public-host", "https://relay.example"],
        &["--public-host", "relay.example/x"],
        &["--resolve-file-host", "files.xiaoyaoyou.com"],
        &["--resolve-file-host", "files.xiaoyaoyou.com=nowhere"],
    ] {
        assert!(parse(args).is_err(), "{args:?}");
    }
}

fn binary(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("SU_RENDER_NO_OPEN", "1")
        .output()
        .expect("run the binary")
}

#[test]
fn help_version_and_errors() {
    let help = binary(&["--help"]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--simulator",
        "--relay",
        "--host",
        "--port",
        "--dist",
        "--no-open",
        "--allow-origin",
        "--allow-file-origin",
        "--queue-ms",
        "--run-ms",
        "--fast-poll",
        "--no-cors",
        "--public-host",
        "--version",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}:\n{text}");
    }

    let version = binary(&["--version"]);
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("su-render-server {}", env!("CARGO_PKG_VERSION"))
    );

    let bogus = binary(&["--bogus"]);
    assert_eq!(bogus.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bogus.stderr).contains("--bogus"));
}

#[tokio::test]
async fn the_binary_prints_its_address_and_serves() {
    let sim = start_binary(&["--simulator", "--port", "0", "--no-open", "--fast-poll"]);
    assert!(sim.first_line.contains("simulator"), "{}", sim.first_line);
    let info = get(&sim.base, "/__su/info").await.json();
    assert_eq!(info["mode"], "simulator");
    assert_eq!(info["pollFirstMs"], 200);
    let run = post(
        &sim.base,
        RUN,
        &serde_json::json!({"apiKey": KEY, "webappId": SU_APP}),
    )
    .await;
    assert_eq!(run.code(), 0);

    // No flags but the port: the relay to both sites (nothing is sent anywhere here).
    let relay = start_binary(&["--port", "0"]);
    let info = get(&relay.base, "/__su/info").await.json();
    assert_eq!(info["mode"], "relay");
    assert_eq!(info["upstream"], serde_json::Value::Null);
    assert_eq!(info["sites"]["ai"], "/ai");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    // From an empty folder without the embedded app there is no page, only the API.
    assert_eq!(get(&relay.base, "/").await.status, 404);
    let refused = get(&relay.base, "/cn/not-api").await;
    assert_eq!(refused.status, 404);
    assert_eq!(refused.code(), 404);
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_stops_it_cleanly() {
    let mut running = start_binary(&["--simulator", "--port", "0"]);
    assert_eq!(get(&running.base, "/__su/info").await.status, 200);
    let pid = running.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = running.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn a_taken_default_port_is_opened_when_it_is_ours_and_skipped_when_not() {
    let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
    // Ours on the first port: a second start finds it and stops there.
    let ours = simulator().await;
    let port: u16 = ours
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    match cli::bind_in(localhost, port, port.saturating_add(3))
        .await
        .expect("bind")
    {
        Bound::AlreadyRunning(addr) => assert_eq!(addr.port(), port),
        Bound::Listening(l) => panic!("bound {:?} next to a running SU Render", l.local_addr()),
    }

    // Someone else's: the next free port.
    let other = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = other.local_addr().expect("addr").port();
    let _serving = tokio::spawn(async move {
        let app = axum::Router::new().fallback(|| async { "not SU Render" });
        let _ = axum::serve(other, app).await;
    });
    match cli::bind_in(localhost, port, port.saturating_add(5))
        .await
        .expect("bind")
    {
        Bound::Listening(l) => {
            let got = l.local_addr().expect("addr").port();
            assert!(got > port && got <= port + 5, "{got} after {port}");
        }
        Bound::AlreadyRunning(addr) => panic!("took {addr} for SU Render"),
    }
    assert!(!cli::is_su_render(format!("127.0.0.1:{port}").parse().expect("addr")).await);
}
