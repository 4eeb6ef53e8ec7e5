//! What renders cost: sums for a batch or the history shown, and the per-render figure the batch
//! spend guard plans with. Values arrive as RunningHub's decimal strings (see
//! [`crate::protocol::Usage`]); sums keep as many decimals as the values had.

use super::decimal::{self, fixed};
use crate::protocol::Usage;

/// A sum of decimal strings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sum {
    value: f64,
    decimals: u32,
    terms: u32,
}

impl Sum {
    /// Adds a value; text that is not a number (or is negative) is left out.
    pub fn add(&mut self, text: Option<&str>) {
        let Some(text) = text.map(str::trim) else {
            return;
        };
        let Some(value) = decimal::parse(text).filter(|v| v.is_finite() && *v >= 0.0) else {
            return;
        };
        let decimals = text
            .split_once('.')
            .map_or(0, |(_, frac)| frac.len() as u32)
            .min(4);
        self.value += value;
        self.decimals = self.decimals.max(decimals);
        self.terms += 1;
    }

    /// The sum as text, or `None` when nothing was added.
    pub fn text(&self) -> Option<String> {
        (self.terms > 0).then(|| fixed(self.value, self.decimals))
    }

    pub fn value(&self) -> Option<f64> {
        (self.terms > 0).then_some(self.value)
    }

    /// How many values were added.
    pub fn terms(&self) -> u32 {
        self.terms
    }
}

/// What one render or several cost: coins, money (run time plus third-party APIs), seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Total {
    pub coins: Sum,
    pub money: Sum,
    pub seconds: Sum,
}

impl Total {
    /// The cost of one render.
    pub fn of(usage: &Usage) -> Total {
        let mut total = Total::default();
        total.add(usage);
        total
    }

    pub fn add(&mut self, usage: &Usage) {
        self.coins.add(usage.consume_coins.as_deref());
        self.money.add(usage.consume_money.as_deref());
        self.money.add(usage.third_party_consume_money.as_deref());
        self.seconds.add(usage.task_cost_time.as_deref());
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.coins.terms() == 0 && self.money.terms() == 0 && self.seconds.terms() == 0
    }
}

/// How many of the newest measured renders of an app the estimate looks at.
pub const ESTIMATE_LOOKBACK: usize = 5;

/// What one render is planned to cost, and from how many measured renders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Coins per render: the most any of the renders looked at cost (a guard plans high).
    pub per_render: f64,
    /// How many measured renders it comes from (1 = the last one).
    pub from: usize,
}

/// The estimate from measured costs in coins, newest first (renders that told no cost are
/// left out by the caller). `None` when there are none.
pub fn estimate(measured: &[f64]) -> Option<Estimate> {
    let recent: Vec<f64> = measured
        .iter()
        .copied()
        .filter(|c| c.is_finite() && *c >= 0.0)
        .take(ESTIMATE_LOOKBACK)
        .collect();
    let per_render = recent.iter().copied().reduce(f64::max)?;
    Some(Estimate {
        per_render,
        from: recent.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(
        coins: Option<&str>,
        money: Option<&str>,
        third: Option<&str>,
        secs: Option<&str>,
    ) -> Usage {
        Usage {
            consume_coins: coins.map(Into::into),
            consume_money: money.map(Into::into),
            third_party_consume_money: third.map(Into::into),
            task_cost_time: secs.map(Into::into),
        }
    }

    #[test]
    fn sums_keep_the_decimals_they_were_given() {
        let mut total = Total::default();
        total.add(&usage(Some("12"), Some("0.35"), None, Some("33")));
        total.add(&usage(Some("14"), Some("0.4"), Some("0.125"), Some("40")));
        total.add(&usage(None, None, None, None));
        total.add(&usage(Some("n/a"), Some("-1"), None, Some("")));
        assert_eq!(total.coins.text().as_deref(), Some("26"));
        assert_eq!(total.money.text().as_deref(), Some("0.875"));
        assert_eq!(total.seconds.text().as_deref(), Some("73"));
        assert_eq!(total.coins.terms(), 2);
        assert!(Total::default().is_empty());
        assert_eq!(Total::default().coins.text(), None);
    }

    #[test]
    fn the_estimate_plans_with_the_dearest_recent_render() {
        assert_eq!(estimate(&[]), None);
        assert_eq!(
            estimate(&[12.0]),
            Some(Estimate {
                per_render: 12.0,
                from: 1
            })
        );
        // Newest first; only the last five count.
        assert_eq!(
            estimate(&[12.0, 14.0, 11.0, 12.0, 13.0, 99.0]),
            Some(Estimate {
                per_render: 14.0,
                from: 5
            })
        );
        assert_eq!(estimate(&[f64::NAN, 3.0]).map(|e| e.from), Some(1));
    }
}
