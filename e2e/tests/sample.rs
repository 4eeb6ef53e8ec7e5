//! A first try needs no picture of one's own: on the simulator, "Try a sample" fills the
//! screenshot with a built-in SketchUp-style picture, which is uploaded and rendered like a
//! picked one (two clicks to a rendering). On a real site the button is absent: it would bill.

use serde_json::Value;
use su_render_e2e::client::{node_value, png_dimensions, upload_entries, ClientPage, RUN};
use su_render_e2e::raw_http::get_bytes;
use su_render_e2e::{log_entries_for, Harness, Options, Result};

const SAMPLE: &str = "#node-112-sample";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_renders_end_to_end_in_two_clicks() -> Result {
    let h = Harness::start(Options::new("sample-render")).await?;
    let page = h.open_page().await?;
    page.wait_for(SAMPLE).await?.click().await?;
    page.wait_upload("node-112", "done").await?;
    page.wait_for("#node-112-preview").await?;
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    page.wait_image_loaded("img.output-image").await?;
    page.wait_image_loaded("#compare img.before").await?;

    let log = h.sim_log().await?;
    assert_eq!(
        upload_entries(&log).len(),
        1,
        "the sample is uploaded once (on either API)"
    );
    let runs = log_entries_for(&log, RUN);
    assert_eq!(runs.len(), 1, "one render");
    let body = su_render_e2e::entry_body(runs[0]);
    let name = node_value(&body, "112", "image")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    // v2 names its uploads `openapi/…`, v1 `api/…`.
    let stored = name
        .strip_prefix("openapi/")
        .or_else(|| name.strip_prefix("api/"))
        .ok_or_else(|| format!("node 112 holds the uploaded name, not {name:?}"))?;
    let (status, bytes) = get_bytes(&format!("{}/sim-files/uploads/{stored}", h.base_url)).await?;
    assert_eq!(status, 200, "the simulator has the upload");
    assert!(
        bytes.len() <= 60 * 1024,
        "the sample is at most 60 KB: {} bytes",
        bytes.len()
    );
    assert_eq!(
        png_dimensions(&bytes),
        Some((640, 400)),
        "a 640×400 PNG was uploaded"
    );
    println!("the sample: {} bytes", bytes.len());
    let record = su_render_e2e::journal::Journal::new(&h)
        .wait_record(
            "the render is journaled",
            su_render_e2e::DEFAULT_WAIT,
            |r| r.phase() == "succeeded",
        )
        .await?;
    assert_eq!(
        record.json["source_name"],
        Value::from("sketchup-sample.png"),
        "history names the sample"
    );
    h.screenshot("sample-rendered").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_is_offered_on_the_simulator_only() -> Result {
    let h = Harness::start(Options::new("sample-real-site")).await?;
    let page = h.open_page().await?;
    page.wait_for(SAMPLE).await?;
    page.set_site("cn").await?;
    page.wait_gone(SAMPLE).await?;
    page.set_site("ai").await?;
    assert!(
        !page.exists(SAMPLE).await?,
        "absent on the international site"
    );
    page.set_site("local").await?;
    page.wait_for(SAMPLE).await?;
    assert!(
        h.sim_log().await?.is_empty(),
        "looking at the button sends nothing"
    );
    Ok(())
}
