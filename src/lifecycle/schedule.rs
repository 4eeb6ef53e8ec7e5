//! When to ask again.

/// The poll schedule. RunningHub asks clients to poll about every 5 s; the first few polls come
/// sooner so that quick tasks show up quickly, and errors back off so a struggling service is not
/// hammered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPlan {
    /// Delay before the first polls, in ms.
    pub first_ms: u32,
    /// How many polls use `first_ms` before settling.
    pub fast_polls: u32,
    /// The steady delay, in ms.
    pub steady_ms: u32,
    /// Ceiling of the error backoff, in ms.
    pub max_backoff_ms: u32,
    /// How long a job may go on before polling stops and the user is asked, in ms.
    pub timeout_ms: u64,
}

impl Default for PollPlan {
    fn default() -> Self {
        PollPlan {
            first_ms: 2_000,
            fast_polls: 3,
            steady_ms: 5_000,
            max_backoff_ms: 60_000,
            timeout_ms: 15 * 60 * 1_000,
        }
    }
}

impl PollPlan {
    /// A plan with other base intervals (the local simulator asks for fast ones in tests); the
    /// backoff ceiling and timeout stay.
    pub fn with_intervals(first_ms: u32, steady_ms: u32) -> Self {
        PollPlan {
            first_ms,
            steady_ms: steady_ms.max(first_ms),
            ..PollPlan::default()
        }
    }

    /// Delay before the next poll, given how many polls answered so far and how many errors in a
    /// row the last ones were. `jitter` in `[0, 1)` spreads retries of many clients apart (±20%).
    pub fn next_delay(&self, polls_done: u32, error_streak: u32, jitter: f64) -> u32 {
        if error_streak == 0 {
            return if polls_done < self.fast_polls {
                self.first_ms
            } else {
                self.steady_ms
            };
        }
        // steady, 2×, 4×, … up to the ceiling.
        let doubling = 1u64 << (error_streak - 1).min(16);
        let base = (u64::from(self.steady_ms) * doubling).min(u64::from(self.max_backoff_ms));
        let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
        ((base as f64 * factor) as u64).min(u64::from(self.max_backoff_ms)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_two_seconds_and_settles_at_five() {
        let plan = PollPlan::default();
        let delays: Vec<u32> = (0..6).map(|n| plan.next_delay(n, 0, 0.5)).collect();
        assert_eq!(delays, vec![2_000, 2_000, 2_000, 5_000, 5_000, 5_000]);
    }

    #[test]
    fn errors_back_off_with_jitter_up_to_the_cap() {
        let plan = PollPlan::default();
        let mid: Vec<u32> = (1..=6).map(|e| plan.next_delay(10, e, 0.5)).collect();
        assert_eq!(mid, vec![5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
        assert_eq!(plan.next_delay(10, 2, 0.0), 8_000);
        assert_eq!(plan.next_delay(10, 2, 0.999_999), 11_999);
        for streak in 1..40 {
            for jitter in [0.0, 0.3, 0.7, 1.0] {
                let d = plan.next_delay(0, streak, jitter);
                assert!(
                    d <= plan.max_backoff_ms && d >= 4_000,
                    "{streak} {jitter} {d}"
                );
            }
        }
    }

    #[test]
    fn a_success_resets_the_backoff() {
        let plan = PollPlan::default();
        assert!(plan.next_delay(20, 5, 0.5) > plan.next_delay(20, 0, 0.5));
        assert_eq!(plan.next_delay(20, 0, 0.9), plan.steady_ms);
    }

    #[test]
    fn fast_intervals_for_tests() {
        let plan = PollPlan::with_intervals(200, 300);
        assert_eq!(plan.next_delay(0, 0, 0.0), 200);
        assert_eq!(plan.next_delay(5, 0, 0.0), 300);
        assert_eq!(plan.timeout_ms, PollPlan::default().timeout_ms);
    }
}
