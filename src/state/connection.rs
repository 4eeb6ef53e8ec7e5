//! Where requests go and with which key: the site, the relay, the key and the user's consent.

use leptos::prelude::*;

use crate::browser;
use crate::i18n::Texts;
use crate::lifecycle::PollPlan;
use crate::protocol::client::Api;
use crate::protocol::local_server::ServerInfo;
use crate::protocol::sites::{is_runninghub_base, normalize_base, AI_BASE, CN_BASE};
use crate::protocol::{is_valid_key, SocketUrl};
use crate::storage::settings::{self, Settings, SiteChoice};

/// A key that the simulator accepts, used when the user leaves the key empty there (unless the
/// simulator requires a key of its own). It is not a secret: the simulator accepts every
/// well-formed key.
pub const SIMULATOR_DEMO_KEY: &str = "5e4de4de4de4de4de4de4de4de4de4de";

/// Where requests go and with which key.
#[derive(Clone, Copy)]
pub struct Connection {
    /// The user's pick; `None` follows the default (this server if it is ours, else China).
    pub site: RwSignal<Option<SiteChoice>>,
    pub custom_base: RwSignal<String>,
    /// The key as typed. Kept in memory only, unless `remember` is on.
    pub key: RwSignal<String>,
    pub remember: RwSignal<bool>,
    /// A base URL that is not RunningHub and that the user has not yet trusted: the consent
    /// prompt asks about it (why: [`Connection::consent_for`]).
    pub consent_pending: RwSignal<Option<String>>,
    /// Why the consent prompt asks.
    pub consent_for: RwSignal<ConsentFor>,
    /// What the user answered this visit about the bases of journaled renders (see
    /// [`ConsentFor::Resume`]): allowed (`true`) or refused.
    pub answers: RwSignal<Vec<(String, bool)>>,
    /// Our local server's self-description, once known (`None` on other hosts).
    pub server: RwSignal<Option<ServerInfo>>,
    /// A relay the user chose for the two RunningHub sites (see [`Settings::relay`]).
    pub relay: RwSignal<String>,
    /// The base URL a free check found blocked (the browser refused the call, or nothing
    /// answered): the page then shows how to get round it. Cleared when a call gets through.
    pub blocked: RwSignal<Option<String>>,
    /// "API version: v1 only"; otherwise v2 where the base has it.
    pub v1_only: RwSignal<bool>,
    /// What the chosen relay said at `/__su/info` when it was chosen on this page (set with
    /// [`Connection::relay`]; not kept over a reload).
    pub relay_info: RwSignal<Option<ServerInfo>>,
}

/// Why the consent prompt asks about [`Connection::consent_pending`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentFor {
    /// A link (or "Use again") pointed the page at this server. Until answered, nothing is sent.
    Link,
    /// The relay chosen in the blocked-call guide, in use (not yet saved) until answered; refused,
    /// the site goes back to `site_before` and the saved relay (settings are untouched).
    Relay { site_before: Option<SiteChoice> },
    /// Renders from the journal were started at this server (not RunningHub, not this page's,
    /// not the current base): they wait, unsent, until the key may go there. The rest of the
    /// page goes on meanwhile.
    Resume,
}

/// Why a request can't be sent yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocker {
    NeedConsent,
    NeedBase,
    NeedKey,
    BadKey,
}

impl Blocker {
    pub fn message(self, t: &'static Texts) -> &'static str {
        match self {
            Blocker::NeedConsent => t.need_consent,
            Blocker::NeedBase => t.need_base,
            Blocker::NeedKey => t.need_key,
            Blocker::BadKey => t.key_invalid,
        }
    }
}

/// A resolved destination: the API, the key to put in bodies, and the poll plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub api: Api,
    pub key: String,
    pub plan: PollPlan,
}

impl Connection {
    /// Whether the blocked-call guide shows: a free check found the current base URL blocked.
    pub fn guide_shown(&self) -> bool {
        self.blocked
            .with(|blocked| blocked.is_some() && *blocked == self.base())
    }

