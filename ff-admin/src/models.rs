//! Request and response types of the admin operations.
//!
//! Names, fields and field types follow `ff_sdk::admin`, so code written
//! against that module compiles against this one. The one difference:
//! `partition_key` is a `String` here (ff-sdk uses ff-core's `PartitionKey`,
//! a transparent wrapper of the same string); with the `ff-core` feature,
//! `into_grant()` builds the ff-core grant types.

use ff_admin_gen::types as wire;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Body of `POST /v1/workers/{worker_id}/claim`, plus the worker id that
/// goes into the path.
///
/// Serializes to the wire body alone (without `worker_id`). It does not
/// implement `Deserialize`, as in `ff_sdk::admin`: a request read back from
/// JSON would have no worker id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ClaimForWorkerRequest {
    /// The worker asking for work; sent as one percent-encoded path segment,
    /// not in the body. 1 to 256 bytes without whitespace or control
    /// characters (checked by the server).
    #[serde(skip)]
    pub worker_id: String,
    /// The lane to claim from: 1 to 64 printable ASCII characters.
    pub lane_id: String,
    /// This worker process's instance id (same rules as `worker_id`).
    pub worker_instance_id: String,
    /// Capability tokens the worker offers; duplicates are merged.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// How long the grant stays redeemable, in milliseconds: 1 to 60000.
    pub grant_ttl_ms: u64,
}

/// A claim grant: `200` of `POST /v1/workers/{worker_id}/claim`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClaimForWorkerResponse {
    /// The granted execution, `{fp:N}:<uuid>`.
    pub execution_id: String,
    /// Opaque partition hash tag (e.g. `{fp:7}`); pass it on unchanged.
    pub partition_key: String,
    /// Opaque grant key; pass it on unchanged.
    pub grant_key: String,
    /// When the grant expires, in Unix epoch milliseconds.
    pub expires_at_ms: u64,
}

/// Body of `POST /v1/admin/rotate-waitpoint-secret`.
///
/// `Debug` does not print `new_secret_hex`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RotateWaitpointSecretRequest {
    /// The new key id: non-empty, without `:`.
    pub new_kid: String,
    /// The new secret as an even number of hex digits (the SQLite and
    /// Postgres backends require exactly 64).
    pub new_secret_hex: String,
}

impl std::fmt::Debug for RotateWaitpointSecretRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotateWaitpointSecretRequest")
            .field("new_kid", &self.new_kid)
            .field("new_secret_hex", &"<redacted>")
            .finish()
    }
}

/// `200` of `POST /v1/admin/rotate-waitpoint-secret`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RotateWaitpointSecretResponse {
    /// How many partitions now hold the new key (including ones that
    /// already had it).
    pub rotated: u16,
    /// Partitions where the rotation failed; retrying with the same pair is
    /// safe.
    pub failed: Vec<u16>,
    /// The installed key id, echoed.
    pub new_kid: String,
}

/// Body of `POST /v1/executions/{execution_id}/reclaim`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IssueReclaimGrantRequest {
    /// The worker that will redeem the grant.
    pub worker_id: String,
    /// That worker's instance id.
    pub worker_instance_id: String,
    /// The execution's lane.
    pub lane_id: String,
    /// Opaque value stored on the grant for audit; not used for admission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability_hash: Option<String>,
    /// How long the grant stays redeemable, in milliseconds: 1 to 60000.
    pub grant_ttl_ms: u64,
    /// Route snapshot stored on the grant for audit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_snapshot_json: Option<String>,
    /// Admission summary stored on the grant for audit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission_summary: Option<String>,
    /// Capabilities of the redeeming worker, compared with the execution's
    /// required capabilities.
    #[serde(default)]
    pub worker_capabilities: Vec<String>,
}

