//! How a render reads for people: its phase, what the phase means, its cost and its elapsed time.
//! The job view, the batch, the history and the tab's title say it alike.

use crate::i18n::{fill, Texts};
use crate::lifecycle::cost::Total;
use crate::lifecycle::Phase;

pub fn phase_name(t: &'static Texts, phase: Phase) -> &'static str {
    match phase {
        Phase::Submitting => t.phase_submitting,
        Phase::Waiting => t.phase_waiting,
        Phase::Queued => t.phase_queued,
        Phase::Running => t.phase_running,
        Phase::Reconnecting => t.phase_reconnecting,
        Phase::Succeeded => t.phase_succeeded,
        Phase::NoOutput => t.phase_no_output,
        Phase::Failed => t.phase_failed,
        Phase::Refused => t.phase_refused,
        Phase::NotFound => t.phase_not_found,
        Phase::TimedOut => t.phase_timed_out,
        Phase::Cancelled => t.phase_cancelled,
        Phase::Unknown => t.phase_unknown,
        Phase::NotSent => t.phase_not_sent,
    }
}

pub fn phase_detail(t: &'static Texts, phase: Phase) -> Option<&'static str> {
    match phase {
        Phase::Waiting => Some(t.detail_waiting),
        Phase::Queued => Some(t.detail_queued),
        Phase::Running => Some(t.detail_running),
        Phase::Reconnecting => Some(t.detail_reconnecting),
        Phase::NoOutput => Some(t.detail_no_output),
        Phase::NotFound => Some(t.detail_not_found),
        Phase::TimedOut => Some(t.detail_timed_out),
        Phase::Unknown => Some(t.detail_unknown),
        Phase::NotSent => Some(t.detail_not_sent),
        _ => None,
    }
}

/// What a render (or several) cost, for people: coins, money with its currency (when any was
/// charged), run time. `None` when nothing is known.
pub fn cost_text(t: &'static Texts, total: &Total, currency: Option<&str>) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(coins) = total.coins.text() {
        parts.push(fill(t.cost_coins, &[&coins]));
    }
    if let Some(money) = total
        .money
        .text()
        .filter(|_| total.money.value() > Some(0.0))
    {
        let money = match currency {
            Some(currency) => format!("{money} {currency}"),
            None => money,
        };
        parts.push(fill(t.cost_money, &[&money]));
    }
    if let Some(seconds) = total.seconds.text() {
        parts.push(fill(t.cost_time, &[&seconds]));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// `m:ss`, or `h:mm:ss` past an hour.
pub fn format_elapsed(ms: f64) -> String {
    let secs = (ms / 1000.0).floor().max(0.0) as u64;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::format_elapsed;

    #[test]
    fn elapsed_format() {
        assert_eq!(format_elapsed(0.0), "0:00");
        assert_eq!(format_elapsed(61_999.0), "1:01");
        assert_eq!(format_elapsed(3_723_000.0), "1:02:03");
        assert_eq!(format_elapsed(-5.0), "0:00");
    }
}
