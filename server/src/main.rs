//! `su-render-server`: serves the app with the RunningHub simulator (default) or a relay.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use su_render_server::{relay, run, Mode, ServerConfig, SimConfig};

const HELP: &str = "\
su-render-server: serves SU Render and, on the same origin, a RunningHub simulator or relay

  --host ADDR        address to listen on (default 127.0.0.1)
  --port N           port (default 8080; 0 picks a free one)
  --dist DIR         the built app (default dist)
  --relay cn|ai|URL  forward RunningHub's API to the real site instead of simulating it
  --queue-ms N       simulator: how long a task stays queued (default 3000)
  --run-ms N         simulator: how long it then runs (default 8000)
  --fast-poll        simulator: ask the app to poll every 200-300 ms (for tests)
";

fn main() -> ExitCode {
    let mut host = "127.0.0.1".to_owned();
    let mut port = 8080u16;
    let mut dist = PathBuf::from("dist");
    let mut mode = Mode::Simulator;
    let mut sim = SimConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let parsed: Result<(), String> = (|| {
            match arg.as_str() {
                "--host" => host = value("--host")?,
                "--port" => {
                    port = value("--port")?
                        .parse()
                        .map_err(|_| "--port takes a number")?
                }
                "--dist" => dist = PathBuf::from(value("--dist")?),
                "--relay" => {
                    mode = Mode::Relay {
                        upstream: relay::upstream_for(&value("--relay")?),
                    }
                }
                "--queue-ms" => {
                    sim.queue_ms = value("--queue-ms")?
                        .parse()
                        .map_err(|_| "--queue-ms takes a number")?
                }
                "--run-ms" => {
                    sim.run_ms = value("--run-ms")?
                        .parse()
                        .map_err(|_| "--run-ms takes a number")?
                }
                "--fast-poll" => (sim.poll_first_ms, sim.poll_steady_ms) = (Some(200), Some(300)),
                "-h" | "--help" => {
                    print!("{HELP}");
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other}\n\n{HELP}")),
            }
            Ok(())
        })();
        if let Err(message) = parsed {
            eprintln!("su-render-server: {message}");
            return ExitCode::FAILURE;
        }
    }
    if !dist.join("index.html").exists() {
        eprintln!("su-render-server: warning: {} has no index.html; build the app first (cargo xtask build)", dist.display());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("su-render-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: std::io::Result<()> = runtime.block_on(async move {
        let addr: SocketAddr = format!("{host}:{port}")
            .parse()
            .map_err(|e| std::io::Error::other(format!("{host}:{port}: {e}")))?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let what = match &mode {
            Mode::Simulator => "RunningHub simulator".to_owned(),
            Mode::Relay { upstream } => format!("relay to {upstream}"),
        };
        println!("SU Render: http://{bound}/  ({what})");
        run(listener, ServerConfig { dist, mode, sim }).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("su-render-server: {e}");
            ExitCode::FAILURE
        }
    }
}
