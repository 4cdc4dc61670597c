//! The answers people mock most, built exactly as ff-server 0.15 sends them.
//!
//! The body constructors pair with the typed status methods of each
//! operation's `Then`, which exist only for the statuses the spec documents
//! for that operation:
//!
//! ```no_run
//! use ff_admin_mock::{answers, MockServerExt as _};
//!
//! let server = httpmock::MockServer::start();
//! server.rotate_waitpoint_secret(|_, then| {
//!     then.too_many_requests(&answers::too_many_requests("admin_rotate", 1));
//! });
//! server.claim_for_worker(|_, then| {
//!     then.unauthorized(&answers::unauthorized());
//! });
//! ```
//!
//! Shortcuts on the operations whose answers have a fixed shape:
//! `then.no_content()` (claim's 204, generated from the spec),
//! [`IssueReclaimGrantThen::granted`](crate::operations::IssueReclaimGrantThen::granted)
//! and its siblings for each reclaim outcome, and
//! [`ReadWaitpointTokenThen::token_not_found`](crate::operations::ReadWaitpointTokenThen::token_not_found).

use ff_admin_gen::types;

use crate::operations::{IssueReclaimGrantThen, ReadWaitpointTokenThen};

/// The `error` text of the server's 401.
pub const UNAUTHORIZED_MESSAGE: &str = "missing or invalid Authorization header";

/// The `error` text of the waitpoint token's documented 404.
pub const TOKEN_NOT_FOUND_MESSAGE: &str =
    "waitpoint token not found (consumed, expired, or unknown id)";

/// An error body with only a message (no `kind`, no `retryable`): the shape
/// of the server's 400s and 404s.
pub fn error(message: impl Into<String>) -> types::ErrorBody {
    types::ErrorBody {
        error: message.into(),
        kind: None,
        retryable: None,
    }
}

/// The body of the server's 401 for a missing or wrong bearer token.
pub fn unauthorized() -> types::ErrorBody {
    error(UNAUTHORIZED_MESSAGE)
}

/// The body of the server's 503 for an operation its backend does not
/// implement (`op` as the server names it, e.g. `claim_for_worker` or
/// `ping`): `kind: "unavailable"`, `retryable: false`.
pub fn unavailable(op: &str) -> types::ErrorBody {
    types::ErrorBody {
        error: format!("backend op unavailable: {op}"),
        kind: Some("unavailable".to_owned()),
        retryable: Some(false),
    }
}

/// The body of the server's 429 when a concurrency limit is full (`source`
/// as the server names it, e.g. `admin_rotate` with `max` 1 for a second
/// concurrent rotation): no `kind`, `retryable: true`.
pub fn too_many_requests(source: &str, max: u32) -> types::ErrorBody {
    types::ErrorBody {
        error: format!(
            "too many concurrent {source} calls (server max: {max}); retry with backoff"
        ),
        kind: None,
        retryable: Some(true),
    }
}

/// The body of the waitpoint token's documented 404 ("no token for this
/// waitpoint").
pub fn token_not_found() -> types::ErrorBody {
    error(TOKEN_NOT_FOUND_MESSAGE)
}

/// The body of the server's "no such execution" 404 for `execution_id`
/// (`execution not found: <id>`), which `ff-admin`'s reads of an execution
/// turn into `Ok(None)`.
pub fn execution_not_found(execution_id: &str) -> types::ErrorBody {
    error(format!("execution not found: {execution_id}"))
}

/// The body of the server's "no stored result" 404 of
/// `get_execution_result` (`execution result not found: <id>`).
pub fn result_not_found(execution_id: &str) -> types::ErrorBody {
    error(format!("execution result not found: {execution_id}"))
}

/// The body of the server's 404 for a missing flow, execution, edge or
/// budget on Valkey (`entity` as the server names it: `flow`, `budget`,
/// ...): `not found: <entity>`.
pub fn entity_not_found(entity: &str) -> types::ErrorBody {
    error(format!("not found: {entity}"))
}

