//! Upload prep: an 8K PNG screenshot picked through the file input, shrunk in the browser to the
//! default upload size; how long that takes and how many bytes go up instead.

use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;
use su_render_server::SimConfig;

use crate::browser::{Driver, Result, Server, KEY};

pub const WIDTH: u32 = 7680;
pub const HEIGHT: u32 = 4320;

pub struct Upload {
    /// Change event of the file input → the sizes line on the page, ms.
    pub prep_ms: f64,
    pub original_bytes: u64,
    /// What the simulator received, when the upload got that far.
    pub uploaded_bytes: Option<u64>,
    /// The page's own line, e.g. "Original 12.3 MB (7680×4320) → uploaded 812 KB (2560×1440)".
    pub sizes_text: String,
}

/// xorshift32: cheap, deterministic texture.
fn next(state: &mut u32) -> u32 {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    *state
}

/// A SketchUp-like screenshot: smooth sky, a façade with window bands, brick-sized surface
/// texture and fine grain, a textured ground, and dark profile lines. Flat enough to compress like
/// a real screenshot, detailed enough that neither the PNG nor its shrunk copy is trivially small.
pub fn screenshot_rgb(width: u32, height: u32) -> Vec<u8> {
    const BLOCK: usize = 6;
    let (w, h) = (width as usize, height as usize);
    let mut rgb = Vec::with_capacity(w * h * 3);
    let mut seed = 0x2545_f491_u32;
    // Texture that survives shrinking: one value per BLOCK×BLOCK cell.
    let mut cells = vec![0i32; w / BLOCK + 1];
    let horizon = h * 7 / 10;
    let roof = h * 3 / 10;
    let (left, right) = (w / 8, w * 7 / 8);
    for y in 0..h {
        if y % BLOCK == 0 {
            for cell in &mut cells {
                *cell = (next(&mut seed) % 25) as i32 - 12;
            }
        }
        for x in 0..w {
            let grain = (next(&mut seed) % 7) as i32 - 3;
            let texture = cells[x / BLOCK] + grain;
            let edge = ((y == roof || y == horizon) && (left..right).contains(&x))
                || ((x == left || x == right) && (roof..horizon).contains(&y));
            let (r, g, b) = if edge {
                (20, 20, 20)
            } else if y < horizon && (left..right).contains(&x) && y > roof {
                let window = (x / 240) % 2 == 1 && (y / 180) % 2 == 1;
                if window {
                    (90 + (y * 60 / h) as i32, 130, 170)
                } else {
                    (190 + texture, 172 + texture, 150 + texture)
                }
            } else if y < horizon {
                let t = (y * 80 / horizon) as i32;
                (150 + t, 190 + t / 2, 235)
            } else {
                (96 + texture, 128 + texture, 70 + texture / 2)
            };
            rgb.extend_from_slice(&[r as u8, g as u8, b as u8]);
        }
    }
    rgb
}

/// Picks a generated 8K PNG for node 112 and waits for the page to shrink and upload it.
pub async fn measure(driver: &Driver, dist: &Path) -> Result<Upload> {
    let png = su_render_server::png::encode_rgb(WIDTH, HEIGHT, &screenshot_rgb(WIDTH, HEIGHT));
    let file = std::env::temp_dir().join(format!("su-render-bench-8k-{}.png", std::process::id()));
    std::fs::write(&file, &png)?;
    let result = pick_and_wait(driver, dist, &file).await;
    let _ = std::fs::remove_file(&file);
    let (prep_ms, uploaded_bytes, sizes_text) = result?;
    Ok(Upload {
        prep_ms,
        original_bytes: png.len() as u64,
        uploaded_bytes,
        sizes_text,
    })
}

async fn pick_and_wait(
    driver: &Driver,
    dist: &Path,
    file: &Path,
) -> Result<(f64, Option<u64>, String)> {
    let server = Server::start(dist, SimConfig::default()).await?;
    let session = driver.session(false).await?;
    session.open_app(&server.base).await?;
    // With a key the prepared file is uploaded, so the simulator can tell its exact size.
    session.fill("#api-key", KEY).await?;
    session
        .client()
        .find(Locator::Css("#node-112-file"))
        .await?
        .send_keys(&file.to_string_lossy())
        .await?;
    let prep_ms = session
        .wait_js(
            "const b = window.__bench;
             return b.pickAt !== null && b.sizesAt !== null ? b.sizesAt - b.pickAt : null;",
            Duration::from_secs(180),
            "the sizes line after picking the 8K PNG",
        )
        .await?
        .as_f64()
        .unwrap_or(f64::NAN);
    let sizes_text = session
        .js("const e = document.querySelector('#node-112-status ~ .sizes'); return e ? e.textContent : '';")
        .await?
        .as_str()
        .unwrap_or("")
        .to_string();
    // "api/<name>" once the upload is done; the simulator serves what it got at /sim-files/uploads/.
    let uploaded = session
        .wait_js(
            "const s = document.querySelector('#node-112-status[data-state=done]');
             const v = document.getElementById('node-112');
             return s && v && v.value ? v.value : null;",
            Duration::from_secs(60),
            "the upload of the shrunk file",
        )
        .await;
    let uploaded_bytes = match uploaded {
        Ok(name) => {
            let name = name.as_str().unwrap_or("");
            let stored = name.rsplit('/').next().unwrap_or(name);
            let size = session
                .client()
                .execute_async(
                    "const [path, done] = arguments;
                     fetch(path).then((r) => r.ok ? r.blob() : null).then((b) => done(b ? b.size : null), () => done(null));",
                    vec![serde_json::json!(format!("/sim-files/uploads/{stored}"))],
                )
                .await?;
            size.as_u64()
        }
        Err(e) => {
            eprintln!("bench: upload prep: {e} (reporting the page's sizes line only)");
            None
        }
    };
    Ok((prep_ms, uploaded_bytes, sizes_text))
}
