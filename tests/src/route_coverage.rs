//! Whether the spec's operations (the table generated from it,
//! `ff_admin::raw::OPERATIONS`) are exactly the routes a router serves:
//! each route has an operation with the same method and path shape (path
//! parameters compared as wildcards, so `{id}` matches `{execution_id}`),
//! and each operation is served by a route.

use std::collections::BTreeMap;

use ff_admin::raw::Operation;

use crate::router_routes::Route;

/// A path template with every `{param}` segment replaced by `{}`, so that
/// templates differing only in parameter names compare equal.
pub fn path_shape(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A route and the operation describing it, whose `operationId` is not the
/// route's handler name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMismatch {
    /// The route.
    pub route: Route,
    /// The operation's `operationId`.
    pub operation_id: &'static str,
}

/// How a document's operations line up with a router's routes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Routes no operation describes.
    pub undocumented: Vec<Route>,
    /// Operations no route serves.
    pub unserved: Vec<Operation>,
    /// Matched pairs whose `operationId` differs from the handler name.
    pub name_mismatches: Vec<NameMismatch>,
}

impl Coverage {
    /// Whether every route is documented and every operation served (names
    /// aside).
    pub fn paths_match(&self) -> bool {
        self.undocumented.is_empty() && self.unserved.is_empty()
    }
}

/// Matches `routes` against `operations` by method and [`path_shape`].
/// Two operations of one shape (which OpenAPI forbids) match one route at
/// most: the other is reported unserved.
pub fn compare(routes: &[Route], operations: &[Operation]) -> Coverage {
    let mut by_shape: BTreeMap<(String, String), Vec<&Operation>> = BTreeMap::new();
    for op in operations {
        by_shape
            .entry((op.method.to_owned(), path_shape(op.path)))
            .or_default()
            .push(op);
    }
    let mut coverage = Coverage::default();
    for route in routes {
        let key = (route.method.clone(), path_shape(&route.path));
        match by_shape.get_mut(&key).and_then(|ops| ops.pop()) {
            Some(op) => {
                if op.id != route.handler {
                    coverage.name_mismatches.push(NameMismatch {
                        route: route.clone(),
                        operation_id: op.id,
                    });
                }
            }
            None => coverage.undocumented.push(route.clone()),
        }
    }
    coverage.unserved = by_shape.into_values().flatten().cloned().collect();
    coverage.unserved.sort_by_key(|op| op.route);
    coverage
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str, handler: &str) -> Route {
        Route {
            method: method.into(),
            path: path.into(),
            handler: handler.into(),
        }
    }

    fn op(method: &'static str, path: &'static str, id: &'static str) -> Operation {
        Operation {
            id,
            method,
            path,
            route: "",
            idempotent: true,
        }
    }

    fn routes() -> Vec<Route> {
        vec![
            route("GET", "/v1/executions", "list_executions"),
            route("POST", "/v1/executions", "create_execution"),
            route(
                "GET",
                "/v1/executions/{id}/waitpoints/{waitpoint_id}/token",
                "get_waitpoint_token",
            ),
        ]
    }

    fn ops() -> Vec<Operation> {
        vec![
            op("GET", "/v1/executions", "list_executions"),
            op("POST", "/v1/executions", "create_execution"),
            op(
                "GET",
                "/v1/executions/{execution_id}/waitpoints/{wp}/token",
                "get_waitpoint_token",
            ),
        ]
    }

    #[test]
    fn parameter_names_do_not_matter() {
        assert_eq!(path_shape("/a/{id}/b/{x}"), "/a/{}/b/{}");
        assert_eq!(path_shape("/a/{execution_id}/b/{y}"), "/a/{}/b/{}");
        assert_ne!(path_shape("/a/{id}/b"), path_shape("/a/{id}/c"));
        assert_ne!(path_shape("/a/{id}"), path_shape("/a/id"));
        let coverage = compare(&routes(), &ops());
        assert_eq!(coverage, Coverage::default());
        assert!(coverage.paths_match());
    }

    #[test]
    fn a_route_the_spec_lacks_is_reported() {
        let mut ops = ops();
        let gone = ops.remove(1);
        let coverage = compare(&routes(), &ops);
        assert!(!coverage.paths_match());
        assert_eq!(coverage.undocumented, vec![routes()[1].clone()]);
        assert!(coverage.unserved.is_empty());
        assert_eq!(gone.method, "POST");
    }

    #[test]
    fn an_operation_no_route_serves_is_reported() {
        let mut ops = ops();
        ops.push(op("DELETE", "/v1/executions", "delete_executions"));
        // The method counts: GET on a served path is not POST on it.
        ops.push(op(
            "GET",
            "/v1/executions/{id}/waitpoints/{w}",
            "get_waitpoint",
        ));
        let coverage = compare(&routes(), &ops);
        assert!(!coverage.paths_match());
        assert!(coverage.undocumented.is_empty());
        assert_eq!(
            coverage.unserved,
            vec![
                op("DELETE", "/v1/executions", "delete_executions"),
                op("GET", "/v1/executions/{id}/waitpoints/{w}", "get_waitpoint"),
            ]
        );
    }

    #[test]
    fn two_operations_of_one_shape_cover_one_route() {
        let mut ops = ops();
        ops.push(op(
            "GET",
            "/v1/executions/{other}/waitpoints/{name}/token",
            "duplicate",
        ));
        let coverage = compare(&routes(), &ops);
        assert_eq!(coverage.unserved.len(), 1, "{coverage:?}");
        assert!(coverage.undocumented.is_empty());
    }

    #[test]
    fn operation_ids_are_compared_with_handler_names() {
        let mut ops = ops();
        ops[2].id = "read_waitpoint_token";
        ops[0].id = "list";
        let coverage = compare(&routes(), &ops);
        assert!(coverage.paths_match(), "names do not affect paths");
        assert_eq!(
            coverage.name_mismatches,
            vec![
                NameMismatch {
                    route: routes()[0].clone(),
                    operation_id: "list",
                },
                NameMismatch {
                    route: routes()[2].clone(),
                    operation_id: "read_waitpoint_token",
                },
            ]
        );
    }

    /// Operations made from the real router's routes, with parameters
    /// renamed, pass: the comparison can succeed on the real route list.
    #[test]
    fn every_real_route_with_its_operation_passes() {
        let routes = crate::router_routes::ff_server_routes().expect("routes");
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let ops: Vec<Operation> = routes
            .iter()
            .map(|r| {
                let path = r
                    .path
                    .replace("{id}", "{resource_id}")
                    .replace("{idx}", "{attempt_index}");
                op(leak(r.method.clone()), leak(path), leak(r.handler.clone()))
            })
            .collect();
        assert!(ops.iter().any(|o| o.path.contains("{resource_id}")));
        assert_eq!(compare(&routes, &ops), Coverage::default());

        // And one route less fails.
        let coverage = compare(&routes, &ops[1..]);
        assert_eq!(coverage.undocumented.len(), 1);
    }
}
