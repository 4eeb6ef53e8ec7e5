//! The SketchUp extension as SketchUp installs it: an `.rbz`, a ZIP holding the root loader
//! `su_render.rb` and the folder `su_render/` beside it (Extension Manager → Install Extension).
//!
//! One writer for the two places that make it, so that both give the same bytes: `build.rs`
//! (compiled into the server, served at `/__su/extension.rbz`) and `cargo xtask package` (written
//! to `target/package/su-render-<version>.rbz` for the release). Both include this file with
//! `#[path]`; it needs only `std` and `crc32fast`.
//!
//! Stored entries (no compression: the Ruby files are a few KB, and no deflater is needed), in
//! name order, with a fixed date, so the same sources always make the same bytes. The Ruby
//! tests (`sketchup/test/`), hidden files and anything outside the loader and its folder stay out.

use std::io;
use std::path::Path;

/// The root loader, at the top of the archive.
pub const LOADER: &str = "su_render.rb";
/// The folder with the rest of the extension.
pub const FOLDER: &str = "su_render";

/// The `.rbz` made from `sketchup` (the repository's `sketchup/` folder), or `None` when it has
/// no loader (a checkout without the extension).
pub fn build(sketchup: &Path) -> io::Result<Option<Vec<u8>>> {
    let files = collect(sketchup)?;
    Ok((!files.is_empty()).then(|| zip(&files)))
}

/// The files that go into the `.rbz`, as (name inside the archive, bytes), in name order:
/// nothing when `sketchup` has no loader.
pub fn collect(sketchup: &Path) -> io::Result<Vec<(String, Vec<u8>)>> {
    let loader = sketchup.join(LOADER);
    if !loader.is_file() {
        return Ok(Vec::new());
    }
    let mut files = vec![(LOADER.to_owned(), std::fs::read(&loader)?)];
    let folder = sketchup.join(FOLDER);
    if folder.is_dir() {
        walk(&folder, FOLDER, &mut files)?;
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

fn walk(dir: &Path, prefix: &str, files: &mut Vec<(String, Vec<u8>)>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // Editor and system files, and tests that belong in sketchup/test/ but strayed here.
        if name.starts_with('.') || name == "test" || name == "tests" {
            continue;
        }
        let path = entry.path();
        let inside = format!("{prefix}/{name}");
        if path.is_dir() {
            walk(&path, &inside, files)?;
        } else if path.is_file() {
            files.push((inside, std::fs::read(&path)?));
        }
    }
    Ok(())
}

/// 2026-01-01 00:00 in MS-DOS form: a fixed date, so that the bytes depend on the files only.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = ((2026 - 1980) << 9) | (1 << 5) | 1;

/// A ZIP of `files` (name, bytes), stored, in the given order.
pub fn zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, bytes) in files {
        let crc = crc32fast::hash(bytes);
        let size = bytes.len() as u32;
        // Bit 11: the name is UTF-8 (only set when it needs to be).
        let flags: u16 = if name.is_ascii() { 0 } else { 1 << 11 };
        let offset = out.len() as u32;
        let common = |buf: &mut Vec<u8>| {
            buf.extend_from_slice(&10u16.to_le_bytes()); // version needed: 1.0
            buf.extend_from_slice(&flags.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // stored
            buf.extend_from_slice(&DOS_TIME.to_le_bytes());
            buf.extend_from_slice(&DOS_DATE.to_le_bytes());
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(bytes);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&10u16.to_le_bytes()); // made by: MS-DOS, 1.0
        common(&mut central);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment length
        central.extend_from_slice(&0u16.to_le_bytes()); // disk number
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_at = out.len() as u32;
    let count = files.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // this disk
    out.extend_from_slice(&0u16.to_le_bytes()); // disk with the directory
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entries of a ZIP, read through its central directory (as unzip does): name, bytes;
    /// panics on anything malformed (sizes, CRCs, offsets, the local headers' copies).
    fn read(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
        let u32_at = |i: usize| u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]);
        let end = zip.len() - 22;
        assert_eq!(u32_at(end), 0x0605_4b50, "end of central directory");
        let count = u16_at(end + 10);
        let mut at = u32_at(end + 16) as usize;
        assert_eq!(at + u32_at(end + 12) as usize, end, "directory size");
        let mut out = Vec::new();
        for _ in 0..count {
            assert_eq!(u32_at(at), 0x0201_4b50, "central header");
            let (crc, size) = (u32_at(at + 16), u32_at(at + 20) as usize);
            assert_eq!(u16_at(at + 10), 0, "stored");
            let name_len = u16_at(at + 28);
            let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).expect("utf-8");
            let local = u32_at(at + 42) as usize;
            assert_eq!(u32_at(local), 0x0403_4b50, "local header of {name}");
            assert_eq!(zip[local + 14..local + 26], zip[at + 16..at + 28], "{name}");
            let start = local + 30 + u16_at(local + 26) + u16_at(local + 28);
            let bytes = zip[start..start + size].to_vec();
            assert_eq!(crc32fast::hash(&bytes), crc, "CRC of {name}");
            out.push((name, bytes));
            at += 46 + name_len + u16_at(at + 30) + u16_at(at + 32);
        }
        out
    }

    #[test]
    fn the_loader_and_its_folder_without_tests_or_hidden_files() {
        let dir = std::env::temp_dir().join(format!("su-render-rbz-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(build(&dir).expect("no folder is no extension"), None);
        let put = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
            std::fs::write(path, text).expect("write");
        };
        put("su_render/main.rb", "module SURender; end\n");
        assert_eq!(build(&dir).expect("read"), None, "no loader, no extension");
        put("su_render.rb", "# loader\n");
        put("su_render/ui/dialog.html", "<p>你好</p>");
        put("su_render/.DS_Store", "x");
        put("su_render/test/stray_test.rb", "x");
        put("test/test_capture.rb", "x");
        put("Rakefile", "x");
        let names: Vec<String> = collect(&dir)
            .expect("read")
            .into_iter()
            .map(|f| f.0)
            .collect();
        assert_eq!(
            names,
            [
                "su_render.rb",
                "su_render/main.rb",
                "su_render/ui/dialog.html"
            ]
        );
        let zip = build(&dir).expect("read").expect("an extension");
        let entries = read(&zip);
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[0],
            ("su_render.rb".to_owned(), b"# loader\n".to_vec())
        );
        assert_eq!(entries[2].1, "<p>你好</p>".as_bytes());
        assert_eq!(
            build(&dir).expect("read"),
            Some(zip),
            "the same bytes every time"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