/// `200` of `POST /v1/executions/{execution_id}/reclaim`: every business
/// outcome, told apart by the wire field `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum IssueReclaimGrantResponse {
    /// A reclaim grant was issued (`status: granted`).
    Granted {
        /// The execution, `{fp:N}:<uuid>`.
        execution_id: String,
        /// Opaque partition hash tag; pass it on unchanged.
        partition_key: String,
        /// Opaque grant key; pass it on unchanged.
        grant_key: String,
        /// When the grant expires, in Unix epoch milliseconds.
        expires_at_ms: u64,
        /// The execution's lane.
        lane_id: String,
    },
    /// The execution is in no reclaimable state (`status: not_reclaimable`).
    NotReclaimable {
        /// The execution, `{fp:N}:<uuid>`.
        execution_id: String,
        /// Which check failed, e.g. `lifecycle_phase=submitted (expected active)`.
        detail: String,
    },
    /// The execution reached its reclaim cap (`status: reclaim_cap_exceeded`);
    /// stop retrying.
    ReclaimCapExceeded {
        /// The execution, `{fp:N}:<uuid>`.
        execution_id: String,
        /// How many times it was reclaimed.
        reclaim_count: u32,
    },
}

impl ClaimForWorkerRequest {
    /// Splits into the path id and the generated body, moving every field.
    pub(crate) fn into_wire(self) -> (String, wire::ClaimForWorkerBody) {
        let body = wire::ClaimForWorkerBody {
            capabilities: self.capabilities,
            grant_ttl_ms: wire::GrantTtlMs(self.grant_ttl_ms),
            lane_id: wire::LaneId(self.lane_id),
            worker_instance_id: wire::Identifier(self.worker_instance_id),
        };
        (self.worker_id, body)
    }
}

impl From<wire::ClaimGrant> for ClaimForWorkerResponse {
    fn from(g: wire::ClaimGrant) -> Self {
        Self {
            execution_id: g.execution_id,
            partition_key: g.partition_key,
            grant_key: g.grant_key,
            expires_at_ms: g.expires_at_ms,
        }
    }
}

impl From<RotateWaitpointSecretRequest> for wire::RotateWaitpointSecretBody {
    fn from(r: RotateWaitpointSecretRequest) -> Self {
        Self {
            new_kid: r.new_kid,
            new_secret_hex: r.new_secret_hex,
        }
    }
}

impl From<wire::RotateWaitpointSecretResult> for RotateWaitpointSecretResponse {
    fn from(r: wire::RotateWaitpointSecretResult) -> Self {
        Self {
            rotated: r.rotated,
            failed: r.failed,
            new_kid: r.new_kid,
        }
    }
}

impl From<IssueReclaimGrantRequest> for wire::IssueReclaimGrantBody {
    fn from(r: IssueReclaimGrantRequest) -> Self {
        Self {
            admission_summary: r.admission_summary,
            capability_hash: r.capability_hash,
            grant_ttl_ms: wire::GrantTtlMs(r.grant_ttl_ms),
            lane_id: wire::LaneId(r.lane_id),
            route_snapshot_json: r.route_snapshot_json,
            worker_capabilities: r.worker_capabilities,
            worker_id: wire::Identifier(r.worker_id),
            worker_instance_id: wire::Identifier(r.worker_instance_id),
        }
    }
}

impl From<wire::IssueReclaimGrantResponse> for IssueReclaimGrantResponse {
    fn from(r: wire::IssueReclaimGrantResponse) -> Self {
        match r {
            wire::IssueReclaimGrantResponse::Granted {
                execution_id,
                partition_key,
                grant_key,
                expires_at_ms,
                lane_id,
            } => Self::Granted {
                execution_id,
                partition_key,
                grant_key,
                expires_at_ms,
                lane_id,
            },
            wire::IssueReclaimGrantResponse::NotReclaimable {
                execution_id,
                detail,
            } => Self::NotReclaimable {
                execution_id,
                detail,
            },
            wire::IssueReclaimGrantResponse::ReclaimCapExceeded {
                execution_id,
                reclaim_count,
            } => Self::ReclaimCapExceeded {
                execution_id,
                reclaim_count,
            },
        }
    }
}
