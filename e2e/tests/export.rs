//! Export of a render set from history: a ZIP with the pictures and a JSON recipe, never the key.

use std::io::Read;
use std::time::Duration;

use serde_json::{json, Value};
use su_render_e2e::page::{Browser, BrowserOptions, Server, TempDir};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const KEY: &str = "0123456789abcdef0123456789abcdef";

/// Reads the stored entries of a ZIP (local headers in order): name and bytes.
fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while zip.len() >= at + 30 && zip[at..at + 4] == [0x50, 0x4b, 0x03, 0x04] {
        let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
        let size =
            u32::from_le_bytes([zip[at + 18], zip[at + 19], zip[at + 20], zip[at + 21]]) as usize;
        let (name_len, extra) = (u16_at(at + 26), u16_at(at + 28));
        let name = String::from_utf8_lossy(&zip[at + 30..at + 30 + name_len]).into_owned();
        let start = at + 30 + name_len + extra;
        out.push((name, zip[start..start + size].to_vec()));
        at = start + size;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_exports_pictures_and_recipe_as_zip() -> Result {
    let server = Server::fast().await?;
    let b = Browser::launch(BrowserOptions::new("export", "en-US")).await?;
    let files = TempDir::new("export")?;
    let picture = files.png("hall.png", 640, 400, 5)?;
    b.open(&format!("{}/", server.base_url)).await?;
    b.fill("#api-key", KEY).await?;
    b.pick_screenshot(&picture).await?;
    b.click_render().await?;
    b.wait_status("succeeded").await?;
    b.wait_for(".history-item[data-phase=succeeded] button.export")
        .await?;
    // History shows the app and the picked screenshot beside the rendering.
    b.wait_for(".history-item .source-thumb").await?;
    let source = b
        .attr(".history-item .source-thumb", "src")
        .await?
        .unwrap_or_default();
    assert!(
        source.starts_with("blob:"),
        "the screenshot is shown from this device: {source}"
    );
    let app = b.text(".history-item .history-app").await?;
    assert!(app.contains("SketchUp"), "the app is named: {app}");

    let downloads = TempDir::new("export-downloads")?;
    b.cdp(
        "Browser.setDownloadBehavior",
        json!({ "behavior": "allow", "downloadPath": downloads.path.display().to_string() }),
    )
    .await?;
    b.click(".history-item button.export").await?;
    let mut zip = None;
    for _ in 0..100 {
        zip = std::fs::read_dir(&downloads.path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == "zip"));
        if zip.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let zip = zip.ok_or("no ZIP was downloaded")?;
    let name = zip
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert!(
        name.starts_with("hall-render-set-"),
        "named after the screenshot: {name}"
    );
    let mut bytes = Vec::new();
    std::fs::File::open(&zip)?.read_to_end(&mut bytes)?;
    let entries = entries(&bytes);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"recipe.json"), "{names:?}");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("hall-render-") && n.ends_with(".png")),
        "{names:?}"
    );
    let picture = &entries
        .iter()
        .find(|(n, _)| n.ends_with(".png"))
        .ok_or("no picture")?
        .1;
    assert!(
        picture.starts_with(b"\x89PNG"),
        "the picture is the rendering"
    );
    let recipe: Value = serde_json::from_slice(&entries[0].1)?;
    assert_eq!(recipe["app"], "1983061233110790146");
    assert!(
        recipe["taskId"].as_str().is_some_and(|t| t.len() > 15),
        "{recipe}"
    );
    assert!(
        recipe["nodeInfoList"]
            .as_array()
            .is_some_and(|n| !n.is_empty()),
        "{recipe}"
    );
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(KEY), "the key must never be exported");
    Ok(())
}
