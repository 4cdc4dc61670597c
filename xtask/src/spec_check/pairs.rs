//! The hand-written request and answer types of `ff-admin`, each paired
//! with the spec schema of the operation that sends or returns it, and the
//! check that each pair describes the same JSON.
//!
//! [`table`] is the one place to add a type. Every JSON request body and
//! every JSON 2xx body of every operation must have its entry there; a new
//! operation without one fails the check.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{json, Value};

use super::shape;
use crate::spec_doc::{self, Operation};

/// Which JSON of an operation a type stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// The `application/json` request body.
    Request,
    /// The `application/json` 2xx answers; several different ones (201 and
    /// 200 of a create) are read as the `oneOf` of them, as the generated
    /// client does.
    Answer,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Request => "request body",
            Self::Answer => "2xx answer",
        })
    }
}

/// The hand-written side of a pair.
pub enum Ours {
    /// A type: its name and its schemars schema.
    Type(String, fn() -> Value),
    /// No hand-written type stands for this JSON, and why (the client takes
    /// or returns something simpler and converts through the generated
    /// type).
    None(&'static str),
}

/// One operation's request body or answer and what stands for it in
/// `ff-admin`.
pub struct Pair {
    /// The `operationId`.
    pub op: &'static str,
    /// Which JSON.
    pub part: Part,
    /// The hand-written side.
    pub ours: Ours,
}

fn pair<T: schemars::JsonSchema>(op: &'static str, part: Part) -> Pair {
    Pair {
        op,
        part,
        ours: Ours::Type(short_type_name(std::any::type_name::<T>()), schema_of::<T>),
    }
}

fn none(op: &'static str, part: Part, why: &'static str) -> Pair {
    Pair {
        op,
        part,
        ours: Ours::None(why),
    }
}

fn schema_of<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("schemas serialize")
}

/// `alloc::vec::Vec<ff_admin::x::PendingWaitpoint>` as `Vec<PendingWaitpoint>`.
fn short_type_name(full: &str) -> String {
    let mut out = String::new();
    let mut segment = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(""));
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(""));
    out
}

/// Every operation's request body and JSON answer, and the `ff-admin` type
/// that stands for it. Types nested in these (`StateVector`,
/// `ExecutionPolicy`, `StreamFrame`, `PublicState`, …) are compared through
/// them, as deep as they go.
pub fn table() -> Vec<Pair> {
    use ff_admin::*;
    use Part::{Answer, Request};
    vec![
        pair::<ClaimForWorkerRequest>("claim_for_worker", Request),
        pair::<ClaimForWorkerResponse>("claim_for_worker", Answer),
        pair::<RotateWaitpointSecretRequest>("rotate_waitpoint_secret", Request),
        pair::<RotateWaitpointSecretResponse>("rotate_waitpoint_secret", Answer),
        pair::<IssueReclaimGrantRequest>("issue_reclaim_grant", Request),
        pair::<IssueReclaimGrantResponse>("issue_reclaim_grant", Answer),
        none(
            "read_waitpoint_token",
            Answer,
            "read_waitpoint_token returns the `token` string of the generated type",
        ),
        none(
            "healthz",
            Answer,
            "healthz returns (): the body only ever says `ok`",
        ),
        pair::<ExecutionPage>("list_executions", Answer),
        pair::<CreateExecutionRequest>("create_execution", Request),
        pair::<CreateExecutionResponse>("create_execution", Answer),
        pair::<ExecutionInfo>("get_execution", Answer),
        pair::<PublicState>("get_execution_state", Answer),
        pair::<Vec<PendingWaitpoint>>("list_pending_waitpoints", Answer),
        pair::<CancelExecutionRequest>("cancel_execution", Request),
        pair::<CancelExecutionResponse>("cancel_execution", Answer),
        pair::<DeliverSignalRequest>("deliver_signal", Request),
        pair::<DeliverSignalResponse>("deliver_signal", Answer),
        none(
            "change_priority",
            Request,
            "change_priority takes the new priority as an i32 and builds the generated body",
        ),
        pair::<ChangePriorityResponse>("change_priority", Answer),
        pair::<ReplayExecutionResponse>("replay_execution", Answer),
        pair::<RevokeLeaseResponse>("revoke_lease", Answer),
        pair::<StreamFrames>("read_attempt_stream", Answer),
        pair::<StreamFrames>("tail_attempt_stream", Answer),
        pair::<CreateFlowRequest>("create_flow", Request),
        pair::<CreateFlowResponse>("create_flow", Answer),
        pair::<AddExecutionToFlowRequest>("add_execution_to_flow", Request),
        pair::<AddExecutionToFlowResponse>("add_execution_to_flow", Answer),
        pair::<CancelFlowRequest>("cancel_flow", Request),
        pair::<CancelFlowResponse>("cancel_flow", Answer),
        pair::<StageDependencyEdgeRequest>("stage_dependency_edge", Request),
        pair::<StageDependencyEdgeResponse>("stage_dependency_edge", Answer),
        pair::<ApplyDependencyToChildRequest>("apply_dependency_to_child", Request),
        pair::<ApplyDependencyToChildResponse>("apply_dependency_to_child", Answer),
        pair::<CreateBudgetRequest>("create_budget", Request),
        pair::<CreateBudgetResponse>("create_budget", Answer),
        pair::<BudgetStatus>("get_budget_status", Answer),
        pair::<ReportUsageRequest>("report_usage", Request),
        pair::<ReportUsageResponse>("report_usage", Answer),
        pair::<ResetBudgetResponse>("reset_budget", Answer),
        pair::<CreateQuotaPolicyRequest>("create_quota_policy", Request),
        pair::<CreateQuotaPolicyResponse>("create_quota_policy", Answer),
    ]
}

