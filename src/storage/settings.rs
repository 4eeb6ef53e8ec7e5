//! Small settings in localStorage, versioned so that a later release can read what this one wrote.

use serde::{Deserialize, Serialize};

const SETTINGS_KEY: &str = "su-render.settings.v1";
const API_KEY_KEY: &str = "su-render.key.v1";
const HISTORY_SEEN_KEY: &str = "su-render.history-seen.v1";

/// Which API the requests go to. Stored as its [`SiteChoice::slug`].
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
    /// The value used in the site `<select>`, in links and in the stored settings.
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

/// Everything remembered between visits except the key. Stored as a JSON object with these
/// fields' names: every field is written (`null` for `None`), a missing one reads as its default,
/// unknown ones are ignored (a later release's).
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
    /// where the base answers it, v1 where it doesn't (found out per base, per visit).
    pub api_v1_only: bool,
    /// "Render pictures from SketchUp at once": a picture from the extension is rendered (and
    /// billed) as it arrives, not held until Render is pressed. Off unless ticked; stored only
    /// while on, so settings without it stay as they were written.
    #[serde(skip_serializing_if = "is_off")]
    pub sketchup_at_once: bool,
}

fn is_off(on: &bool) -> bool {
    !on
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
            sketchup_at_once: false,
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
    /// A field of the wrong type (or an unknown site) makes them unreadable: the defaults are
    /// used then.
    pub fn from_json(json: &str) -> Option<Settings> {
        crate::protocol::loose::object(json)
    }

    /// The stored text: every field, in the order above.
    pub fn to_json(&self) -> String {
        // Strings, numbers and flags only: writing them can't fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn save(&self) {
        if let Some(storage) = local_storage() {
            // Storage can be full or disabled (private mode): settings then last for this visit.
            let _ = storage.set_item(SETTINGS_KEY, &self.to_json());
        }
    }
}

/// The remembered API key, if the user asked for it to be remembered.
pub fn load_key() -> Option<String> {
    local_storage()?.get_item(API_KEY_KEY).ok().flatten()
}

/// Remembers the key, or forgets it with `None`.
pub fn store_key(key: Option<&str>) {
    keep(API_KEY_KEY, key.filter(|k| !k.is_empty()));
}

/// Sets `name` to `value`, or removes it with `None`.
fn keep(name: &str, value: Option<&str>) {
    if let Some(storage) = local_storage() {
        let _ = match value {
            Some(value) => storage.set_item(name, value),
            None => storage.remove_item(name),
        };
    }
}

/// Whether the journal held a render when the page last looked. The history list is a part of
/// the split build, fetched once the journal has something to list: with this flag it is fetched
/// at start-up beside the journal's read, instead of after it (bench: history at start-up).
pub fn history_seen() -> bool {
    local_storage()
        .and_then(|s| s.get_item(HISTORY_SEEN_KEY).ok().flatten())
        .is_some()
}

/// Notes that the journal holds a render (`true`) or was emptied (`false`).
pub fn note_history_seen(seen: bool) {
    keep(HISTORY_SEEN_KEY, seen.then_some("1"));
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
            sketchup_at_once: true,
        };
        let json = settings.to_json();
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
        assert!(!read.sketchup_at_once, "off unless ticked");
        assert!(json.ends_with(r#","sketchup_at_once":true}"#), "{json}");
        assert_eq!(Settings::from_json("not json"), None);
        assert_eq!(Settings::from_json(r#"{"sketchup_at_once":"yes"}"#), None);
    }

    /// Settings as the serde-derived writer of earlier releases wrote them.
    const SERDE_DEFAULTS: &str = r#"{"site":null,"custom_base":"","webapp_id":"1983061233110790146","remember_key":false,"lang":null,"shrink":true,"max_side":2560,"auto_keep":false,"relay":"","api_v1_only":false}"#;
    const SERDE_CHANGED: &str = r#"{"site":"ai","custom_base":"http://relay","webapp_id":"1","remember_key":true,"lang":"en","shrink":false,"max_side":2048,"auto_keep":true,"relay":"http://127.0.0.1:8080","api_v1_only":true}"#;

    #[test]
    fn settings_written_by_serde_read_and_are_written_back_byte_for_byte() {
        assert_eq!(
            Settings::from_json(SERDE_DEFAULTS),
            Some(Settings::default())
        );
        assert_eq!(Settings::default().to_json(), SERDE_DEFAULTS);
        let changed = Settings::from_json(SERDE_CHANGED).expect("reads");
        assert_eq!(changed.site, Some(SiteChoice::Ai));
        assert_eq!(changed.lang.as_deref(), Some("en"));
        assert_eq!((changed.max_side, changed.api_v1_only), (2048, true));
        assert_eq!(changed.to_json(), SERDE_CHANGED);
        for site in ["cn", "local", "custom"] {
            let json = format!(r#"{{"site":"{site}"}}"#);
            assert_eq!(
                Settings::from_json(&json).and_then(|s| s.site),
                SiteChoice::from_slug(site)
            );
        }
        // serde refused these, so the defaults were used: the same now.
        for bad in [
            r#"{"site":"mars"}"#,
            r#"{"site":"CN"}"#,
            r#"{"max_side":2560.5}"#,
            r#"{"max_side":-1}"#,
            r#"{"max_side":4294967296}"#,
            r#"{"shrink":"true"}"#,
            r#"{"shrink":null}"#,
            r#"{"relay":null}"#,
            r#"{"lang":1}"#,
        ] {
            assert_eq!(Settings::from_json(bad), None, "{bad}");
        }
    }

    /// Settings exactly as the build before serde (commit 566368b) wrote them: read as they
    /// were, and written back the same.
    const TODAY: [&str; 3] = [
        r#"{"site":null,"custom_base":"","webapp_id":"1983061233110790146","remember_key":false,"lang":null,"shrink":true,"max_side":2560,"auto_keep":false,"relay":"","api_v1_only":false}"#,
        r#"{"site":"local","custom_base":"","webapp_id":"1983061233110790146","remember_key":false,"lang":"zh","shrink":true,"max_side":3840,"auto_keep":true,"relay":"http://127.0.0.1:8080","api_v1_only":false}"#,
        r#"{"site":"custom","custom_base":"https://relay.example/team/","webapp_id":"1983061233110790146","remember_key":false,"lang":null,"shrink":true,"max_side":2560,"auto_keep":false,"relay":"","api_v1_only":false}"#,
    ];

    #[test]
    fn settings_written_before_serde_load_and_are_written_back_the_same() {
        let read: Vec<Settings> = TODAY
            .iter()
            .map(|json| Settings::from_json(json).expect("reads"))
            .collect();
        assert_eq!(read[0], Settings::default());
        assert_eq!(read[1].site, Some(SiteChoice::Local));
        assert_eq!(
            (read[1].lang.as_deref(), read[1].max_side),
            (Some("zh"), 3840)
        );
        assert!(read[1].auto_keep && read[1].relay == "http://127.0.0.1:8080");
        assert_eq!(read[2].site, Some(SiteChoice::Custom));
        assert_eq!(read[2].custom_base, "https://relay.example/team/");
        for (settings, json) in read.iter().zip(TODAY) {
            assert_eq!(settings.to_json(), json);
        }
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
