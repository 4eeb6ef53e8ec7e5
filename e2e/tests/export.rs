//! Export of a render set from history: a ZIP with the pictures and a JSON recipe, never the key.

use std::io::Read;

use serde_json::{json, Value};
use su_render_e2e::driver::BrowserOptions;
use su_render_e2e::page::{Page, Server, TempDir};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const KEY: &str = "0123456789abcdef0123456789abcdef";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_exports_pictures_and_recipe_as_zip() -> Result {
    let server = Server::fast().await?;
    let b = Page::launch(BrowserOptions::new("export", "en-US")).await?;
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
    let zip = su_render_e2e::wait_download(&downloads.path, "zip").await?;
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
    let entries = su_render_e2e::zip_entries(&bytes);
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
    // What it cost, and which API uploaded and polled.
    assert_eq!(recipe["coins"], "12", "{recipe}");
    assert!(recipe["taskCostTime"].is_string(), "{recipe}");
    assert_eq!(
        (recipe["uploadApi"].clone(), recipe["pollApi"].clone()),
        (json!("v2"), json!("v2")),
        "{recipe}"
    );
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(KEY), "the key must never be exported");
    Ok(())
}