    /// State from saved settings, the remembered key and a `?api=` link parameter.
    pub fn new(saved: &Settings) -> Self {
        let connection = Connection {
            site: RwSignal::new(saved.site),
            custom_base: RwSignal::new(saved.custom_base.clone()),
            key: RwSignal::new(if saved.remember_key {
                settings::load_key().unwrap_or_default()
            } else {
                String::new()
            }),
            remember: RwSignal::new(saved.remember_key),
            consent_pending: RwSignal::new(None),
            consent_for: RwSignal::new(ConsentFor::Link),
            answers: RwSignal::new(Vec::new()),
            server: RwSignal::new(None),
            relay: RwSignal::new(saved.relay.clone()),
            blocked: RwSignal::new(None),
            v1_only: RwSignal::new(saved.api_v1_only),
            relay_info: RwSignal::new(None),
        };
        if let Some(link_base) = browser::query_param("api") {
            connection.apply_link_base(&link_base);
        }
        connection
    }

    /// A base URL from a link: a RunningHub site or this page's own server is taken as it is;
    /// anything else is shown and waits for the user's consent before the key goes there.
    pub fn apply_link_base(&self, link_base: &str) {
        let Some(base) = normalize_base(link_base) else {
            return;
        };
        let lower = base.to_ascii_lowercase();
        if lower == CN_BASE || lower == "https://runninghub.cn" {
            self.site.set(Some(SiteChoice::Cn));
        } else if lower == AI_BASE || lower == "https://runninghub.ai" {
            self.site.set(Some(SiteChoice::Ai));
        } else if browser::origin().is_some_and(|o| o.eq_ignore_ascii_case(&base)) {
            self.site.set(Some(SiteChoice::Local));
        } else {
            debug_assert!(!is_runninghub_base(&base));
            self.site.set(Some(SiteChoice::Custom));
            self.custom_base.set(base.clone());
            self.consent_for.set(ConsentFor::Link);
            self.consent_pending.set(Some(base));
        }
    }

    /// True while the consent prompt holds back every request (a link's server or the guide's
    /// relay waits for an answer; a journaled render's server holds back only its renders)
    /// (tracks).
    fn consent_blocks(&self) -> bool {
        self.consent_pending.with(Option::is_some) && self.consent_for.get() != ConsentFor::Resume
    }

    /// True when this page was served by our simulator (tracks).
    fn served_by_simulator(&self) -> bool {
        self.server
            .with(|s| s.as_ref().is_some_and(|s| s.simulator))
    }

    /// The site in effect (tracks). "This server" means the simulator: a relay serves the two
    /// RunningHub sites, so on a relay (and on other hosts) the default is RunningHub China.
    pub fn effective_site(&self) -> SiteChoice {
        match self.site.get() {
            Some(SiteChoice::Local) | None if self.served_by_simulator() => SiteChoice::Local,
            Some(SiteChoice::Local) | None => SiteChoice::Cn,
            Some(site) => site,
        }
    }

    /// The relay that calls to RunningHub China and International go through, if any (tracks):
    /// the server of this page when it is our relay, else the relay the user chose.
    pub fn via(&self) -> Option<String> {
        if self
            .server
            .with(|s| s.as_ref().is_some_and(|s| s.relay_sites))
        {
            return browser::origin();
        }
        self.relay.with(|r| normalize_base(r))
    }

    /// True when the relay in use is one the user chose (not the server of this page) (tracks).
    pub fn chosen_relay(&self) -> Option<String> {
        let ours = self
            .server
            .with(|s| s.as_ref().is_some_and(|s| s.relay_sites));
        (!ours)
            .then(|| self.relay.with(|r| normalize_base(r)))
            .flatten()
    }

    /// Where result files can be fetched for the page when their host sends no CORS headers
    /// (our server's `/__su/file`, here or at the chosen relay) (tracks).
    pub fn file_proxy(&self) -> Option<String> {
        let here = self
            .server
            .with(|s| s.as_ref().and_then(|s| s.file_proxy.clone()));
        if let Some(path) = here {
            return browser::origin().map(|origin| format!("{origin}{path}"));
        }
        // The relay's address must have been trusted: result links then go there too.
        let trusted = !self.consent_blocks();
        self.chosen_relay()
            .filter(|_| trusted)
            .map(|relay| format!("{relay}/__su/file"))
    }

    /// True when requests go to our server's simulator (tracks).
    pub fn is_simulator(&self) -> bool {
        self.effective_site() == SiteChoice::Local && self.served_by_simulator()
    }

