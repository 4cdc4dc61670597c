//! Budgets (create, status, every usage outcome, reset) and quota policies.

use ff_admin::{
    CreateBudgetResponse, CreateQuotaPolicyResponse, ReportUsageResponse, ResetBudgetResponse,
};
use ff_admin_contract_tests::live_ops::{self as ops, Family, DIMENSION};

use crate::{Ctx, MALFORMED_UUID, UNKNOWN_UUID};

const HARD: u64 = 100;
const SOFT: u64 = 50;

pub(crate) async fn budgets(cx: &Ctx) {
    let c = &cx.client;
    let budget = ops::new_uuid();
    let request = ops::budget_request(&budget, "ops-budget-lane", HARD, SOFT);
    let r = c.create_budget(&request).await;
    cx.check(
        "create_budget",
        "new id",
        "201 Created",
        &r,
        matches!(&r, Ok(CreateBudgetResponse::Created { budget_id }) if *budget_id == budget),
    );
    let r = c.create_budget(&request).await;
    cx.check(
        "create_budget",
        "same id again",
        "200 AlreadySatisfied",
        &r,
        matches!(&r, Ok(CreateBudgetResponse::AlreadySatisfied { budget_id }) if *budget_id == budget),
    );
    let mut uneven = ops::budget_request(&ops::new_uuid(), "ops-budget-lane", HARD, SOFT);
    uneven.soft_limits.push(1);
    let r = c.create_budget(&uneven).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 dimension_limit_array_mismatch (a script error), retryable",
            matches!(&r, Err(ff_admin::SdkError::AdminApi { status: 500, message, retryable: Some(true), .. })
                if message.contains("dimension_limit_array_mismatch")),
        ),
        Family::Postgres | Family::Sqlite => (
            "400 (the lists differ in length)",
            matches!(&r, Err(ff_admin::SdkError::AdminApi { status: 400, .. })),
        ),
    };
    cx.check(
        "create_budget",
        "one dimension, two soft limits",
        expected,
        &r,
        ok,
    );

    let r = c.get_budget_status(&budget).await;
    cx.check(
        "get_budget_status",
        "new budget",
        "Some(status): its scope, limits, no usage, no breach",
        &r,
        matches!(&r, Ok(Some(s)) if s.budget_id == budget
            && s.scope_type == "lane" && s.scope_id == "ops-budget-lane"
            && s.hard_limits.get(DIMENSION) == Some(&HARD)
            && s.soft_limits.get(DIMENSION) == Some(&SOFT)
            && s.usage.get(DIMENSION).copied().unwrap_or(0) == 0
            && s.breach_count == 0 && s.soft_breach_count == 0),
    );
    let r = c.get_budget_status(UNKNOWN_UUID).await;
    cx.check(
        "get_budget_status",
        "unknown id",
        "Ok(None)",
        &r,
        matches!(r, Ok(None)),
    );
    let r = c.get_budget_status(MALFORMED_UUID).await;
    cx.check(
        "get_budget_status",
        "malformed id",
        "400 invalid budget_id",
        &r,
        ops::is_api(&r, 400, "invalid budget_id"),
    );

    let r = c
        .report_usage(&budget, &ops::usage_request(10, Some("ops-k1")))
        .await;
    cx.check(
        "report_usage",
        "10 of 100",
        "200 \"Ok\"",
        &r,
        matches!(r, Ok(ReportUsageResponse::Ok)),
    );
    let r = c
        .report_usage(&budget, &ops::usage_request(10, Some("ops-k1")))
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "200 \"AlreadyApplied\"",
            matches!(r, Ok(ReportUsageResponse::AlreadyApplied)),
        ),
        Family::Postgres | Family::Sqlite => (
            "200 \"Ok\": the first report's answer, replayed (nothing added: see the next one)",
            matches!(r, Ok(ReportUsageResponse::Ok)),
        ),
    };
    cx.check("report_usage", "the same dedup_key again", expected, &r, ok);
    let r = c.report_usage(&budget, &ops::usage_request(45, None)).await;
    cx.check(
        "report_usage",
        "45 more (55, soft limit 50)",
        "200 SoftBreach tokens 55/50",
        &r,
        matches!(&r, Ok(ReportUsageResponse::SoftBreach { dimension, current_usage: 55, soft_limit: SOFT }) if dimension == DIMENSION),
    );
    let r = c.report_usage(&budget, &ops::usage_request(50, None)).await;
    cx.check(
        "report_usage",
        "50 more (105 would pass the hard limit 100)",
        "200 HardBreach tokens, usage still 55: the report is refused",
        &r,
        matches!(&r, Ok(ReportUsageResponse::HardBreach { dimension, current_usage: 55, hard_limit: HARD }) if dimension == DIMENSION),
    );
    let r = c.get_budget_status(&budget).await;
    cx.check(
        "get_budget_status",
        "after the breaches",
        "Some(status): usage 55, one hard and one soft breach, last breach on tokens",
        &r,
        matches!(&r, Ok(Some(s)) if s.usage.get(DIMENSION) == Some(&55)
            && s.breach_count == 1 && s.soft_breach_count == 1
            && s.last_breach_dim.as_deref() == Some(DIMENSION)),
    );

    let r = c.reset_budget(&budget).await;
    cx.check(
        "reset_budget",
        "used budget",
        "200 Reset, next reset in the future",
        &r,
        matches!(r, Ok(ResetBudgetResponse::Reset { next_reset_at }) if next_reset_at > ff_admin::now_ms()),
    );
    let r = c.get_budget_status(&budget).await;
    cx.check(
        "get_budget_status",
        "after the reset",
        "Some(status): usage 0",
        &r,
        matches!(&r, Ok(Some(s)) if s.usage.get(DIMENSION).copied().unwrap_or(0) == 0),
    );

    let r = c
        .report_usage(UNKNOWN_UUID, &ops::usage_request(1, None))
        .await;
    cx.check(
        "report_usage",
        "unknown budget",
        "200 \"Ok\" (an unknown budget counts as one without limits)",
        &r,
        matches!(r, Ok(ReportUsageResponse::Ok)),
    );
    let r = c
        .report_usage(MALFORMED_UUID, &ops::usage_request(1, None))
        .await;
    cx.check(
        "report_usage",
        "malformed id",
        "400 invalid budget_id",
        &r,
        ops::is_api(&r, 400, "invalid budget_id"),
    );
    let r = c.reset_budget(UNKNOWN_UUID).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "200 Reset, next_reset_at 0 (Valkey resets a budget it does not have)",
            matches!(r, Ok(ResetBudgetResponse::Reset { next_reset_at: 0 })),
        ),
        Family::Postgres | Family::Sqlite => (
            "404 not found: budget",
            ops::is_api(&r, 404, "not found: budget"),
        ),
    };
    cx.check("reset_budget", "unknown budget", expected, &r, ok);
    let r = c.reset_budget(MALFORMED_UUID).await;
    cx.check(
        "reset_budget",
        "malformed id",
        "400 invalid budget_id",
        &r,
        ops::is_api(&r, 400, "invalid budget_id"),
    );
}

pub(crate) async fn quotas(cx: &Ctx) {
    let c = &cx.client;
    let quota = ops::new_uuid();
    let r = c.create_quota_policy(&ops::quota_request(&quota)).await;
    cx.check(
        "create_quota_policy",
        "new id",
        "201 Created",
        &r,
        matches!(&r, Ok(CreateQuotaPolicyResponse::Created { quota_policy_id }) if *quota_policy_id == quota),
    );
    let r = c.create_quota_policy(&ops::quota_request(&quota)).await;
    cx.check(
        "create_quota_policy",
        "same id again",
        "200 AlreadySatisfied",
        &r,
        matches!(&r, Ok(CreateQuotaPolicyResponse::AlreadySatisfied { quota_policy_id }) if *quota_policy_id == quota),
    );
}
