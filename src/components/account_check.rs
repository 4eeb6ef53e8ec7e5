use leptos::prelude::*;

use crate::components::parts;
use crate::i18n::{error_message, fill};
use crate::protocol::client::Api;
use crate::protocol::{is_valid_key, AccountStatus, ApiError};
use crate::state::{use_ui, Connection, Task};
use crate::storage::SiteChoice;

/// How long the key must stay unchanged after typing or pasting before it is checked.
const KEY_SETTLE_MS: u32 = 800;

/// What a check of the key found (shown by [`KeyCheckView`]).
#[derive(Clone)]
pub struct KeyCheck {
    /// The chosen site's `accountStatus` answer.
    answer: Result<AccountStatus, ApiError>,
    /// Where it was asked.
    base: String,
    /// What the other RunningHub site said, when the chosen one refused the key; `None` when it
    /// was not asked, or refused the key too.
    other: Option<Other>,
}

/// The other RunningHub site's answer about a key the chosen one refused.
#[derive(Clone)]
pub enum Other {
    /// It knows the key: its base URL and what it said.
    Knows(SiteChoice, String, AccountStatus),
    /// It could not be asked (no answer came: a browser that blocks calls to it, a relay that
    /// can't reach it), so where the key is from is not known.
    Unasked(SiteChoice),
}

/// "Check key": asks `accountStatus` (free) and shows coins left, running tasks and key type.
/// Also run by itself once a typed or pasted key has settled. When the chosen RunningHub site
/// refuses the key, the other site is asked too, the same way (through the relay in use, or
/// directly): if only it knows the key, the page says so and offers to switch, in one click. The
/// key goes nowhere else: only to RunningHub's two sites (or the relay the user chose for them).
#[component]
pub fn AccountCheck() -> impl IntoView {
    let ui = use_ui();
    let conn = expect_context::<Connection>();
    // A `Task`, not an `Action`: measured (see `Task`).
    let check = Task::<Option<KeyCheck>>::new();
    // Bumped by every change of the key and every check: a check waiting for the key to settle
    // goes ahead only if nothing happened since.
    let round = StoredValue::new(0u32);
    let run_check = move || {
        round.update_value(|r| *r = r.wrapping_add(1));
        let target = conn.target();
        let other = conn.other_site();
        check.run(async move {
            let target = target.ok()?;
            let base = target.api.base().to_owned();
            // The chosen site, then (when it refused the key) the other one. One call site: each
            // `.await` of the same future is compiled (and shipped) again.
            let mut api = target.api.clone();
            let mut chosen = None;
            loop {
                let said = api.account(&target.key).await;
                match chosen.take() {
                    // The chosen site's answer.
                    None => {
                        conn.note(&base, said.as_ref().err());
                        let refused = said.as_ref().err().is_some_and(ApiError::refuses_key);
                        match &other {
                            Some((_, other_base)) if refused => {
                                api = Api::new(other_base).v1_only(target.api.is_v1_only());
                                chosen = Some(said);
                            }
                            _ => {
                                return Some(KeyCheck {
                                    answer: said,
                                    base,
                                    other: None,
                                })
                            }
                        }
                    }
                    // The other site's.
                    Some(answer) => {
                        let other = other.and_then(|(site, other_base)| match said {
                            Ok(account) => Some(Other::Knows(site, other_base, account)),
                            // An answer (a refusal of the key there too, or of something
                            // else): the chosen site's message, as without the lookup.
                            Err(ApiError::Service { .. }) => None,
                            Err(_) => Some(Other::Unasked(site)),
                        });
                        return Some(KeyCheck {
                            answer,
                            base,
                            other,
                        });
                    }
                }
            }
        });
    };
    // A key typed or pasted for one of the two RunningHub sites is checked once it has settled,
    // so that a key from the other site is found before the render (not on the page's start
    // with a remembered key: nothing is sent before the user does something).
    Effect::new(crate::state::effect(move |first: Option<()>| {
        conn.key.track();
        if first.is_none() {
            return;
        }
        let typed = round.get_value().wrapping_add(1);
        round.set_value(typed);
        leptos::task::spawn_local(async move {
            crate::browser::sleep(KEY_SETTLE_MS).await;
            let settled = round.try_get_value() == Some(typed);
            let ready = settled
                && !check.pending.get_untracked()
                && conn.key.with_untracked(|k| is_valid_key(k.trim()))
                && untrack(|| conn.other_site().is_some() && conn.target().is_ok());
            if ready {
                run_check();
            }
        });
    }));
    let blocker = move || conn.target().err().map(|b| b.message(ui.t()));
    // The switch: the other site becomes the choice (remembered like a pick from the list), and
    // what it said about the key is shown as its balance.
    let on_switch = Callback::new(move |(site, base, account): Switch| {
        conn.choose_site(Some(site));
        check.value.set(Some(Some(KeyCheck {
            answer: Ok(account),
            base,
            other: None,
        })));
    });
    view! {
        <div class="account">
            <button id="check-key" type="button" class="secondary"
                disabled=move || check.pending.get() || blocker().is_some()
                title=move || blocker().unwrap_or_default()
                on:click=crate::state::handler(move |_| run_check())>
                {move || if check.pending.get() { ui.t().checking_key } else { ui.t().check_key }}
            </button>
            // A check tells about the site it asked: shown while that site is the choice. Its
            // view is a part: a first visit has not checked anything yet.
            {move || check.value.with(|c| c.as_ref().and_then(|c| c.as_ref()).filter(|c| conn.base().as_deref() == Some(c.base.as_str())).cloned())
                .map(|found| parts::key_check(found, on_switch))}
        </div>
    }
}

