//! Who may call the server from a page on another origin: the relay's `--allow-origin` list
//! (with Chromium's private-network preflight), the simulator's open CORS, and the simulator
//! that plays a RunningHub closed to other origins (`--no-cors`).

mod common;

use common::*;
use serde_json::json;
use su_render_server::Mode;

const TEAM: &str = "https://team.github.io";
const OTHER: &str = "https://evil.example";

/// An `OPTIONS` preflight for a JSON POST from `origin`, asking for private-network access
/// when `private_network`.
async fn preflight(url: &str, origin: &str, private_network: bool) -> Answer {
    let mut request = client()
        .request(reqwest::Method::OPTIONS, url)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type");
    if private_network {
        request = request.header("Access-Control-Request-Private-Network", "true");
    }
    answer(request.send().await.expect("preflight")).await
}

async fn post_from(url: &str, origin: &str) -> Answer {
    let response = client()
        .post(url)
        .header("Origin", origin)
        .json(&json!({"apiKey": KEY, "webappId": SU_APP}))
        .send()
        .await
        .expect("post");
    answer(response).await
}

fn header<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    answer.headers.get(name).and_then(|v| v.to_str().ok())
}

fn cors_headers(answer: &Answer) -> Vec<String> {
    answer
        .headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

#[tokio::test]
async fn a_team_relay_answers_preflights_for_its_origins_only() {
    let up = recorder().await;
    let mut settings = settings(Mode::Relay {
        upstream: up.base_url.clone(),
    });
    settings.allow_origins = vec![origin(TEAM), origin("http://127.0.0.1:5173")];
    let relay = start_with(settings).await;

    for path in [
        format!("/cn{RUN}"),
        format!("/ai{UPLOAD}"),
        RUN.to_owned(),
        "/cn/openapi/v2/query".to_owned(),
        "/__su/info".to_owned(),
        "/__su/file".to_owned(),
    ] {
        let url = relay.url(&path);
        let ok = preflight(&url, TEAM, true).await;
        assert_eq!(ok.status, 204, "{path}: {ok:?}");
        assert_eq!(header(&ok, "access-control-allow-origin"), Some(TEAM));
        assert_eq!(
            header(&ok, "access-control-allow-methods"),
            Some("GET, POST, OPTIONS")
        );
        assert_eq!(
            header(&ok, "access-control-allow-headers"),
            Some("content-type, authorization")
        );
        assert_eq!(header(&ok, "access-control-max-age"), Some("600"));
        assert_eq!(
            header(&ok, "access-control-allow-private-network"),
            Some("true")
        );
        assert_eq!(header(&ok, "access-control-allow-credentials"), None);
        assert!(
            header(&ok, "vary").unwrap_or("").contains("origin"),
            "{path}"
        );

        // Without the private-network question, no private-network answer.
        let plain = preflight(&url, "http://127.0.0.1:5173", false).await;
        assert_eq!(plain.status, 204, "{path}");
        assert_eq!(
            header(&plain, "access-control-allow-origin"),
            Some("http://127.0.0.1:5173")
        );
        assert_eq!(header(&plain, "access-control-allow-private-network"), None);

        for other in [OTHER, "https://team.github.io.evil.example", "null"] {
            let refused = preflight(&url, other, true).await;
            assert_eq!(refused.status, 403, "{path} from {other}");
            assert!(
                cors_headers(&refused).is_empty(),
                "{path} from {other}: {:?}",
                refused.headers
            );
        }
    }
    assert!(up.seen().is_empty(), "preflights never reach RunningHub");

    // Real calls: the listed origin may read the answer, another may not.
    let mine = post_from(&relay.url(&format!("/cn{RUN}")), TEAM).await;
    assert_eq!(mine.status, 200);
    assert_eq!(header(&mine, "access-control-allow-origin"), Some(TEAM));
    assert!(header(&mine, "vary").unwrap_or("").contains("origin"));
    let theirs = post_from(&relay.url(&format!("/cn{RUN}")), OTHER).await;
    assert!(cors_headers(&theirs).is_empty(), "{:?}", theirs.headers);
    let info = client()
        .get(relay.url("/__su/info"))
        .header("Origin", TEAM)
        .send()
        .await
        .expect("info");
    assert_eq!(
        info.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(TEAM)
    );
}

#[tokio::test]
async fn a_relay_without_allowed_origins_refuses_every_preflight() {
    let up = recorder().await;
    let relay = sites(&up.base_url, &up.base_url).await;
    for path in [format!("/cn{RUN}"), "/__su/info".to_owned()] {
        let refused = preflight(&relay.url(&path), TEAM, true).await;
        assert_eq!(refused.status, 403, "{path}");
        assert!(cors_headers(&refused).is_empty(), "{:?}", refused.headers);
    }
    let run = post_from(&relay.url(&format!("/cn{RUN}")), TEAM).await;
    assert!(cors_headers(&run).is_empty(), "{:?}", run.headers);
    // The app on the relay's own origin needs no CORS at all: same-origin calls just work.
    let same = post(&relay.base, &format!("/cn{RUN}"), &json!({"apiKey": KEY})).await;
    assert_eq!(same.status, 200);
}

#[tokio::test]
async fn the_simulator_is_open_and_answers_private_network_preflights() {
    let sim = simulator().await;
    let ok = preflight(&sim.url(RUN), "https://example.com", true).await;
    assert!(ok.status == 200 || ok.status == 204, "{ok:?}");
    assert_eq!(
        header(&ok, "access-control-allow-origin"),
        Some("https://example.com")
    );
    assert_eq!(
        header(&ok, "access-control-allow-private-network"),
        Some("true")
    );
    let run = post_from(&sim.url(RUN), "https://example.com").await;
    assert_eq!(run.code(), 0, "{}", run.text());
    assert_eq!(header(&run, "access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn a_simulator_closed_to_other_origins_refuses_preflights_and_sends_no_cors() {
    let mut settings = settings(Mode::Simulator);
    settings.sim_no_cors = true;
    let sim = start_with(settings).await;
    for path in [RUN, UPLOAD, ACCOUNT, OUTPUTS, "/__su/info", "/__su/file"] {
        let refused = preflight(&sim.url(path), "https://example.com", true).await;
        assert!(
            refused.status == 403 || refused.status == 405,
            "{path}: {refused:?}"
        );
        assert!(
            cors_headers(&refused).is_empty(),
            "{path}: {:?}",
            refused.headers
        );
    }
    // A bare OPTIONS (no preflight) is not allowed either, and says nothing about CORS.
    let bare = answer(
        client()
            .request(reqwest::Method::OPTIONS, sim.url(RUN))
            .send()
            .await
            .expect("options"),
    )
    .await;
    assert_eq!(bare.status, 405);
    assert!(cors_headers(&bare).is_empty(), "{:?}", bare.headers);

    // A real call still works (curl, or the page on this origin) but carries no CORS header,
    // so a page elsewhere cannot read it.
    let run = post_from(&sim.url(RUN), "https://example.com").await;
    assert_eq!(run.code(), 0, "{}", run.text());
    assert!(cors_headers(&run).is_empty(), "{:?}", run.headers);
    // No preflight ever reached the simulator's API.
    let log = sim_log(&sim.base).await;
    assert_eq!(log.len(), 1, "{log:?}");
}