    /// Shows the way round a blocked call when `error` says the browser blocked one to `base`,
    /// and hides it again when a call there got through.
    pub fn note(&self, base: &str, error: Option<&crate::protocol::ApiError>) {
        match error {
            Some(crate::protocol::ApiError::Blocked) => self.blocked.set(Some(base.to_owned())),
            Some(_) => {}
            None => {
                if self.blocked.with_untracked(|b| b.as_deref() == Some(base)) {
                    self.blocked.set(None);
                }
            }
        }
    }

    /// The base URL in effect, if it is a valid one (tracks).
    pub fn base(&self) -> Option<String> {
        self.base_of(self.effective_site())
    }

    /// The base URL of `site` as the page reaches it now: a RunningHub site through the relay
    /// in use, if any (tracks).
    fn base_of(&self, site: SiteChoice) -> Option<String> {
        let runninghub = |direct: &str, path: &str| match self.via() {
            Some(relay) => format!("{relay}{path}"),
            None => direct.to_owned(),
        };
        match site {
            SiteChoice::Cn => Some(runninghub(CN_BASE, "/cn")),
            SiteChoice::Ai => Some(runninghub(AI_BASE, "/ai")),
            SiteChoice::Local => browser::origin(),
            SiteChoice::Custom => self.custom_base.with(|b| normalize_base(b)),
        }
    }

    /// The other RunningHub site and its base URL (the same way there as to the chosen one),
    /// when one of the two is chosen (tracks). Keys belong to one site: a key the chosen site
    /// refuses is looked up there.
    pub fn other_site(&self) -> Option<(SiteChoice, String)> {
        let other = match self.effective_site() {
            SiteChoice::Cn => SiteChoice::Ai,
            SiteChoice::Ai => SiteChoice::Cn,
            _ => return None,
        };
        Some((other, self.base_of(other)?))
    }

    /// The user picked `site` (the site list, or the offer to switch to the key's own site):
    /// it answers a pending link consent too, and is remembered.
    pub fn choose_site(&self, site: Option<SiteChoice>) {
        self.site.set(site);
        // Picking any site by hand answers a pending link consent: the user chose. (The guide's
        // relay serves both RunningHub sites, and a journaled render's server is not the site:
        // those prompts stay until answered.)
        if self.consent_for.get_untracked() == ConsentFor::Link {
            self.consent_pending.set(None);
        }
        let mut saved = Settings::load();
        saved.site = site;
        saved.custom_base = self.custom_base.get_untracked();
        saved.save();
    }

    /// True when an empty key may stand for [`SIMULATOR_DEMO_KEY`]: on the simulator, unless it
    /// requires a key of its own (tracks).
    pub fn demo_key_ok(&self) -> bool {
        self.is_simulator()
            && !self
                .server
                .with(|s| s.as_ref().is_some_and(|s| s.key_required))
    }

    /// Problem with the key as typed, if any (tracks). Empty is fine where the demo key is.
    pub fn key_problem(&self) -> Option<Blocker> {
        let key = self.key.with(|k| k.trim().to_owned());
        if key.is_empty() {
            (!self.demo_key_ok()).then_some(Blocker::NeedKey)
        } else if !is_valid_key(&key) {
            Some(Blocker::BadKey)
        } else {
            None
        }
    }

    /// Where a request may go now, or why it can't (tracks).
    pub fn target(&self) -> Result<Target, Blocker> {
        if self.consent_blocks() {
            return Err(Blocker::NeedConsent);
        }
        let base = self.base().ok_or(Blocker::NeedBase)?;
        if let Some(problem) = self.key_problem() {
            return Err(problem);
        }
        let typed = self.key.with(|k| k.trim().to_owned());
        let key = if typed.is_empty() {
            SIMULATOR_DEMO_KEY.to_owned()
        } else {
            typed
        };
        let plan = match (self.effective_site(), self.server.get()) {
            (
                SiteChoice::Local,
                Some(ServerInfo {
                    poll_first_ms: Some(first),
                    poll_steady_ms: Some(steady),
                    ..
                }),
            ) => PollPlan::with_intervals(first, steady),
            _ => PollPlan::default(),
        };
        let v1_only = self.v1_only.get();
        Ok(Target {
            api: Api::new(&base).v1_only(v1_only),
            key,
            plan,
        })
    }
}

