//! Small settings in localStorage, versioned so that a later release can read what this one wrote.

use serde::{Deserialize, Serialize};

const SETTINGS_KEY: &str = "su-render.settings.v1";
const API_KEY_KEY: &str = "su-render.key.v1";

/// Which API the requests go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SiteChoice {
    /// https://www.runninghub.cn
    Cn,
    /// https://www.runninghub.ai
    Ai,
    /// The server that served this page (simulator or relay).
    Local,
    /// Any base URL (a relay).
    Custom,
}

impl SiteChoice {
    /// The value used in the site `<select>` and in links.
    pub fn slug(self) -> &'static str {
        match self {
            SiteChoice::Cn => "cn",
            SiteChoice::Ai => "ai",
            SiteChoice::Local => "local",
            SiteChoice::Custom => "custom",
        }
    }

    pub fn from_slug(slug: &str) -> Option<SiteChoice> {
        [
            SiteChoice::Cn,
            SiteChoice::Ai,
            SiteChoice::Local,
            SiteChoice::Custom,
        ]
        .into_iter()
        .find(|s| s.slug() == slug)
    }
}

/// Everything remembered between visits except the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The site the user picked; `None` means "the default" (this server when it has the
    /// simulator or relay, RunningHub China otherwise).
    pub site: Option<SiteChoice>,
    pub custom_base: String,
    pub webapp_id: String,
    pub remember_key: bool,
    /// "zh" or "en"; `None` follows the browser.
    pub lang: Option<String>,
    /// Shrink large pictures in the browser before upload.
    pub shrink: bool,
    /// Longest side after shrinking, in pixels.
    pub max_side: u32,
    /// Keep every new rendering's pictures on this device as soon as it succeeds.
    pub auto_keep: bool,
    /// A relay the user chose for the two RunningHub sites (the SU Render app on this computer,
    /// or a team's), as a base URL; empty for direct calls. Not a secret, but the key goes
    /// there, so it is only used after the user trusted it.
    pub relay: String,
    /// "API version: v1 only" (for relays that pass only v1's paths); otherwise automatic: v2
    /// where the base answers it, v1 where it doesn't (found out per base, per visit). A bool,
    /// not an enum: serde's enum reader costs a kilobyte of wasm.
    pub api_v1_only: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            site: None,
            custom_base: String::new(),
            webapp_id: crate::protocol::SU_WEBAPP_ID.to_owned(),
            remember_key: false,
            lang: None,
            shrink: true,
            max_side: crate::lifecycle::prepare::DEFAULT_MAX_SIDE,
            auto_keep: false,
            relay: String::new(),
            api_v1_only: false,
        }
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

impl Settings {
    /// The saved settings, or the defaults when there are none or they can't be read.
    pub fn load() -> Settings {
        local_storage()
            .and_then(|s| s.get_item(SETTINGS_KEY).ok().flatten())
            .and_then(|json| Settings::from_json(&json))
            .unwrap_or_default()
    }

    /// Reads saved settings; unknown fields are ignored and missing ones take their defaults.
    pub fn from_json(json: &str) -> Option<Settings> {
        serde_json::from_str(json).ok()
    }

    pub fn save(&self) {
        if let (Some(storage), Ok(json)) = (local_storage(), serde_json::to_string(self)) {
            // Storage can be full or disabled (private mode): settings then last for this visit.
            let _ = storage.set_item(SETTINGS_KEY, &json);
        }
    }
}

/// The remembered API key, if the user asked for it to be remembered.
pub fn load_key() -> Option<String> {
    local_storage()?.get_item(API_KEY_KEY).ok().flatten()
}

/// Remembers the key, or forgets it with `None`.
pub fn store_key(key: Option<&str>) {
    if let Some(storage) = local_storage() {
        let _ = match key {
            Some(key) if !key.is_empty() => storage.set_item(API_KEY_KEY, key),
            _ => storage.remove_item(API_KEY_KEY),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_old_formats() {
        let settings = Settings {
            site: Some(SiteChoice::Ai),
            custom_base: "http://relay".into(),
            webapp_id: "1".into(),
            remember_key: true,
            lang: Some("en".into()),
            shrink: false,
            max_side: 2048,
            auto_keep: true,
            relay: "http://127.0.0.1:8080".into(),
            api_v1_only: true,
        };
        let json = serde_json::to_string(&settings).expect("serialises");
        assert!(
            !json.contains("apiKey") && !json.contains("key\":\""),
            "{json}"
        );
        assert_eq!(Settings::from_json(&json), Some(settings));
        // Fields added later take defaults; unknown fields are ignored.
        let old = r#"{"site":"cn","future":1}"#;
        let read = Settings::from_json(old).expect("reads");
        assert_eq!(read.site, Some(SiteChoice::Cn));
        assert_eq!(read.webapp_id, crate::protocol::SU_WEBAPP_ID);
        assert!(read.shrink);
        assert_eq!(read.max_side, 2560);
        assert!(!read.api_v1_only);
        assert_eq!(Settings::from_json("not json"), None);
    }

    #[test]
    fn slugs() {
        for site in [
            SiteChoice::Cn,
            SiteChoice::Ai,
            SiteChoice::Local,
            SiteChoice::Custom,
        ] {
            assert_eq!(SiteChoice::from_slug(site.slug()), Some(site));
        }
        assert_eq!(SiteChoice::from_slug("x"), None);
    }
}
