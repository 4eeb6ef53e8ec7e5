//! The project's own local server announces itself at `/__su/info`, so the page can default to
//! it (simulator or relay) and, in tests, poll faster. A page hosted elsewhere gets a 404 there.

use serde::de::IgnoredAny;
use serde::Deserialize;

/// Where the project's local server says it stands.
pub const INFO_PATH: &str = "/__su/info";

/// What the local server says about itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerInfo {
    /// True for the simulator, false for the relay.
    pub simulator: bool,
    /// The real RunningHub site the relay forwards to.
    pub upstream: Option<String>,
    /// Poll intervals the simulator asks for (tests make them short).
    pub poll_first_ms: Option<u32>,
    pub poll_steady_ms: Option<u32>,
    /// The relay serves both RunningHub sites under `/cn` and `/ai` (the site stays the page's
    /// choice, one server serves both).
    pub relay_sites: bool,
    /// The path of the server's result-file proxy (`/__su/file`), for result hosts that send
    /// no CORS headers.
    pub file_proxy: Option<String>,
    /// The simulator takes one key only (as a real site would): the demo key won't do.
    pub key_required: bool,
    /// How long a hidden tab keeps a task's progress socket (tests make it short).
    pub socket_hidden_close_ms: Option<u32>,
    /// The server takes pictures from the SketchUp extension (`/__su/inbox`): the app on this
    /// computer.
    pub inbox: bool,
}

/// Asks the server at `base` (empty: this page's own) who it is; `None` when it is not ours or
/// does not answer.
pub async fn fetch_server_info(base: &str) -> Option<ServerInfo> {
    let response = gloo_net::http::Request::get(&format!("{base}{INFO_PATH}"))
        .send()
        .await
        .ok()?;
    if !response.ok() {
        return None;
    }
    parse_server_info(&response.text().await.ok()?)
}

/// The info answer as our server writes it (server/src: `/__su/info`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Info {
    server: String,
    mode: Option<String>,
    upstream: Option<String>,
    poll_first_ms: Option<u64>,
    poll_steady_ms: Option<u64>,
    socket_hidden_close_ms: Option<u64>,
    /// `{"cn": "/cn", "ai": "/ai"}` on a relay that serves both sites.
    sites: Option<IgnoredAny>,
    file_proxy: Option<String>,
    key_required: Option<bool>,
    inbox: Option<bool>,
}

/// Where the server behind an API base answers [`INFO_PATH`]: a relay's site paths (`…/cn`,
/// `…/ai`) are under its root; any other base is taken as the root itself.
pub fn server_root(base: &str) -> &str {
    let base = base.trim_end_matches('/');
    base.strip_suffix("/cn")
        .or_else(|| base.strip_suffix("/ai"))
        .unwrap_or(base)
}

/// Parses the info answer; `None` when it is not ours (another server's page or error).
pub fn parse_server_info(body: &str) -> Option<ServerInfo> {
    let info: Info = super::loose::object(body)?;
    if info.server != "su-render" {
        return None;
    }
    let ms = |ms: Option<u64>| ms.map(|n| n.min(60_000) as u32);
    Some(ServerInfo {
        simulator: info.mode.as_deref() == Some("simulator"),
        upstream: info.upstream,
        poll_first_ms: ms(info.poll_first_ms),
        poll_steady_ms: ms(info.poll_steady_ms),
        relay_sites: info.sites.is_some(),
        // Only a path on this server: an absolute URL here would send result links elsewhere.
        file_proxy: info
            .file_proxy
            .filter(|p| p.starts_with('/') && !p.starts_with("//")),
        key_required: info.key_required == Some(true),
        socket_hidden_close_ms: ms(info.socket_hidden_close_ms),
        inbox: info.inbox == Some(true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots() {
        assert_eq!(
            server_root("http://127.0.0.1:8080/cn"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            server_root("https://relay.example/team/ai/"),
            "https://relay.example/team"
        );
        assert_eq!(
            server_root("https://relay.example"),
            "https://relay.example"
        );
        assert_eq!(
            server_root("https://relay.example/cnx"),
            "https://relay.example/cnx"
        );
    }

    #[test]
    fn info() {
        let sim = parse_server_info(
            r#"{"server":"su-render","mode":"simulator","pollFirstMs":200,"pollSteadyMs":300,"socketHiddenCloseMs":1500}"#,
        )
        .expect("ours");
        assert_eq!(sim.socket_hidden_close_ms, Some(1500));
        assert!(sim.simulator);
        assert_eq!(
            (sim.poll_first_ms, sim.poll_steady_ms),
            (Some(200), Some(300))
        );
        let relay = parse_server_info(r#"{"server":"su-render","mode":"relay","upstream":"https://www.runninghub.cn","pollFirstMs":null}"#).expect("ours");
        assert!(!relay.simulator);
        assert_eq!(relay.upstream.as_deref(), Some("https://www.runninghub.cn"));
        assert_eq!(relay.poll_first_ms, None);
        assert!(!relay.relay_sites, "an older relay without sites");
        let both = parse_server_info(r#"{"server":"su-render","version":"0.2.0","mode":"relay","upstream":null,"sites":{"cn":"/cn","ai":"/ai"},"fileProxy":"/__su/file"}"#).expect("ours");
        assert!(both.relay_sites && !both.simulator);
        assert_eq!(both.file_proxy.as_deref(), Some("/__su/file"));
        let elsewhere = parse_server_info(
            r#"{"server":"su-render","mode":"simulator","fileProxy":"//evil.example/x"}"#,
        )
        .expect("ours");
        assert_eq!(elsewhere.file_proxy, None);
        assert!(!sim.key_required && !relay.key_required);
        let strict =
            parse_server_info(r#"{"server":"su-render","mode":"simulator","keyRequired":true}"#)
                .expect("ours");
        assert!(strict.simulator && strict.key_required);
        assert!(!strict.inbox && !both.inbox, "older servers have no inbox");
        let app = parse_server_info(r#"{"server":"su-render","mode":"relay","inbox":true}"#)
            .expect("ours");
        assert!(app.inbox);
        assert_eq!(parse_server_info("<html>404</html>"), None);
        assert_eq!(parse_server_info(r#"{"server":"other"}"#), None);
    }
}