/// The spec's JSON for one part of one operation: the schema (a synthetic
/// `oneOf` when several 2xx answers differ) and how to name it.
struct SpecSide {
    schema: Value,
    name: String,
}

/// Every `(operationId, part)` of the spec that carries JSON.
fn spec_sides(spec: &Value) -> BTreeMap<(String, Part), SpecSide> {
    let mut out = BTreeMap::new();
    let operations = spec_doc::operations(spec).into_iter().flatten();
    for Operation {
        path, method, op, ..
    } in operations
    {
        let id = op["operationId"].as_str().map_or_else(
            || format!("{} {path}", method.to_uppercase()),
            str::to_owned,
        );
        let request = spec_doc::resolve(spec, &op["requestBody"]).unwrap_or(&op["requestBody"]);
        if let Some(schema) = request.pointer("/content/application~1json/schema") {
            out.insert(
                (id.clone(), Part::Request),
                SpecSide {
                    name: schema_name(schema),
                    schema: schema.clone(),
                },
            );
        }
        let mut answers: Vec<&Value> = Vec::new();
        for (code, response) in op["responses"].as_object().into_iter().flatten() {
            let response = spec_doc::resolve(spec, response).unwrap_or(response);
            if let Some(schema) = code
                .starts_with('2')
                .then(|| response.pointer("/content/application~1json/schema"))
                .flatten()
            {
                if !answers.contains(&schema) {
                    answers.push(schema);
                }
            }
        }
        let side = match answers.as_slice() {
            [] => None,
            [one] => Some(SpecSide {
                name: schema_name(one),
                schema: (*one).clone(),
            }),
            several => Some(SpecSide {
                name: format!(
                    "oneOf {}",
                    several
                        .iter()
                        .map(|s| schema_name(s))
                        .collect::<Vec<_>>()
                        .join(" | ")
                ),
                schema: json!({ "oneOf": several }),
            }),
        };
        if let Some(side) = side {
            out.insert((id, Part::Answer), side);
        }
    }
    out
}

fn schema_name(schema: &Value) -> String {
    schema["$ref"]
        .as_str()
        .map_or_else(|| "an inline schema".to_owned(), str::to_owned)
}

