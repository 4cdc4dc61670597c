//! The spec's discriminated `oneOf` (reclaim's answer) is generated as an
//! internally tagged enum: each body decodes by its `status`, serializes
//! with it, and an unknown `status` is an error that names it.

use ff_admin_gen::types::IssueReclaimGrantResponse;

#[test]
fn each_status_decodes_to_its_variant_and_back() {
    let bodies = [
        r#"{"status":"granted","execution_id":"{fp:7}:e","partition_key":"{fp:7}","grant_key":"g","expires_at_ms":5,"lane_id":"default"}"#,
        r#"{"status":"not_reclaimable","execution_id":"{fp:7}:e","detail":"lifecycle_phase=submitted"}"#,
        r#"{"status":"reclaim_cap_exceeded","execution_id":"{fp:7}:e","reclaim_count":3}"#,
    ];
    for body in bodies {
        let answer: IssueReclaimGrantResponse = serde_json::from_str(body).expect(body);
        let status = match &answer {
            IssueReclaimGrantResponse::Granted { expires_at_ms, .. } => {
                assert_eq!(*expires_at_ms, 5);
                "granted"
            }
            IssueReclaimGrantResponse::NotReclaimable { detail, .. } => {
                assert_eq!(detail, "lifecycle_phase=submitted");
                "not_reclaimable"
            }
            IssueReclaimGrantResponse::ReclaimCapExceeded { reclaim_count, .. } => {
                assert_eq!(*reclaim_count, 3);
                "reclaim_cap_exceeded"
            }
        };
        assert!(body.contains(status), "{body} decoded as {answer:?}");
        let again: serde_json::Value = serde_json::to_value(&answer).unwrap();
        assert_eq!(
            again,
            serde_json::from_str::<serde_json::Value>(body).unwrap()
        );
    }
}

#[test]
fn an_unknown_status_or_a_missing_field_is_a_precise_error() {
    let unknown = serde_json::from_str::<IssueReclaimGrantResponse>(
        r#"{"status":"pending","execution_id":"{fp:7}:e"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(unknown.contains("unknown variant `pending`"), "{unknown}");

    let missing = serde_json::from_str::<IssueReclaimGrantResponse>(
        r#"{"status":"granted","execution_id":"{fp:7}:e"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(missing.contains("missing field"), "{missing}");
}
