//! Timing named steps, with a banner per step and a summary table.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::disk::{format_gib, free_bytes, TEST_FOOTPRINT};
use crate::process::{describe, run};

pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// Below this much free space a failed step is most likely the disk, and the error says so.
const LOW_DISK: u64 = 2 << 30;

/// The error for a failed step; when the disk is nearly full, it says that is the likely cause.
fn failure(name: &str, error: &str, free: Option<u64>) -> String {
    match free {
        Some(free) if free < LOW_DISK => format!(
            "step `{name}` failed: {error}\n(only {} left on the disk: if cargo said \"No space left \
             on device\", free some space; a cold `cargo xtask test` writes about {} under target/)",
            format_gib(free),
            format_gib(TEST_FOOTPRINT)
        ),
        _ => format!("step `{name}` failed: {error}"),
    }
}

/// What happened to each step of a run, in order, and the free disk space after each.
pub struct Steps {
    done: Vec<(String, Duration, bool, Option<u64>)>,
    /// Where the build writes: free space there is read after every step. A CI run once died of a
    /// full disk half-way through, and the log said only "os error 28" deep in cargo's output.
    disk: PathBuf,
}

impl Steps {
    pub fn watching_disk(path: &Path) -> Self {
        Self {
            done: Vec::new(),
            disk: path.to_path_buf(),
        }
    }

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
        let free = free_bytes(&self.disk);
        self.done
            .push((name.to_string(), took, result.is_ok(), free));
        match &result {
            Ok(()) => println!("✔ {name} ({})", format_duration(took)),
            Err(e) => println!("✘ {name} FAILED after {}: {e}", format_duration(took)),
        }
        result.map_err(|e| failure(name, &e, free))
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
            .map(|(n, ..)| n.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        println!(
            "\n{:<width$}  {:>9}  {:<6}  disk free",
            "step", "time", "result"
        );
        println!("{}", "-".repeat(width + 31));
        let mut total = Duration::ZERO;
        for (name, took, ok, free) in &self.done {
            total += *took;
            let result = if *ok { "ok" } else { "FAILED" };
            let free = free.map(format_gib).unwrap_or_default();
            println!(
                "{name:<width$}  {:>9}  {result:<6}  {free:>9}",
                format_duration(*took)
            );
        }
        println!("{}", "-".repeat(width + 31));
        println!("{:<width$}  {:>9}", "total", format_duration(total));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_on_a_nearly_full_disk_names_the_disk() {
        let full = failure("native tests", "`cargo test` failed", Some(200 << 20));
        assert!(full.contains("0.2 GiB left"), "{full}");
        assert!(full.contains("No space left on device"), "{full}");
        let roomy = failure("native tests", "`cargo test` failed", Some(50 << 30));
        assert_eq!(roomy, "step `native tests` failed: `cargo test` failed");
        let unknown = failure("native tests", "`cargo test` failed", None);
        assert_eq!(unknown, roomy);
    }
}