/// Every problem with the hand-written types against `spec`, naming the
/// operation, the type and where inside it they differ.
pub fn check(spec: &Value, pairs: &[Pair]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut sides = spec_sides(spec);
    let mut seen = BTreeMap::new();
    for Pair { op, part, ours } in pairs {
        let key = ((*op).to_owned(), *part);
        if seen.insert(key.clone(), ()).is_some() {
            problems.push(format!("{op} {part}: paired twice in the table"));
            continue;
        }
        let Some(side) = sides.remove(&key) else {
            problems.push(format!(
                "{op} {part}: the table pairs it, but the spec has no such operation or no JSON {part}"
            ));
            continue;
        };
        let Ours::Type(rust, schema) = ours else {
            continue;
        };
        let ours_schema = schema();
        let mut found = Vec::new();
        shape::diff(
            &shape::of(&ours_schema, &ours_schema),
            &shape::of(spec, &side.schema),
            rust,
            &mut found,
        );
        if !found.is_empty() {
            problems.push(format!(
                "{op} {part}: ff_admin::{rust} does not match the spec's {}: {}",
                side.name,
                found.join("; ")
            ));
        }
    }
    for ((op, part), side) in sides {
        problems.push(format!(
            "{op} {part} ({}) has no hand-written pair: add one to spec_check/pairs.rs `table()`",
            side.name
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::{check, short_type_name, table};
    use serde_json::{json, Value};

    fn spec() -> Value {
        let yaml = std::fs::read_to_string(ff_admin_devenv::workspace_root().join("openapi.yaml"))
            .expect("read spec");
        crate::spec_doc::parse("openapi.yaml", &yaml).expect("spec parses")
    }

    fn problems_after(mutate: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut spec = spec();
        mutate(&mut spec);
        check(&spec, &table())
    }

    #[test]
    fn the_hand_written_types_match_the_spec() {
        assert_eq!(check(&spec(), &table()), Vec::<String>::new());
    }

    #[test]
    fn type_names_are_short() {
        assert_eq!(
            short_type_name("alloc::vec::Vec<ff_admin::execution_types::PendingWaitpoint>"),
            "Vec<PendingWaitpoint>"
        );
        assert_eq!(
            short_type_name("ff_admin::models::ClaimForWorkerRequest"),
            "ClaimForWorkerRequest"
        );
    }

    /// Each mutation of the spec, and the text the problem must contain.
    #[test]
    fn a_wrong_nested_name_or_type_is_named() {
        type Mutation = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(&str, Mutation)> = vec![
            (
                "get_execution 2xx answer: ff_admin::ExecutionInfo does not match the spec's #/components/schemas/ExecutionInfo: ExecutionInfo.state_vector.public_state: not in the spec; ExecutionInfo.state_vector.public_status: in the spec, missing from ours",
                Box::new(|s| {
                    let sv = s["components"]["schemas"]["StateVector"]["properties"]
                        .as_object_mut()
                        .unwrap();
                    let v = sv.remove("public_state").unwrap();
                    sv.insert("public_status".into(), v);
                }),
            ),
            (
                "StreamFrames.frames[].fields{}: ours string, spec integer (uint64)",
                Box::new(|s| {
                    s["components"]["schemas"]["StreamFrame"]["properties"]["fields"]
                        ["additionalProperties"] = json!({"$ref": "#/components/schemas/UInt64"});
                }),
            ),
            (
                "BudgetStatus.usage: ours map of integer (uint64), spec array of integer (uint64)",
                Box::new(|s| {
                    s["components"]["schemas"]["BudgetStatus"]["properties"]["usage"] =
                        json!({"type": "array", "items": {"$ref": "#/components/schemas/UInt64"}});
                }),
            ),
            (
                "ReportUsageResponse::AlreadyApplied: variant not in the spec",
                Box::new(|s| {
                    s["components"]["schemas"]["UsageAccepted"]["enum"] = json!(["Ok"]);
                }),
            ),
            (
                "CreateExecutionResponse::Duplicate.execution_id: not in the spec; CreateExecutionResponse::Duplicate.id: in the spec, missing from ours",
                Box::new(|s| {
                    s["components"]["schemas"]["ExecutionDuplicate"]["properties"]["Duplicate"]
                        ["properties"] = json!({"id": {"type": "string"}});
                }),
            ),
            (
                "IssueReclaimGrantResponse[status=granted].lane_id: ours string, spec integer (uint32)",
                Box::new(|s| {
                    s["components"]["schemas"]["ReclaimGranted"]["properties"]["lane_id"] =
                        json!({"$ref": "#/components/schemas/UInt32"});
                }),
            ),
            (
                "CreateExecutionRequest.policy.max_replay_count: ours integer (uint32), spec integer (uint64)",
                Box::new(|s| {
                    s["components"]["schemas"]["ExecutionPolicy"]["properties"]
                        ["max_replay_count"] = json!({"$ref": "#/components/schemas/UInt64"});
                }),
            ),
            (
                "ClaimForWorkerRequest.lane: in the spec, missing from ours",
                Box::new(|s| {
                    let body = s["components"]["schemas"]["ClaimForWorkerRequest"]["properties"]
                        .as_object_mut()
                        .unwrap();
                    let v = body.remove("lane_id").unwrap();
                    body.insert("lane".into(), v);
                }),
            ),
            (
                "PublicState: values ours only [\"skipped\"], spec only []",
                Box::new(|s| {
                    s["components"]["schemas"]["PublicState"]["enum"]
                        .as_array_mut()
                        .unwrap()
                        .retain(|v| v != "skipped");
                }),
            ),
            (
                "Vec<PendingWaitpoint>[].created_at: ours integer (int64), spec string",
                Box::new(|s| {
                    s["components"]["schemas"]["PendingWaitpoint"]["properties"]["created_at"] =
                        json!({"type": "string"});
                }),
            ),
        ];
        for (want, mutate) in cases {
            let problems = problems_after(mutate);
            assert!(
                problems.iter().any(|p| p.contains(want)),
                "want `{want}` in {problems:#?}"
            );
        }
    }

    #[test]
    fn a_json_body_without_a_pair_fails_and_names_the_operation() {
        let problems = problems_after(|s| {
            s["paths"]["/v1/things"] = json!({"post": {
                "operationId": "create_thing",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateFlowRequest"}}}},
                "responses": {"201": {"description": "d", "content": {"application/json": {"schema": {"type": "object"}}}}}
            }});
        });
        for want in [
            "create_thing request body (#/components/schemas/CreateFlowRequest) has no hand-written pair",
            "create_thing 2xx answer (an inline schema) has no hand-written pair",
        ] {
            assert!(problems.iter().any(|p| p.contains(want)), "{want}: {problems:#?}");
        }
    }

    #[test]
    fn a_pair_for_json_the_spec_does_not_have_fails() {
        let problems = problems_after(|s| {
            s["paths"]["/v1/budgets/{budget_id}/reset"]["post"]["responses"]["200"]
                .as_object_mut()
                .unwrap()
                .remove("content");
        });
        assert!(
            problems
                .iter()
                .any(|p| p
                    .starts_with("reset_budget 2xx answer: the table pairs it, but the spec has")),
            "{problems:#?}"
        );
    }

    #[test]
    fn create_answers_pair_with_the_union_of_201_and_200() {
        let problems = problems_after(|s| {
            s["paths"]["/v1/flows"]["post"]["responses"]["200"]["content"]["application/json"]
                ["schema"] = json!({"$ref": "#/components/schemas/BudgetAlreadyExists"});
        });
        assert!(
            problems.iter().any(|p| p.contains(
                "create_flow 2xx answer: ff_admin::CreateFlowResponse does not match the spec's oneOf #/components/schemas/BudgetAlreadyExists | #/components/schemas/FlowCreated: CreateFlowResponse::AlreadySatisfied.budget_id: in the spec, missing from ours"
            )),
            "{problems:#?}"
        );
    }
}
