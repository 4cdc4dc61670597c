//! What the generator's settings and rewrite pass promise of the generated
//! types: secrets never in `Debug`, externally tagged answers as one enum
//! per operation, `x-extensible` values as strings, ids as plain strings.

use ff_admin_gen::types::{
    CreateExecutionResponse, DeliverSignalRequest, ReportUsageResponse,
    RotateWaitpointSecretRequest, StateVector, WaitpointTokenResponse,
};
use serde_json::json;

#[test]
fn debug_never_shows_a_secret() {
    let rotate = RotateWaitpointSecretRequest {
        new_kid: "k2".into(),
        new_secret_hex: "deadbeefcafe".into(),
    };
    let token = WaitpointTokenResponse {
        token: "k1:0123abcd".into(),
    };
    let signal: DeliverSignalRequest = serde_json::from_value(json!({
        "execution_id": "{fp:7}:e", "waitpoint_id": "w", "signal_id": "s",
        "signal_name": "n", "signal_category": "c", "source_type": "t",
        "source_identity": "i", "target_scope": "waitpoint",
        "waitpoint_token": "k1:0123abcd", "now": 1,
    }))
    .expect("a signal body");
    let debug = format!("{rotate:?} {token:?} {signal:?}");
    for secret in ["deadbeefcafe", "0123abcd"] {
        assert!(!debug.contains(secret), "{debug}");
    }
    assert!(debug.contains("new_kid: \"k2\""), "{debug}");
    assert_eq!(debug.matches("<redacted>").count(), 3, "{debug}");
}

#[test]
fn tagged_answers_are_one_enum_with_a_variant_each() {
    let created: CreateExecutionResponse = serde_json::from_value(
        json!({"Created": {"execution_id": "{fp:7}:e", "public_state": "waiting"}}),
    )
    .expect("201");
    assert!(matches!(created, CreateExecutionResponse::Created { .. }));
    let duplicate: CreateExecutionResponse =
        serde_json::from_value(json!({"Duplicate": {"execution_id": "{fp:7}:e"}})).expect("200");
    assert_eq!(
        duplicate,
        CreateExecutionResponse::Duplicate {
            execution_id: "{fp:7}:e".into()
        }
    );
    let ok: ReportUsageResponse = serde_json::from_value(json!("Ok")).expect("a unit variant");
    assert_eq!(ok, ReportUsageResponse::Ok);
    assert_eq!(serde_json::to_value(&ok).unwrap(), json!("Ok"));
    let unknown = serde_json::from_value::<ReportUsageResponse>(json!("Refunded"));
    assert!(unknown.is_err(), "an unknown variant is a decode error");
}

#[test]
fn an_extensible_value_reads_even_when_new() {
    let state: StateVector = serde_json::from_value(json!({
        "lifecycle_phase": "hibernating", "ownership_state": "unowned",
        "eligibility_state": "eligible_now", "blocking_reason": "none",
        "terminal_outcome": "none", "attempt_state": "none", "public_state": "waiting",
    }))
    .expect("a value this client does not know is still a string");
    assert_eq!(state.lifecycle_phase, "hibernating");
}
