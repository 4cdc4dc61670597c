//! The three types whose shape `ff_sdk::admin` fixes and the generated
//! ones cannot take; every other request and answer type is the one
//! generated from the spec.
//!
//! * [`ClaimForWorkerRequest`] carries the worker id, which the wire sends
//!   in the path, beside the body's fields.
//! * [`ClaimForWorkerResponse`] and [`IssueReclaimGrantResponse`] have an
//!   `into_grant()` method (feature `ff-core`), which a type of another
//!   crate cannot be given. Their fields are the generated types' fields;
//!   `partition_key` is a `String` here where ff-sdk uses ff-core's
//!   `PartitionKey`, a transparent wrapper of the same string.
//!
//! Unit tests below hold each of them against its generated namesake.

use ff_admin_gen::types as wire;
use serde::{Deserialize, Serialize};

/// Body of `POST /v1/workers/{worker_id}/claim`, plus the worker id that
/// goes into the path.
///
/// Serializes to the wire body alone (without `worker_id`). It does not
/// implement `Deserialize`, as in `ff_sdk::admin`: a request read back from
/// JSON would have no worker id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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

/// `200` of `POST /v1/executions/{execution_id}/reclaim`: every business
/// outcome, told apart by the wire field `status`. Exhaustive, as in
/// `ff_sdk::admin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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

impl From<ClaimForWorkerRequest> for (String, wire::ClaimForWorkerRequest) {
    /// The path's worker id and the wire body, every field moved.
    fn from(r: ClaimForWorkerRequest) -> Self {
        let body = wire::ClaimForWorkerRequest {
            capabilities: r.capabilities,
            grant_ttl_ms: r.grant_ttl_ms,
            lane_id: r.lane_id,
            worker_instance_id: r.worker_instance_id,
        };
        (r.worker_id, body)
    }
}

impl From<wire::ClaimForWorkerResponse> for ClaimForWorkerResponse {
    fn from(g: wire::ClaimForWorkerResponse) -> Self {
        Self {
            execution_id: g.execution_id,
            partition_key: g.partition_key,
            grant_key: g.grant_key,
            expires_at_ms: g.expires_at_ms,
        }
    }
}

impl From<wire::IssueReclaimGrantResponse> for IssueReclaimGrantResponse {
    fn from(r: wire::IssueReclaimGrantResponse) -> Self {
        use wire::IssueReclaimGrantResponse as W;
        match r {
            W::Granted {
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
            W::NotReclaimable {
                execution_id,
                detail,
            } => Self::NotReclaimable {
                execution_id,
                detail,
            },
            W::ReclaimCapExceeded {
                execution_id,
                reclaim_count,
            } => Self::ReclaimCapExceeded {
                execution_id,
                reclaim_count,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    //! Each drop-in type against its generated namesake, which is the
    //! spec's schema: the same JSON in, the same JSON out, and the `From`
    //! conversion equal to decoding the JSON directly.
    use serde::de::DeserializeOwned;
    use serde_json::{json, Value};

    use super::*;

    /// Decodes `answer` as the generated type `W` and as the drop-in type
    /// `H`: both must take it, convert to the same value, and encode it
    /// back unchanged.
    fn same_answer<W, H>(answer: Value)
    where
        W: DeserializeOwned,
        H: DeserializeOwned + Serialize + From<W> + PartialEq + std::fmt::Debug,
    {
        let generated: W = serde_json::from_value(answer.clone()).expect("the spec's type");
        let direct: H = serde_json::from_value(answer.clone()).expect("the drop-in type");
        assert_eq!(H::from(generated), direct, "{answer}");
        assert_eq!(serde_json::to_value(&direct).unwrap(), answer);
    }

    #[test]
    fn answers_read_as_the_spec_says() {
        same_answer::<wire::ClaimForWorkerResponse, ClaimForWorkerResponse>(json!({
            "execution_id": "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f",
            "partition_key": "{fp:7}", "grant_key": "g", "expires_at_ms": 1_764_000_000_000u64,
        }));
        for answer in [
            json!({"status": "granted", "execution_id": "e", "partition_key": "{fp:7}",
                   "grant_key": "g", "expires_at_ms": 5, "lane_id": "default"}),
            json!({"status": "not_reclaimable", "execution_id": "e", "detail": "lifecycle_phase=submitted"}),
            json!({"status": "reclaim_cap_exceeded", "execution_id": "e", "reclaim_count": 100}),
        ] {
            same_answer::<wire::IssueReclaimGrantResponse, IssueReclaimGrantResponse>(answer);
        }
    }

    #[test]
    fn a_claim_sends_the_spec_body_and_the_path_id() {
        let request = ClaimForWorkerRequest {
            worker_id: "w1".into(),
            lane_id: "default".into(),
            worker_instance_id: "w1-a".into(),
            capabilities: vec!["gpu".into()],
            grant_ttl_ms: 5_000,
        };
        let body = serde_json::to_value(&request).unwrap();
        let (worker_id, wire_body) = <(String, wire::ClaimForWorkerRequest)>::from(request);
        assert_eq!(worker_id, "w1");
        assert_eq!(serde_json::to_value(&wire_body).unwrap(), body);
        assert_eq!(
            body,
            json!({"lane_id": "default", "worker_instance_id": "w1-a",
                   "capabilities": ["gpu"], "grant_ttl_ms": 5000})
        );
    }
}
