//! Where a designer gets the one-file SU Render app (the page with a relay built in), for the
//! guide the page shows when the browser blocks calls to RunningHub.

/// The address the one-file app serves the page at, when started by a double-click.
pub const LOCAL_APP: &str = "http://127.0.0.1:8080";

/// The releases page that carries the one-file app: from the repository the build was made for
/// (`owner/name`, as GitHub Actions gives it), or else from a GitHub Pages address
/// (`https://<owner>.github.io/<name>/…`). `None` when neither tells.
pub fn releases_url(build_repository: Option<&str>, host: &str, path: &str) -> Option<String> {
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    let repository = match build_repository.and_then(|r| r.split_once('/')) {
        Some((owner, name)) if valid(owner) && valid(name) => format!("{owner}/{name}"),
        _ => {
            let owner = host
                .to_ascii_lowercase()
                .strip_suffix(".github.io")?
                .to_owned();
            let name = path.trim_start_matches('/').split('/').next()?;
            if !valid(&owner) || !valid(name) {
                return None;
            }
            format!("{owner}/{name}")
        }
    };
    Some(format!("https://github.com/{repository}/releases/latest"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_the_build_or_the_pages_address() {
        assert_eq!(
            releases_url(Some("studio/su-render"), "example.org", "/").as_deref(),
            Some("https://github.com/studio/su-render/releases/latest")
        );
        assert_eq!(
            releases_url(None, "Studio.github.io", "/su-render/index.html").as_deref(),
            Some("https://github.com/studio/su-render/releases/latest")
        );
        // A user site (owner.github.io at the root) names no repository.
        assert_eq!(releases_url(None, "studio.github.io", "/"), None);
        assert_eq!(releases_url(None, "127.0.0.1:8080", "/x/"), None);
        assert_eq!(releases_url(Some("not a repo"), "example.org", "/"), None);
        assert_eq!(
            releases_url(Some("a/b\"><script>"), "studio.github.io", "/r/").as_deref(),
            Some("https://github.com/studio/r/releases/latest")
        );
    }
}
