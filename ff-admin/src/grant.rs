//! Conversions of wire grants into ff-core's grant types (feature `ff-core`).

use ff_core::contracts::{ClaimGrant, ReclaimGrant};
use ff_core::partition::PartitionKey;
use ff_core::types::{ExecutionId, LaneId};

use crate::{ClaimForWorkerResponse, IssueReclaimGrantResponse, SdkError};

/// An `AdminApi` error for a 200 answer that cannot become a grant.
fn not_a_grant(message: String, kind: &str) -> SdkError {
    SdkError::AdminApi {
        status: 200,
        message,
        kind: Some(kind.to_owned()),
        retryable: Some(false),
        raw_body: String::new(),
    }
}

fn execution_id(operation: &str, raw: &str) -> Result<ExecutionId, SdkError> {
    ExecutionId::parse(raw).map_err(|e| {
        not_a_grant(
            format!("{operation}: server returned malformed execution_id '{raw}': {e}"),
            "malformed_response",
        )
    })
}

impl ClaimForWorkerResponse {
    /// Builds the [`ClaimGrant`] a worker redeems (for example with ff-sdk's
    /// `FlowFabricWorker::claim_from_grant`).
    ///
    /// # Errors
    ///
    /// [`SdkError::AdminApi`] with status 200 and
    /// `kind: Some("malformed_response")` when `execution_id` is not a valid
    /// `{fp:N}:<uuid>`: the server and client disagree on the wire format.
    pub fn into_grant(self) -> Result<ClaimGrant, SdkError> {
        let id = execution_id("claim_for_worker", &self.execution_id)?;
        Ok(ClaimGrant::new(
            id,
            wire_partition_key("claim_for_worker", self.partition_key)?,
            self.grant_key,
            self.expires_at_ms,
        ))
    }
}

impl IssueReclaimGrantResponse {
    /// Builds the [`ReclaimGrant`] of a [`Granted`](Self::Granted) answer
    /// (for example for ff-sdk's `FlowFabricWorker::claim_from_reclaim_grant`).
    ///
    /// # Errors
    ///
    /// [`SdkError::AdminApi`] with status 200 and `retryable: Some(false)`:
    /// `kind: Some("not_reclaimable")` or `Some("reclaim_cap_exceeded")` for
    /// those outcomes, `Some("malformed_response")` when `execution_id` or
    /// `lane_id` is malformed.
    pub fn into_grant(self) -> Result<ReclaimGrant, SdkError> {
        match self {
            Self::Granted {
                execution_id: raw_id,
                partition_key,
                grant_key,
                expires_at_ms,
                lane_id,
            } => {
                let id = execution_id("issue_reclaim_grant", &raw_id)?;
                let lane = LaneId::try_new(lane_id.clone()).map_err(|e| {
                    not_a_grant(
                        format!("issue_reclaim_grant: server returned malformed lane_id '{lane_id}': {e}"),
                        "malformed_response",
                    )
                })?;
                Ok(ReclaimGrant::new(
                    id,
                    wire_partition_key("issue_reclaim_grant", partition_key)?,
                    grant_key,
                    expires_at_ms,
                    lane,
                ))
            }
            Self::NotReclaimable {
                execution_id,
                detail,
            } => Err(not_a_grant(
                format!("issue_reclaim_grant: execution '{execution_id}' not reclaimable: {detail}"),
                "not_reclaimable",
            )),
            Self::ReclaimCapExceeded {
                execution_id,
                reclaim_count,
            } => Err(not_a_grant(
                format!("issue_reclaim_grant: execution '{execution_id}' hit reclaim cap ({reclaim_count})"),
                "reclaim_cap_exceeded",
            )),
        }
    }
}

/// `PartitionKey` has no public string constructor; it is a transparent
/// serde wrapper of the hash-tag string, so it is built through serde.
fn wire_partition_key(operation: &str, raw: String) -> Result<PartitionKey, SdkError> {
    serde_json::from_value(serde_json::Value::String(raw)).map_err(|e| {
        not_a_grant(
            format!("{operation}: server returned an unusable partition_key: {e}"),
            "malformed_response",
        )
    })
}