/// The partition hash tag the server derives from an execution id:
/// `{fp:7}` for `{fp:7}:<uuid>`, or the whole id when it has no such prefix.
pub fn partition_key(execution_id: &str) -> String {
    match execution_id.find("}:") {
        Some(end) if execution_id.starts_with("{fp:") => execution_id[..=end].to_owned(),
        _ => execution_id.to_owned(),
    }
}

/// A claim grant (`200` of `claim_for_worker`) for `execution_id`, with its
/// partition key derived from the id as the server does.
pub fn claim_grant(
    execution_id: &str,
    grant_key: &str,
    expires_at_ms: u64,
) -> types::ClaimForWorkerResponse {
    types::ClaimForWorkerResponse {
        execution_id: execution_id.to_owned(),
        partition_key: partition_key(execution_id),
        grant_key: grant_key.to_owned(),
        expires_at_ms,
    }
}

/// The `granted` reclaim outcome, with its partition key derived from the
/// id as the server does.
pub fn reclaim_granted(
    execution_id: &str,
    lane_id: &str,
    grant_key: &str,
    expires_at_ms: u64,
) -> types::IssueReclaimGrantResponse {
    types::IssueReclaimGrantResponse::Granted {
        execution_id: execution_id.to_owned(),
        partition_key: partition_key(execution_id),
        grant_key: grant_key.to_owned(),
        expires_at_ms,
        lane_id: lane_id.to_owned(),
    }
}

/// The `not_reclaimable` reclaim outcome; `detail` names the failed check
/// (the server says e.g. `execution_not_reclaimable`).
pub fn reclaim_not_reclaimable(
    execution_id: &str,
    detail: &str,
) -> types::IssueReclaimGrantResponse {
    types::IssueReclaimGrantResponse::NotReclaimable {
        execution_id: execution_id.to_owned(),
        detail: detail.to_owned(),
    }
}

/// The `reclaim_cap_exceeded` reclaim outcome.
pub fn reclaim_cap_exceeded(
    execution_id: &str,
    reclaim_count: u32,
) -> types::IssueReclaimGrantResponse {
    types::IssueReclaimGrantResponse::ReclaimCapExceeded {
        execution_id: execution_id.to_owned(),
        reclaim_count,
    }
}

impl IssueReclaimGrantThen {
    /// Answers 200 `granted` (see [`reclaim_granted`]).
    pub fn granted(
        self,
        execution_id: &str,
        lane_id: &str,
        grant_key: &str,
        expires_at_ms: u64,
    ) -> Self {
        self.ok(&reclaim_granted(
            execution_id,
            lane_id,
            grant_key,
            expires_at_ms,
        ))
    }

    /// Answers 200 `not_reclaimable` (see [`reclaim_not_reclaimable`]).
    pub fn not_reclaimable(self, execution_id: &str, detail: &str) -> Self {
        self.ok(&reclaim_not_reclaimable(execution_id, detail))
    }

    /// Answers 200 `reclaim_cap_exceeded` (see [`reclaim_cap_exceeded`]).
    pub fn reclaim_cap_exceeded(self, execution_id: &str, reclaim_count: u32) -> Self {
        self.ok(&reclaim_cap_exceeded(execution_id, reclaim_count))
    }
}

impl ReadWaitpointTokenThen {
    /// Answers 200 with `token` and `Cache-Control: no-store`.
    pub fn token(self, token: &str) -> Self {
        self.ok(&types::WaitpointTokenResponse {
            token: token.to_owned(),
        })
    }

    /// Answers the documented "token not found" 404, with
    /// `Cache-Control: no-store`.
    pub fn token_not_found(self) -> Self {
        self.not_found(&token_not_found())
    }
}

#[cfg(test)]
mod tests {
    use super::partition_key;

    #[test]
    fn partition_keys_come_from_the_id_prefix() {
        assert_eq!(partition_key("{fp:7}:3f2a9c4e"), "{fp:7}");
        assert_eq!(partition_key("{fp:65535}:x"), "{fp:65535}");
        assert_eq!(partition_key("no-prefix"), "no-prefix");
        assert_eq!(partition_key("{fp:7"), "{fp:7");
    }
}
