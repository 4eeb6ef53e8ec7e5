//! Running child processes: cargo, a command's outcome as an error message, a command's output.

use std::ffi::OsString;
use std::process::Command;

/// `cargo`, the same one that runs this xtask when there is one.
///
/// Without the variables `cargo run` set for this xtask (`CARGO_MANIFEST_DIR=…/xtask`, …): a
/// build script that watches one (ring's watches `CARGO_MANIFEST_DIR`) would otherwise see it
/// change between `cargo xtask …` and a plain `cargo test`, and each would rebuild ring,
/// rustls, reqwest and the server after the other.
pub fn cargo() -> Command {
    let mut cargo =
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")));
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("CARGO_PKG_")
            || matches!(
                name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            )
        {
            cargo.env_remove(name);
        }
    }
    cargo
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
