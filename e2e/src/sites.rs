//! Two simulated RunningHub sites, each knowing its own key only (as the real China and
//! international sites do), and the designer's way through them: a key from the other site is
//! found, the page offers to switch, one click switches, and the render goes to the key's own
//! site. Used by `e2e/tests/codes.rs` (our server relaying `/cn` and `/ai` to the two) and by
//! `e2e/tests/packaged.rs` (the one-file app with `--relay-cn` and `--relay-ai`).

use std::path::Path;

use serde_json::Value;

pub use crate::client::ACCOUNT;
use crate::client::{upload_entries, RUN};
use crate::page::Page;
use crate::{fast_sim, log_entries_for, Result, Server, SimConfig};

/// The one key the simulated China site knows.
pub const CN_KEY: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";
/// The one key the simulated international site knows.
pub const AI_KEY: &str = "a1a1a1a1b2b2b2b2c3c3c3c3d4d4d4d4";

/// Two simulators: the "China" one takes [`CN_KEY`] only, the "international" one
/// [`AI_KEY`] only (802 for any other key, as `--simulator --require-key K` does).
pub async fn two_sites() -> Result<(Server, Server)> {
    let site = |key: &str| SimConfig {
        require_key: Some(key.to_owned()),
        ..fast_sim()
    };
    Ok((
        Server::start(site(CN_KEY)).await?,
        Server::start(site(AI_KEY)).await?,
    ))
}

/// How many calls to `path` a simulator has had.
pub async fn calls(sim: &Server, path: &str) -> Result<usize> {
    let log: Vec<Value> = sim.sim_log().await?;
    Ok(log_entries_for(&log, path).len())
}

/// The page at `base` (served by a relay whose `/cn` goes to `cn` and `/ai` to `ai`) starts on
/// RunningHub China; the designer pastes the international key. The page finds the key's site
/// by itself, says so and offers the switch; one click switches; the render (a picked
/// `screenshot`, uploaded and run) then goes to the international site only. `name` names the
/// screenshots of the offer.
pub async fn key_from_the_other_site(
    b: &Page,
    base: &str,
    (cn, ai): (&Server, &Server),
    screenshot: &Path,
    name: &str,
) -> Result {
    b.load(&format!("{base}/")).await?;
    assert_eq!(b.prop("#site", "value").await?, "cn", "the relay's default");

    // Typing the key is enough: once it has settled, both sites are asked (free calls).
    b.fill("#api-key", AI_KEY).await?;
    b.wait_for("#key-site").await?;
    let offer = b.text_of("#key-site").await?;
    assert!(
        offer.contains("RunningHub International") && offer.contains("China site does not know"),
        "the offer says which site knows the key: {offer:?}"
    );
    assert_eq!(
        b.text_of("#switch-site").await?,
        "Switch to RunningHub International"
    );
    assert!(!b.exists("#account-error").await?, "{offer}");
    assert_eq!(calls(cn, ACCOUNT).await?, 1, "China was asked once");
    assert_eq!(calls(ai, ACCOUNT).await?, 1, "then the international site");
    assert_eq!(
        b.prop("#site", "value").await?,
        "cn",
        "nothing switched yet"
    );
    for width in [crate::page::PHONE_WIDTH, crate::page::DESKTOP_WIDTH] {
        let shot = b.screenshot_at(width, &format!("{name}-{width}")).await?;
        println!("screenshot: {}", shot.display());
    }
    b.reset_width().await?;

    // One click: the international site is the choice, and its answer shows as the balance.
    b.click("#switch-site").await?;
    b.wait_gone("#key-site").await?;
    assert_eq!(b.prop("#site", "value").await?, "ai");
    let balance = b.text_of("#account").await?;
    assert!(balance.contains("Coins left"), "{balance}");
    assert!(
        b.local_storage().await?.contains(r#""site":"ai""#),
        "the switch is remembered like a pick from the list"
    );
    assert_eq!(
        calls(ai, ACCOUNT).await?,
        1,
        "the switch asked nothing again"
    );

    b.pick_screenshot(screenshot).await?;
    b.click_render().await?;
    b.wait_status("succeeded").await?;
    assert!(b.wait_image_loaded("img.output-image").await? > 0);

    let (cn_log, ai_log) = (cn.sim_log().await?, ai.sim_log().await?);
    assert_eq!(log_entries_for(&ai_log, RUN).len(), 1, "{ai_log:?}");
    assert_eq!(upload_entries(&ai_log).len(), 1, "{ai_log:?}");
    assert!(
        log_entries_for(&cn_log, RUN).is_empty() && upload_entries(&cn_log).is_empty(),
        "nothing but the free check went to the China site: {cn_log:?}"
    );
    // The key travelled in bodies and headers only.
    for url in b.request_urls().await? {
        assert!(!url.contains(AI_KEY), "the key is in a URL: {url}");
    }
    Ok(())
}
