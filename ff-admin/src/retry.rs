//! The retry policy: which failures a call is repeated after, and how long
//! it waits first.

use std::time::Duration;

use ff_admin_gen::{Error as GenError, Operation};

use crate::SdkError;

/// Whether, and how, a call is repeated after a failure.
///
/// Off by default ([`RetryPolicy::none`]): every call is made once, as with
/// `ff_sdk::admin`. Set one with
/// [`FlowFabricAdminClientBuilder::retry_policy`](crate::FlowFabricAdminClientBuilder::retry_policy).
///
/// What is retried depends on the operation's `x-idempotent` in the spec
/// (each method's `# Retries` section names its class):
///
/// * **Idempotent operations** (reads included): connect failures,
///   timeouts, a connection dropped before the answer (or an answer head
///   that is not HTTP), a body cut off mid-read, statuses 408, 429, 502, 503 and 504, and any error answer
///   whose body says `"retryable": true`.
/// * **Operations that are not idempotent** (`claim_for_worker`): only
///   failures that prove the request was not processed: a connect failure,
///   429 and 503. Never a timeout, a dropped connection, a cut-off body or
///   another 5xx: the server may have acted on the request.
///
/// An error answer whose body says `"retryable": false` is never retried.
/// Wrong input, answers that do not decode and answers over the size limit
/// are never retried.
///
/// Between attempts the call waits a random time between zero and
/// `initial_backoff × 2^(retry − 1)`, capped at `max_backoff` ("full
/// jitter"). A 429 or 503 with `Retry-After: <seconds>` waits exactly that
/// long instead; when it asks for longer than `max_backoff`, the call stops
/// and returns that answer's error.
///
/// The error returned after the last attempt is that attempt's error,
/// unchanged. The client's timeout applies to each attempt, so a call
/// lasts at most `max_attempts × timeout` plus `max_attempts − 1` waits of
/// at most `max_backoff` each.
///
/// ```
/// use std::time::Duration;
/// use ff_admin::RetryPolicy;
///
/// let policy = RetryPolicy::standard()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(50))
///     .with_max_backoff(Duration::from_secs(2));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::default(), RetryPolicy::none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl RetryPolicy {
    /// Every call is made once (the default).
    pub const fn none() -> Self {
        Self {
            max_attempts: 1,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }

    /// 3 attempts in all; back-off from 100 ms, doubling, at most 5 s, with
    /// full jitter.
    pub const fn standard() -> Self {
        Self {
            max_attempts: 3,
            ..Self::none()
        }
    }

    /// Attempts in all, the first included; `0` counts as `1`.
    pub const fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = if max_attempts == 0 { 1 } else { max_attempts };
        self
    }

    /// The cap on the wait before the first retry; it doubles for each
    /// retry after that.
    pub const fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest wait between two attempts, and the longest
    /// `Retry-After` honoured.
    pub const fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Attempts in all, the first included.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The cap on the wait before the first retry.
    pub const fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest wait between two attempts.
    pub const fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// What to do after attempt number `attempt` (1 for the first) of `op`
    /// failed with `error`; `retry_after` is the answer's `Retry-After`.
    pub(crate) fn after_failure(
        &self,
        op: &Operation,
        error: &SdkError,
        retry_after: Option<Duration>,
        attempt: u32,
    ) -> Option<Retry> {
        if attempt >= self.max_attempts {
            return None;
        }
        let reason = RetryReason::of(op.idempotent, error)?;
        let wait = match retry_after {
            Some(asked) if asked > self.max_backoff => return None,
            Some(asked) => asked,
            None => full_jitter(self.backoff_cap(attempt)),
        };
        Some(Retry { reason, wait })
    }

    /// `initial_backoff × 2^(attempt − 1)`, at most `max_backoff`.
    fn backoff_cap(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }
}

impl Default for RetryPolicy {
    /// [`RetryPolicy::none`].
    fn default() -> Self {
        Self::none()
    }
}

/// A decision to make another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retry {
    /// Why the failed attempt is retried.
    pub(crate) reason: RetryReason,
    /// How long to wait first.
    pub(crate) wait: Duration,
}

/// The failure classes a policy retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryReason {
    /// The connection could not be established: nothing was sent.
    Connect,
    /// No answer within the timeout.
    Timeout,
    /// Sending the request or reading the answer's head failed after the
    /// connection was made (reqwest's `is_request()`): most often the
    /// connection dropped before an answer arrived; also an answer that is
    /// not HTTP.
    Dropped,
    /// The answer's body was cut off.
    BodyCutOff,
    /// A status retried for what it says (408, 429, 502, 503, 504).
    Status(u16),
    /// An error answer whose body says `"retryable": true`.
    ServerHint,
}

impl RetryReason {
    /// Why `error` is worth another attempt of an operation that is
    /// (`idempotent`) or is not idempotent; `None` when it is not.
    pub(crate) fn of(idempotent: bool, error: &SdkError) -> Option<Self> {
        let reason = match error {
            SdkError::Http { source, .. } if source.is_connect() => return Some(Self::Connect),
            SdkError::Http { source, .. } if source.is_timeout() => Self::Timeout,
            SdkError::Http { source, .. } if source.is_request() => Self::Dropped,
            SdkError::Body { .. } => Self::BodyCutOff,
            SdkError::AdminApi {
                retryable: Some(false),
                ..
            } => return None,
            SdkError::AdminApi { status, .. } if matches!(status, 429 | 503) => {
                return Some(Self::Status(*status))
            }
            SdkError::AdminApi { status, .. } if matches!(status, 408 | 502 | 504) => {
                Self::Status(*status)
            }
            SdkError::AdminApi {
                retryable: Some(true),
                ..
            } => Self::ServerHint,
            _ => return None,
        };
        idempotent.then_some(reason)
    }

