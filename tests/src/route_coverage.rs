//! Whether an OpenAPI document describes exactly the routes a router
//! serves: each route has an operation with the same method and path shape
//! (path parameters compared as wildcards, so `{id}` matches
//! `{execution_id}`), and each operation is served by a route.

use std::collections::BTreeMap;

use crate::router_routes::Route;
use crate::spec_doc;

/// One operation of an OpenAPI document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SpecOperation {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template as the document writes it.
    pub path: String,
    /// Its `operationId`, if it has one.
    pub operation_id: Option<String>,
}

/// Every operation under `paths` of an OpenAPI document (none when it has
/// no `paths`), sorted.
pub fn spec_operations(spec: &serde_json::Value) -> Vec<SpecOperation> {
    let mut ops: Vec<SpecOperation> = spec_doc::operations(spec)
        .into_iter()
        .flatten()
        .map(|found| SpecOperation {
            method: found.method.to_ascii_uppercase(),
            path: found.path.to_owned(),
            operation_id: found
                .op
                .get("operationId")
                .and_then(|id| id.as_str())
                .map(str::to_owned),
        })
        .collect();
    ops.sort();
    ops
}

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
    /// The operation's `operationId` (`None` when it has none).
    pub operation_id: Option<String>,
}

/// How a document's operations line up with a router's routes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Routes no operation describes.
    pub undocumented: Vec<Route>,
    /// Operations no route serves.
    pub unserved: Vec<SpecOperation>,
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
pub fn compare(routes: &[Route], operations: &[SpecOperation]) -> Coverage {
    let mut by_shape: BTreeMap<(String, String), Vec<&SpecOperation>> = BTreeMap::new();
    for op in operations {
        by_shape
            .entry((op.method.clone(), path_shape(&op.path)))
            .or_default()
            .push(op);
    }
    let mut coverage = Coverage::default();
    for route in routes {
        let key = (route.method.clone(), path_shape(&route.path));
        match by_shape.get_mut(&key).and_then(|ops| ops.pop()) {
            Some(op) => {
                if op.operation_id.as_deref() != Some(route.handler.as_str()) {
                    coverage.name_mismatches.push(NameMismatch {
                        route: route.clone(),
                        operation_id: op.operation_id.clone(),
                    });
                }
            }
            None => coverage.undocumented.push(route.clone()),
        }
    }
    coverage.unserved = by_shape.into_values().flatten().cloned().collect();
    coverage.unserved.sort();
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

    fn op(method: &str, path: &str, id: &str) -> SpecOperation {
        SpecOperation {
            method: method.into(),
            path: path.into(),
            operation_id: Some(id.into()),
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

    fn ops() -> Vec<SpecOperation> {
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
        ops[2].operation_id = Some("read_waitpoint_token".into());
        ops[0].operation_id = None;
        let coverage = compare(&routes(), &ops);
        assert!(coverage.paths_match(), "names do not affect paths");
        assert_eq!(
            coverage.name_mismatches,
            vec![
                NameMismatch {
                    route: routes()[0].clone(),
                    operation_id: None,
                },
                NameMismatch {
                    route: routes()[2].clone(),
                    operation_id: Some("read_waitpoint_token".into()),
                },
            ]
        );
    }

    #[test]
    fn spec_operations_reads_methods_and_ids() {
        let spec = serde_json::json!({
            "paths": {
                "/a/{x}": {
                    "parameters": [],
                    "get": {"operationId": "get_a"},
                    "post": {},
                    "summary": "not an operation",
                },
            }
        });
        assert_eq!(
            spec_operations(&spec),
            vec![
                op("GET", "/a/{x}", "get_a"),
                SpecOperation {
                    method: "POST".into(),
                    path: "/a/{x}".into(),
                    operation_id: None,
                },
            ]
        );
    }

    /// A spec file written from the real router's routes, with parameters
    /// renamed, passes: the comparison can succeed on the real route list.
    #[test]
    fn a_spec_with_every_real_route_passes() {
        let routes = crate::router_routes::ff_server_routes().expect("routes");
        let mut paths = serde_json::Map::new();
        for r in &routes {
            let renamed = r
                .path
                .replace("{id}", "{resource_id}")
                .replace("{idx}", "{attempt_index}");
            let item = paths
                .entry(renamed)
                .or_insert_with(|| serde_json::json!({}));
            item[r.method.to_ascii_lowercase()] = serde_json::json!({
                "operationId": r.handler,
                "responses": {"200": {"description": "ok"}},
            });
        }
        let spec = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "every route", "version": "0"},
            "paths": paths,
        });
        let file = std::env::temp_dir().join(format!(
            "ff-admin-every-route-{}.yaml",
            uuid::Uuid::new_v4()
        ));
        std::fs::write(&file, yaml_serde::to_string(&spec).expect("yaml")).expect("write");
        let loaded = crate::load_spec(&file);
        let _ = std::fs::remove_file(&file);
        let ops = spec_operations(&loaded.expect("the written spec loads"));
        assert_eq!(ops.len(), routes.len());
        assert!(ops.iter().any(|o| o.path.contains("{resource_id}")));
        assert_eq!(compare(&routes, &ops), Coverage::default());

        // And one route less fails.
        let coverage = compare(&routes, &ops[1..]);
        assert_eq!(coverage.undocumented.len(), 1);
    }
}
