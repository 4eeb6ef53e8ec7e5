//! The two RunningHub sites, and telling them apart from other base URLs.

pub use rh_api::{AI_BASE, CN_BASE};

/// Normalises a base URL the user or a link gave: trimmed, no trailing slash. `None` unless it is
/// an absolute http(s) URL with a host and no query, fragment or credentials (a key must never be
/// sent to a URL that hides where it goes).
pub fn normalize_base(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches('/');
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let bad = host.is_empty()
        || host.contains('@')
        || url.contains(['?', '#', ' ', '\\'])
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    (!bad).then(|| format!("{scheme}://{}{path}", host.to_ascii_lowercase()))
}

/// True for the base URL of one of the two RunningHub sites (with or without `www.`).
pub fn is_runninghub_base(url: &str) -> bool {
    let Some(url) = normalize_base(url) else {
        return false;
    };
    [
        CN_BASE,
        AI_BASE,
        "https://runninghub.cn",
        "https://runninghub.ai",
    ]
    .contains(&url.as_str())
}

/// True for an http(s) URL, as a webhook must be.
pub fn is_http_url(url: &str) -> bool {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    matches!(rest, Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !url.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases() {
        assert_eq!(
            normalize_base(" https://www.runninghub.cn/ ").as_deref(),
            Some(CN_BASE)
        );
        assert_eq!(
            normalize_base("http://127.0.0.1:8080/relay/").as_deref(),
            Some("http://127.0.0.1:8080/relay")
        );
        assert_eq!(normalize_base("ftp://x"), None);
        assert_eq!(normalize_base("https://user:pw@evil.example"), None);
        assert_eq!(normalize_base("https://x.example/?a=1"), None);
        assert_eq!(normalize_base("https://"), None);
        assert_eq!(normalize_base("javascript:alert(1)"), None);
    }

    #[test]
    fn only_the_two_sites_are_runninghub() {
        assert!(is_runninghub_base("https://www.runninghub.cn"));
        assert!(is_runninghub_base("https://www.runninghub.ai/"));
        assert!(is_runninghub_base("HTTPS://WWW.RUNNINGHUB.AI"));
        assert!(!is_runninghub_base("http://www.runninghub.cn"));
        assert!(!is_runninghub_base(
            "https://www.runninghub.cn.evil.example"
        ));
        assert!(!is_runninghub_base(
            "https://evil.example/www.runninghub.cn"
        ));
        assert!(!is_runninghub_base("http://127.0.0.1:8080"));
    }

    #[test]
    fn webhooks() {
        assert!(is_http_url("https://hooks.example/x"));
        assert!(is_http_url("http://10.0.0.1:9000"));
        assert!(!is_http_url("hooks.example"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https:// a"));
        assert!(!is_http_url("ftp://x"));
    }
}