    /// A short stable name, for traces.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect_failed",
            Self::Timeout => "timeout",
            Self::Dropped => "connection_dropped",
            Self::BodyCutOff => "body_cut_off",
            Self::Status(408) => "status_408",
            Self::Status(429) => "status_429",
            Self::Status(502) => "status_502",
            Self::Status(503) => "status_503",
            Self::Status(504) => "status_504",
            Self::Status(_) => "status",
            Self::ServerHint => "server_says_retryable",
        }
    }
}

/// The `Retry-After` of a 429 or 503 answer, in whole seconds; `None` for
/// any other answer, no header, or one that is not a number of seconds.
pub(crate) fn retry_after(error: &GenError<()>) -> Option<Duration> {
    let GenError::UnexpectedResponse(response) = error else {
        return None;
    };
    if !matches!(response.status().as_u16(), 429 | 503) {
        return None;
    }
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    let seconds: u64 = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// A uniformly random duration in `[0, cap]`.
///
/// The randomness comes from std's `RandomState`, whose keys are random per
/// thread and change with every instance: enough to spread retries, with
/// no dependency and no shared state.
fn full_jitter(cap: Duration) -> Duration {
    use std::hash::{BuildHasher as _, Hasher as _};
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let cap_nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(random % cap_nanos.saturating_add(1).max(1))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{full_jitter, RetryPolicy, RetryReason};
    use crate::SdkError;

    fn api(status: u16, retryable: Option<bool>) -> SdkError {
        SdkError::AdminApi {
            status,
            message: String::new(),
            kind: None,
            retryable,
            raw_body: String::new(),
        }
    }

    #[test]
    fn statuses_by_class() {
        for status in [408, 429, 502, 503, 504] {
            assert_eq!(
                RetryReason::of(true, &api(status, None)),
                Some(RetryReason::Status(status))
            );
        }
        for status in [400, 401, 404, 409, 413, 422, 500] {
            assert_eq!(RetryReason::of(true, &api(status, None)), None, "{status}");
        }
        // Not idempotent: only 429 and 503 prove the request was not
        // processed.
        for status in [429, 503] {
            assert_eq!(
                RetryReason::of(false, &api(status, None)),
                Some(RetryReason::Status(status))
            );
        }
        for status in [408, 500, 502, 504] {
            assert_eq!(RetryReason::of(false, &api(status, None)), None, "{status}");
        }
    }

    #[test]
    fn the_servers_hint_adds_for_idempotent_calls_and_vetoes_for_all() {
        assert_eq!(
            RetryReason::of(true, &api(409, Some(true))),
            Some(RetryReason::ServerHint)
        );
        assert_eq!(
            RetryReason::of(true, &api(500, Some(true))),
            Some(RetryReason::ServerHint)
        );
        assert_eq!(RetryReason::of(false, &api(500, Some(true))), None);
        assert_eq!(RetryReason::of(false, &api(409, Some(true))), None);
        // SQLite's claim 503 says `retryable: false`: never retried.
        assert_eq!(RetryReason::of(true, &api(503, Some(false))), None);
        assert_eq!(RetryReason::of(false, &api(503, Some(false))), None);
    }

    #[test]
    fn the_backoff_cap_doubles_up_to_the_maximum() {
        let policy = RetryPolicy::standard();
        let caps: Vec<u128> = (1..=8).map(|n| policy.backoff_cap(n).as_millis()).collect();
        assert_eq!(caps, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(
            policy.backoff_cap(u32::MAX),
            Duration::from_secs(5),
            "no overflow"
        );
    }

    #[test]
    fn full_jitter_stays_within_the_cap_and_spreads() {
        let cap = Duration::from_millis(100);
        let waits: Vec<Duration> = (0..200).map(|_| full_jitter(cap)).collect();
        assert!(waits.iter().all(|w| *w <= cap));
        assert!(waits.iter().any(|w| *w < cap / 4), "{waits:?}");
        assert!(waits.iter().any(|w| *w > cap * 3 / 4), "{waits:?}");
        assert_eq!(full_jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn attempts_and_retry_after_limits() {
        let op = &ff_admin_gen::operations::HEALTHZ;
        let busy = api(503, None);
        let policy = RetryPolicy::standard();
        assert!(policy.after_failure(op, &busy, None, 1).is_some());
        assert!(policy.after_failure(op, &busy, None, 2).is_some());
        assert!(
            policy.after_failure(op, &busy, None, 3).is_none(),
            "3 in all"
        );
        assert!(RetryPolicy::none()
            .after_failure(op, &busy, None, 1)
            .is_none());
        let honoured = policy
            .after_failure(op, &busy, Some(Duration::from_secs(2)), 1)
            .expect("within max_backoff");
        assert_eq!(honoured.wait, Duration::from_secs(2));
        assert!(policy
            .after_failure(op, &busy, Some(Duration::from_secs(6)), 1)
            .is_none());
        assert_eq!(RetryPolicy::none().with_max_attempts(0).max_attempts(), 1);
    }
}
