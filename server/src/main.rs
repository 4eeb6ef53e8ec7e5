//! `su-render-server`: the app plus a relay to RunningHub (default) or the simulator
//! (`--simulator`). See `su-render-server --help` and README.md.

use std::process::ExitCode;

use clap::Parser;
use su_render_server::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    match runtime.block_on(cli::main(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("su-render-server: {e}");
            ExitCode::FAILURE
        }
    }
}
