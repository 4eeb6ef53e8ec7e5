use leptos::prelude::*;

use crate::i18n::{error_message, fill};
use crate::protocol::AccountStatus;
use crate::state::{use_ui, Connection, Task};

/// "Check key": asks `accountStatus` and shows coins left, running tasks and key type; a wrong
/// key (or one from the other site) is explained.
#[component]
pub fn AccountCheck() -> impl IntoView {
    let ui = use_ui();
    let conn = expect_context::<Connection>();
    let check = Task::new();
    let run_check = move || {
        let target = conn.target();
        check.run(async move {
            match target {
                Ok(target) => {
                    let answer = target.api.account(&target.key).await;
                    conn.note(target.api.base(), answer.as_ref().err());
                    Some(answer.map_err(|e| (e, target.api.base().to_owned())))
                }
                Err(_) => None,
            }
        });
    };
    let blocker = move || conn.target().err().map(|b| b.message(ui.t()));
    let lines = move |a: &AccountStatus| {
        let t = ui.t();
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
        out
    };
    view! {
        <div class="account">
            <button id="check-key" type="button" class="secondary"
                disabled=move || check.pending.get() || blocker().is_some()
                title=move || blocker().unwrap_or_default()
                on:click=crate::state::handler(move |_| run_check())>
                {move || if check.pending.get() { ui.t().checking_key } else { ui.t().check_key }}
            </button>
            {move || check.value.get().flatten().map(|answer| match answer {
                Ok(account) => view! {
                    <ul id="account" class="account-lines">
                        {lines(&account).into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                    </ul>
                }.into_any(),
                Err((error, base)) => view! {
                    <p id="account-error" class="error" role="alert">{move || error_message(&error, ui.lang.get(), &base)}</p>
                }.into_any(),
            })}
        </div>
    }
}
