//! Files on disk as the build steps see them: the files of a tree, a file's length, and sizes
//! as the tables print them.

use std::fs;
use std::path::{Path, PathBuf};

/// Every file below `dir`, in subfolders too.
pub fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        // The entry's own type, not its target's: a symlink is listed, never followed. A wine
        // prefix holds `dosdevices/z: -> /`, and following it walked the whole machine.
        if entry.file_type()?.is_dir() {
            files_under(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Bytes as the tables print them.
pub fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// The length of the file at `path`.
pub fn file_len(path: &Path) -> Result<u64, String> {
    fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e}", path.display()))
}