/// The other site, its base URL and what it said of the key: where "Switch" goes.
pub type Switch = (SiteChoice, String, AccountStatus);

/// What a key check found: the balance, the offer to switch to the site that knows the key, or
/// why the key was refused (and whether the other site could be asked).
#[component]
pub fn KeyCheckView(found: KeyCheck, on_switch: Callback<Switch>) -> impl IntoView {
    let ui = use_ui();
    let KeyCheck {
        answer,
        base,
        other,
    } = found;
    match (answer, other) {
        (Ok(account), _) => {
            let lines = move || {
                let t = ui.t();
                let a = &account;
                let mut out = Vec::new();
                if let Some(c) = &a.remain_coins {
                    out.push(fill(t.account_coins, &[c]));
                }
                if let Some(m) = &a.remain_money {
                    out.push(fill(
                        t.account_money,
                        &[m, a.currency.as_deref().unwrap_or("")],
                    ));
                }
                if let Some(n) = &a.current_task_counts {
                    out.push(fill(t.account_tasks, &[n]));
                }
                if let Some(k) = &a.api_type {
                    out.push(fill(t.account_type, &[k]));
                }
                out.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()
            };
            view! { <ul id="account" class="account-lines">{lines}</ul> }.into_any()
        }
        (Err(_), Some(Other::Knows(site, base, account))) => view! {
            <div id="key-site" class="banner info" role="alert" data-site=site.slug()>
                <p>{move || { let t = ui.lang.get().key_site(); if site == SiteChoice::Ai { t.key_on_ai } else { t.key_on_cn } }}</p>
                <button id="switch-site" type="button" class="primary"
                    on:click=crate::state::handler(move |_| on_switch.run((site, base.clone(), account.clone())))>
                    {move || { let t = ui.lang.get().key_site(); if site == SiteChoice::Ai { t.switch_to_ai } else { t.switch_to_cn } }}
                </button>
            </div>
        }
        .into_any(),
        (Err(error), other) => {
            let unasked = match other {
                Some(Other::Unasked(site)) => Some(site),
                _ => None,
            };
            view! {
                <p id="account-error" class="error" role="alert">{move || error_message(&error, ui.lang.get(), &base)}</p>
                {unasked.map(|site| view! {
                    <p id="key-other-unasked" class="hint">{move || {
                        let t = ui.t();
                        let name = if site == SiteChoice::Ai { t.site_ai } else { t.site_cn };
                        fill(ui.lang.get().key_site().unasked, &[name])
                    }}</p>
                })}
            }
            .into_any()
        }
    }
}
