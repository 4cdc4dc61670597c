//! `--poll`: calling again, with back-off, while the answer is "nothing
//! there".

use std::time::{Duration, Instant};

use ff_admin::FlowFabricAdminClient;

use crate::input::Input;
use crate::operations::Call;
use crate::output::{Answer, Failure};

/// The spacing of the first calls: one per scheduler window (a claim scans
/// 32 flow partitions and the window moves every 250 ms).
const FIRST_INTERVAL: Duration = Duration::from_millis(260);
/// Calls made at [`FIRST_INTERVAL`]: one sweep of the default 256
/// partitions.
const SWEEP_CALLS: u32 = 8;
/// The longest wait between two calls.
const MAX_INTERVAL: Duration = Duration::from_secs(4);

/// How long to wait after call number `calls` (1-based) answered "nothing
/// there": [`FIRST_INTERVAL`] for one partition sweep, then doubling up to
/// [`MAX_INTERVAL`].
pub(crate) fn delay_after(calls: u32) -> Duration {
    let doublings = calls.saturating_sub(SWEEP_CALLS).min(8);
    FIRST_INTERVAL
        .saturating_mul(1 << doublings)
        .min(MAX_INTERVAL)
}

/// Calls until the answer is a result, an error, or `max_wait` has passed
/// (the last call starts no later than the deadline). Errors end the
/// polling at once.
pub(crate) async fn until_found(
    call: Call,
    client: &FlowFabricAdminClient,
    input: &Input,
    max_wait: Duration,
) -> Result<Answer, Failure> {
    let deadline = Instant::now() + max_wait;
    let mut calls = 0u32;
    loop {
        let answer = call(client, input).await?;
        calls += 1;
        let Answer::Nothing(note) = answer else {
            return Ok(answer);
        };
        let now = Instant::now();
        if now >= deadline {
            return Ok(Answer::Nothing(format!(
                "still nothing after {} ({calls} calls); last answer: {note}",
                humantime::format_duration(max_wait)
            )));
        }
        tokio::time::sleep(delay_after(calls).min(deadline - now)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sweep_at_the_window_pace_then_doubling_to_a_cap() {
        let ms = |calls| delay_after(calls).as_millis();
        for calls in 1..=8 {
            assert_eq!(ms(calls), 260, "call {calls}");
        }
        assert_eq!(ms(9), 520);
        assert_eq!(ms(10), 1040);
        assert_eq!(ms(11), 2080);
        assert_eq!(ms(12), 4000);
        assert_eq!(ms(40), 4000);
        assert_eq!(ms(u32::MAX), 4000);
    }
}
