//! First paint and time until the form can be used, cold cache, against a static HTML page of the
//! same byte size served the same way (same server, same run, alternating order).

use std::path::Path;
use std::time::Duration;

use crate::browser::{Driver, Result, Server};
use su_render_server::SimConfig;

/// Where the static page goes, next to the app's files.
pub const SAME_SIZE_PAGE: &str = "bench-same-size.html";

/// What one page load gave, in ms since navigation start.
#[derive(Default)]
pub struct Samples {
    pub fcp: Vec<f64>,
    pub ready: Vec<f64>,
}

pub struct Paint {
    pub app: Samples,
    pub same_size: Samples,
}

/// A plain page of exactly `bytes` bytes: a heading, paragraphs of text, and a `#render` button
/// at the very end, so that "the form is usable" means "the whole page has arrived and parsed".
pub fn same_size_page(bytes: usize) -> String {
    let head = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>Static page</title></head>\n<body><h1>SU Render</h1>\n";
    let tail = "<button id=\"render\" type=\"button\">Render</button></body></html>\n";
    let mut page = String::with_capacity(bytes);
    page.push_str(head);
    let mut n = 0u32;
    loop {
        let para = format!(
            "<p>Paragraph {n}: a SketchUp screenshot goes in, a photorealistic rendering comes \
             out; the page follows the task from queued to running to the finished images.</p>\n"
        );
        if page.len() + para.len() + tail.len() > bytes {
            break;
        }
        page.push_str(&para);
        n += 1;
    }
    let pad = bytes.saturating_sub(page.len() + tail.len());
    page.push_str(&" ".repeat(pad));
    page.push_str(tail);
    page
}

/// First contentful paint and `#render` appearing, as `performance.now()` ms.
const TIMES: &str = "const p = performance.getEntriesByName('first-contentful-paint')[0];
    const b = window.__bench;
    return p && b && b.ready !== null ? [p.startTime, b.ready] : null;";

async fn load(driver: &Driver, url: &str, throttled: bool) -> Result<(f64, f64)> {
    let session = driver.session(false).await?;
    if throttled {
        session.throttle().await?;
    }
    session.client().goto(url).await?;
    let times = session
        .wait_js(TIMES, Duration::from_secs(120), url)
        .await?;
    let at = |i: usize| times[i].as_f64().unwrap_or(f64::NAN);
    Ok((at(0), at(1)))
}

/// `runs` cold loads of each page; `site` holds the app and [`SAME_SIZE_PAGE`].
pub async fn measure(driver: &Driver, site: &Path, runs: usize, throttled: bool) -> Result<Paint> {
    let server = Server::start(site, SimConfig::default()).await?;
    let app_url = format!("{}/", server.base);
    let static_url = format!("{}/{SAME_SIZE_PAGE}", server.base);
    let mut paint = Paint {
        app: Samples::default(),
        same_size: Samples::default(),
    };
    for run in 0..runs {
        // Alternate which page goes first, so neither always gets a warmer machine.
        let order = if run % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_app in order {
            let url = if is_app { &app_url } else { &static_url };
            let (fcp, ready) = load(driver, url, throttled).await?;
            let samples = if is_app {
                &mut paint.app
            } else {
                &mut paint.same_size
            };
            samples.fcp.push(fcp);
            samples.ready.push(ready);
        }
    }
    Ok(paint)
}

/// `runs` cold loads of the app alone, from `dir` as it is (with `cargo xtask build`'s `.br`/`.gz`
/// siblings, the server sends the compressed bodies that Chromium accepts).
pub async fn measure_app(
    driver: &Driver,
    dir: &Path,
    runs: usize,
    throttled: bool,
) -> Result<Samples> {
    let server = Server::start(dir, SimConfig::default()).await?;
    let url = format!("{}/", server.base);
    let mut samples = Samples::default();
    for _ in 0..runs {
        let (fcp, ready) = load(driver, &url, throttled).await?;
        samples.fcp.push(fcp);
        samples.ready.push(ready);
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::same_size_page;

    #[test]
    fn the_static_page_has_the_asked_size() {
        for bytes in [1_000, 12_345, 800_000] {
            let page = same_size_page(bytes);
            assert_eq!(page.len(), bytes);
            assert!(page.ends_with("</html>\n") && page.contains("id=\"render\""));
        }
    }
}
