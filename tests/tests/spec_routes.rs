//! `openapi.yaml` describes every route of ff-server's router, and nothing
//! else: the routes are read from the ff-server source cargo resolved (see
//! `router_routes`), the operations from the spec, and path parameters
//! compared by position only.
//!
//! Each operation's `operationId` must be its handler's name, except for
//! the operations whose names predate this rule ([`KEPT_NAMES`]): their
//! differences are printed, not failed.

use ff_admin_contract_tests::route_coverage::compare;
use ff_admin_contract_tests::router_routes::ff_server_routes;

/// Operation ids that keep their published names even where the handler is
/// named differently.
const KEPT_NAMES: &[&str] = &[
    "claim_for_worker",
    "rotate_waitpoint_secret",
    "issue_reclaim_grant",
    "read_waitpoint_token",
    "healthz",
    // The handler is `metrics_handler`.
    "get_metrics",
];

/// Fewer routes than this means the parser lost track of the router.
const MIN_ROUTES: usize = 25;

#[test]
fn spec_covers_every_router_route() {
    let routes = ff_server_routes().unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        routes.len() >= MIN_ROUTES,
        "only {} routes parsed from ff-server's api.rs (expected at least {MIN_ROUTES}): {routes:#?}",
        routes.len()
    );
    let coverage = compare(&routes, ff_admin::raw::OPERATIONS);

    let mut failures = Vec::new();
    for route in &coverage.undocumented {
        failures.push(format!(
            "route without an operation in openapi.yaml: {} {} (handler {})",
            route.method, route.path, route.handler
        ));
    }
    for op in &coverage.unserved {
        failures.push(format!(
            "operation no route serves: {} (operationId {})",
            op.route, op.id
        ));
    }
    for mismatch in &coverage.name_mismatches {
        let line = format!(
            "{} {}: operationId {} but handler {}",
            mismatch.route.method,
            mismatch.route.path,
            mismatch.operation_id,
            mismatch.route.handler
        );
        if KEPT_NAMES.contains(&mismatch.operation_id) {
            println!("info (name kept): {line}");
        } else {
            failures.push(format!("operationId is not the handler name: {line}"));
        }
    }
    println!(
        "{} routes, {} spec operations, {} problems",
        routes.len(),
        ff_admin::raw::OPERATIONS.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "openapi.yaml and ff-server's router differ:\n  {}",
        failures.join("\n  ")
    );
}