impl Connection {
    /// Where a task started at `base` opens its progress `socket`. When `base` is a relay's
    /// (`<relay>/cn` or `<relay>/ai`) and the socket is on the host that relay forwards the site
    /// to (RunningHub's API host, or the upstream its `/__su/info` named), through the relay: the
    /// page then needs no way of its own to RunningHub, and RunningHub sees the relay's Origin,
    /// not the page's. Any other socket is opened as named (untracked). A chosen relay's upstream
    /// is known from when it was chosen; after a reload RunningHub's host is assumed, which is
    /// where a relay chain ends.
    pub fn route_socket(&self, base: &str, socket: SocketUrl) -> SocketUrl {
        let Some(relay) = untrack(|| self.via()) else {
            return socket;
        };
        let site = match base.strip_prefix(relay.as_str()) {
            Some("/cn") => CN_BASE,
            Some("/ai") => AI_BASE,
            _ => return socket,
        };
        let info = match untrack(|| self.chosen_relay()) {
            Some(_) => self.relay_info,
            None => self.server,
        };
        let upstream = info.with_untracked(|s| s.as_ref().and_then(|s| s.upstream.clone()));
        socket
            .via_relay(base, upstream.as_deref().unwrap_or(site))
            .unwrap_or(socket)
    }

    /// Where to follow a task that was started at `base` (a journal record's): that site, with
    /// the key in effect now, or why not (tracks). The demo key goes to the simulator only: a
    /// task of another site waits for a typed key; the key goes to a server the user has not
    /// trusted only once they allowed it ([`Connection::may_send_to`]).
    pub fn target_for(&self, base: &str) -> Result<Target, Blocker> {
        let now = self.target()?;
        let typed = self.key.with(|k| !k.trim().is_empty());
        if now.api.base() == base {
            Ok(now)
        } else if !self.may_send_to(base) {
            Err(Blocker::NeedConsent)
        } else if typed {
            Ok(Target {
                api: Api::new(base),
                key: now.key,
                plan: PollPlan::default(),
            })
        } else {
            Err(Blocker::NeedKey)
        }
    }
}

impl Connection {
    /// Whether the key may go to `base` (a journaled render's) without asking (tracks):
    /// RunningHub itself, this page's own server (it already holds whatever the page keeps), the
    /// relay the user chose and allowed, or a base allowed this visit.
    pub fn may_send_to(&self, base: &str) -> bool {
        is_runninghub_base(base)
            || browser::origin().is_some_and(|origin| under(base, &origin))
            || self.chosen_relay().is_some_and(|relay| under(base, &relay))
            || self.answer_for(base) == Some(true)
    }

    /// What the user answered this visit about sending the key to `base` (tracks).
    pub fn answer_for(&self, base: &str) -> Option<bool> {
        self.answers
            .with(|a| a.iter().find(|(b, _)| b == base).map(|(_, yes)| *yes))
    }

    /// Whether `base` is known to be one of our servers, which take "Load app inputs" with the
    /// key in a POST body (tracks): this page's own when it is ours, or the relay chosen in the
    /// blocked-call guide (it answered `/__su/info` as ours when chosen). `Some(false)` for
    /// RunningHub itself; `None` when only the server's `/__su/info` can tell.
    pub fn known_ours(&self, base: &str) -> Option<bool> {
        let here = self.server.with(Option::is_some)
            && browser::origin().is_some_and(|origin| under(base, &origin));
        if here || self.chosen_relay().is_some_and(|relay| under(base, &relay)) {
            Some(true)
        } else if is_runninghub_base(base) {
            Some(false)
        } else {
            None
        }
    }
}

/// True when `base` is `root` or a path under it.
fn under(base: &str, root: &str) -> bool {
    base.strip_prefix(root)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::under;

    #[test]
    fn a_base_is_under_its_server_only_at_a_path_boundary() {
        assert!(under("http://127.0.0.1:8080", "http://127.0.0.1:8080"));
        assert!(under("http://127.0.0.1:8080/cn", "http://127.0.0.1:8080"));
        assert!(!under("http://127.0.0.1:80801/cn", "http://127.0.0.1:8080"));
        assert!(!under(
            "http://127.0.0.1:8080.evil.example",
            "http://127.0.0.1:8080"
        ));
        assert!(!under("https://relay.example", "http://relay.example"));
    }
}
