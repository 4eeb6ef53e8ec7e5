//! Disk space: how much is free, and the lean mode of `cargo xtask test`, which deletes each
//! build's outputs once no later step needs them.
//!
//! A CI run once died of a full disk half-way through, with nothing in the log but "os error 28"
//! deep in cargo's output. CI builds from nothing every time, so outputs it will not read again
//! are only a risk there.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::output_of;

/// What a cold `cargo xtask test` leaves under target/ without `--lean` (2.5 GiB measured on a
/// fresh clone before the package steps, which add 0.5 GiB of builds and 0.7 GiB of wine
/// prefix), rounded up.
pub const TEST_FOOTPRINT: u64 = 4 << 30;

/// With less than this free at the start, `cargo xtask test` goes lean on its own.
const LEAN_BELOW: u64 = 6 << 30;

/// Free bytes on the file system that holds `path`, as `df` reports them; `None` where `df` is missing.
pub fn free_bytes(path: &Path) -> Option<u64> {
    output_of(Command::new("df").args(["--output=avail", "-B1"]).arg(path))?
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

pub fn format_gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// Bytes in the files under `dir`; 0 where it does not exist.
fn size_of_tree(dir: &Path) -> u64 {
    let mut files = Vec::new();
    if crate::files::files_under(dir, &mut files).is_err() {
        return 0;
    }
    files
        .iter()
        .filter_map(|file| std::fs::symlink_metadata(file).ok())
        .map(|meta| meta.len())
        .sum()
}

/// Deletes build outputs after their last use, when on.
pub struct Lean {
    target: PathBuf,
    on: bool,
}

impl Lean {
    /// On when asked for (`--lean`, which `.ci/run` passes) or when the disk is short; off
    /// otherwise, so that a developer's next run reuses what this one built. Says how much is
    /// free, and warns when even a run's outputs may not fit.
    pub fn new(root: &Path, asked: bool) -> Self {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let free = free_bytes(root);
        match free {
            Some(free) if free < TEST_FOOTPRINT => println!(
                "disk: only {} free on {}; a cold run writes about {} under target/ and may run out",
                format_gib(free),
                root.display(),
                format_gib(TEST_FOOTPRINT)
            ),
            Some(free) => println!("disk: {} free on {}", format_gib(free), root.display()),
            None => {}
        }
        let short = free.is_some_and(|free| free < LEAN_BELOW);
        let on = asked || short;
        if on {
            let why = if asked {
                "asked for"
            } else {
                "the disk is short"
            };
            println!(
                "lean ({why}): build outputs under {} are deleted once no later step needs them",
                target.display()
            );
        }
        Self { target, on }
    }

    /// Deletes `target/<relative>` if lean; says how much that freed.
    pub fn done_with(&self, relative: &str) -> Result<(), String> {
        if !self.on {
            return Ok(());
        }
        let path = self.target.join(relative);
        let bytes = size_of_tree(&path);
        if bytes == 0 {
            return Ok(());
        }
        std::fs::remove_dir_all(&path)
            .map_err(|e| format!("lean: could not delete {}: {e}", path.display()))?;
        println!("lean: deleted {} ({})", path.display(), format_gib(bytes));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_a_folder_is_not_followed() {
        let root = std::env::temp_dir().join(format!("su-render-size-{}", std::process::id()));
        let inner = root.join("prefix/dosdevices");
        std::fs::create_dir_all(&inner).expect("temp folder");
        std::fs::write(root.join("prefix/file"), b"12345").expect("a file");
        // As in a wine prefix: a drive letter pointing at the root of the machine.
        std::os::unix::fs::symlink("/", inner.join("z:")).expect("symlink");
        let bytes = size_of_tree(&root.join("prefix"));
        assert!(bytes < 4096, "only the prefix itself is counted: {bytes}");
        std::fs::remove_dir_all(&root).expect("cleaned up");
        assert!(Path::new("/usr").exists(), "nothing outside was touched");
    }

    #[test]
    fn free_space_is_read_from_df() {
        let free = free_bytes(Path::new(".")).expect("df answers for the working directory");
        assert!(
            free > 0,
            "a disk with nothing free could not have built this test"
        );
        assert_eq!(free_bytes(Path::new("/no/such/folder")), None);
    }

    #[test]
    fn sizes_are_shown_in_gib() {
        assert_eq!(format_gib(3 << 30), "3.0 GiB");
        assert_eq!(format_gib(1536 << 20), "1.5 GiB");
    }

    #[test]
    fn lean_deletes_only_when_on_and_counts_what_it_deleted() {
        let root = std::env::temp_dir().join(format!("su-render-lean-{}", std::process::id()));
        let outputs = root.join("target/wasm32-unknown-unknown/debug/deps");
        std::fs::create_dir_all(&outputs).expect("make a fake target/");
        std::fs::write(outputs.join("a.rlib"), vec![0u8; 3000]).expect("write");
        std::fs::write(outputs.join("b.wasm"), vec![0u8; 1000]).expect("write");
        let wasm_debug = root.join("target/wasm32-unknown-unknown/debug");
        assert_eq!(size_of_tree(&wasm_debug), 4000);

        let off = Lean {
            target: root.join("target"),
            on: false,
        };
        off.done_with("wasm32-unknown-unknown/debug").expect("off");
        assert!(wasm_debug.exists(), "off must keep the outputs");

        let on = Lean {
            target: root.join("target"),
            on: true,
        };
        on.done_with("wasm32-unknown-unknown/debug").expect("on");
        assert!(!wasm_debug.exists(), "on must delete them");
        assert!(root.join("target/wasm32-unknown-unknown").exists());
        on.done_with("no/such/folder")
            .expect("nothing to delete is fine");

        std::fs::remove_dir_all(&root).expect("clean up");
    }
}
