//! Running child processes and timing named steps, with a banner per step and a summary table.

use std::ffi::OsString;
use std::process::Command;
use std::time::{Duration, Instant};

/// `cargo`, the same one that runs this xtask when there is one.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")))
}

/// Shell-like rendering of a command, for banners and error messages.
pub fn describe(cmd: &Command) -> String {
    let program = cmd.get_program();
    let mut text = if std::env::var_os("CARGO").is_some_and(|c| c == program) {
        "cargo".to_string()
    } else {
        program.to_string_lossy().into_owned()
    };
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `cmd` with inherited stdio; an error names the command and its exit status.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(cmd)))
    }
}

/// Runs `cmd` and returns its stdout (trimmed) when it succeeds, `None` when it fails or is missing.
pub fn output_of(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(std::process::Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// What happened to each step of a run, in order.
#[derive(Default)]
pub struct Steps {
    done: Vec<(String, Duration, bool)>,
}

impl Steps {
    /// Runs one named step: prints a banner, times it, records the outcome.
    pub fn step(
        &mut self,
        name: &str,
        body: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        let bar = "=".repeat(72);
        println!("\n{bar}\n▶ {name}\n{bar}");
        let start = Instant::now();
        let result = body();
        let took = start.elapsed();
        self.done.push((name.to_string(), took, result.is_ok()));
        match &result {
            Ok(()) => println!("✔ {name} ({})", format_duration(took)),
            Err(e) => println!("✘ {name} FAILED after {}: {e}", format_duration(took)),
        }
        result.map_err(|e| format!("step `{name}` failed: {e}"))
    }

    /// A step that is a single command.
    pub fn command(&mut self, name: &str, cmd: &mut Command) -> Result<(), String> {
        println!("\n$ {}", describe(cmd));
        self.step(name, || run(cmd))
    }

    pub fn print_summary(&self) {
        let width = self
            .done
            .iter()
            .map(|(n, ..)| n.len())
            .max()
            .unwrap_or(4)
            .max(4);
        println!("\n{:<width$}  {:>9}  result", "step", "time");
        println!("{}", "-".repeat(width + 20));
        let mut total = Duration::ZERO;
        for (name, took, ok) in &self.done {
            total += *took;
            let result = if *ok { "ok" } else { "FAILED" };
            println!("{name:<width$}  {:>9}  {result}", format_duration(*took));
        }
        println!("{}", "-".repeat(width + 20));
        println!("{:<width$}  {:>9}", "total", format_duration(total));
    }
}
