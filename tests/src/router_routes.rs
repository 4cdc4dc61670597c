//! The routes of ff-server's HTTP router, read from the source of the
//! `ff-server` package cargo resolved for this workspace
//! (`src/api.rs`, function `router_with_metrics`).
//!
//! The parser understands the forms that file uses: `.route("<path>", <m>)`
//! where `<m>` chains method routers (`get(h)`, `post(h).get(h)`, ...),
//! possibly wrapped in another call (`with_body_limit(get(h), LIMIT)`), or
//! uses `on(MethodFilter::X.or(MethodFilter::Y), h)`. Anything else it meets
//! in a `.route(` call, and any `.nest(`/`.route_service(`, is an error: a
//! new form must not silently drop routes.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};

/// One route: a method, a path template and the handler serving it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// Upper-case HTTP method (`GET`, `POST`, ...).
    pub method: String,
    /// The path template as the router writes it (`/v1/executions/{id}`).
    pub path: String,
    /// The handler function's name, without its module path.
    pub handler: String,
}

/// The function of `api.rs` that builds the full router.
const ROUTER_FN: &str = "router_with_metrics";

/// Method-router constructors of axum and the method each one serves.
const METHOD_FNS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("delete", "DELETE"),
    ("patch", "PATCH"),
    ("head", "HEAD"),
    ("options", "OPTIONS"),
    ("trace", "TRACE"),
    ("connect", "CONNECT"),
];

/// `src/api.rs` of the `ff-server` package this workspace resolves, found
/// with `cargo metadata` (so wherever cargo unpacked it). Fails when cargo
/// cannot run or the package is not in the dependency graph.
pub fn ff_server_api_rs() -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = ff_admin_devenv::workspace_root().join("Cargo.toml");
    let out = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .context("run `cargo metadata`")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("parse cargo metadata")?;
    let manifest_path = metadata["packages"]
        .as_array()
        .context("cargo metadata has no `packages`")?
        .iter()
        .find(|p| p["name"] == "ff-server")
        .and_then(|p| p["manifest_path"].as_str())
        .context("ff-server is not in the dependency graph")?;
    let api = Path::new(manifest_path)
        .parent()
        .context("manifest path has no parent")?
        .join("src/api.rs");
    if !api.is_file() {
        bail!("{} does not exist", api.display());
    }
    Ok(api)
}

/// Every route of the `ff-server` package this workspace resolves.
pub fn ff_server_routes() -> anyhow::Result<Vec<Route>> {
    let path = ff_server_api_rs()?;
    let source =
        std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
    parse_routes(&source).with_context(|| format!("parse the router of {}", path.display()))
}

/// The routes `router_with_metrics` mounts in `source` (the text of
/// ff-server's `api.rs`), sorted by path then method.
pub fn parse_routes(source: &str) -> anyhow::Result<Vec<Route>> {
    let tokens = tokenize(source)?;
    let body = function_body(&tokens, ROUTER_FN)?;
    let mut routes = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let is_call = |name: &str| {
            body[i] == Token::Punct('.')
                && body.get(i + 1) == Some(&Token::Ident(name.into()))
                && body.get(i + 2) == Some(&Token::Punct('('))
        };
        for unsupported in ["nest", "nest_service", "route_service"] {
            if is_call(unsupported) {
                bail!("`.{unsupported}(` is not understood: its routes would be missed");
            }
        }
        if is_call("route") {
            let close = matching(body, i + 2)?;
            routes.extend(parse_route_call(&body[i + 3..close])?);
            i = close;
        }
        i += 1;
    }
    routes.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    Ok(routes)
}

/// The arguments of one `.route(...)` call: a path literal, then a method
/// router expression.
fn parse_route_call(args: &[Token]) -> anyhow::Result<Vec<Route>> {
    let parts = split_top_level(args);
    let [path, methods] = parts.as_slice() else {
        bail!("a `.route(` call with {} arguments", parts.len());
    };
    let path = match path {
        [Token::Str(s)] => s.clone(),
        other => bail!("a route path that is not a string literal: {other:?}"),
    };
    let mut routes = Vec::new();
    let mut i = 0;
    while i < methods.len() {
        if let (Token::Ident(name), Some(Token::Punct('('))) = (&methods[i], methods.get(i + 1)) {
            let close = matching(methods, i + 1)?;
            let inner = &methods[i + 2..close];
            if let Some((_, method)) = METHOD_FNS.iter().find(|(f, _)| f == name) {
                routes.push(Route {
                    method: (*method).to_owned(),
                    path: path.clone(),
                    handler: handler_name(inner)?,
                });
                i = close + 1;
                continue;
            }
            if name == "on" {
                routes.extend(parse_on(&path, inner)?);
                i = close + 1;
                continue;
            }
            if matches!(
                name.as_str(),
                "any" | "any_service" | "get_service" | "post_service"
            ) {
                bail!("route {path}: `{name}(` is not understood");
            }
        }
        i += 1;
    }
    if routes.is_empty() {
        bail!("route {path}: no method router found in {methods:?}");
    }
    Ok(routes)
}

/// `on(MethodFilter::A.or(MethodFilter::B), handler)`.
fn parse_on(path: &str, args: &[Token]) -> anyhow::Result<Vec<Route>> {
    let parts = split_top_level(args);
    let [filter, handler] = parts.as_slice() else {
        bail!("route {path}: `on(` with {} arguments", parts.len());
    };
    let handler = handler_name(handler)?;
    let mut routes = Vec::new();
    for window in filter.windows(4) {
        if let [Token::Ident(ty), Token::Punct(':'), Token::Punct(':'), Token::Ident(method)] =
            window
        {
            if ty == "MethodFilter" {
                routes.push(Route {
                    method: method.to_ascii_uppercase(),
                    path: path.to_owned(),
                    handler: handler.clone(),
                });
            }
        }
    }
    if routes.is_empty() {
        bail!("route {path}: no MethodFilter in `on(`");
    }
    Ok(routes)
}

/// The last segment of a plain path expression (`a::b::handler`).
fn handler_name(tokens: &[Token]) -> anyhow::Result<String> {
    let mut expect_ident = true;
    let mut last = None;
    let mut colons = 0;
    for token in tokens {
        match token {
            Token::Ident(name) if expect_ident => {
                last = Some(name.clone());
                expect_ident = false;
            }
            Token::Punct(':') if !expect_ident || colons == 1 => {
                colons += 1;
                if colons == 2 {
                    colons = 0;
                    expect_ident = true;
                }
            }
            _ => bail!("a handler that is not a named function: {tokens:?}"),
        }
    }
    match last {
        Some(name) if !expect_ident => Ok(name),
        _ => bail!("a handler that is not a named function: {tokens:?}"),
    }
}

/// A token of Rust source, as far as route parsing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// An identifier or keyword.
    Ident(String),
    /// The value of a string literal (escapes kept as written).
    Str(String),
    /// A number, char literal or lifetime: never inspected.
    Other,
    /// One punctuation character.
    Punct(char),
}

/// Splits Rust source into tokens, dropping whitespace and comments.
fn tokenize(source: &str) -> anyhow::Result<Vec<Token>> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (Some('/'), Some('*')) => {
                        depth += 1;
                        i += 2;
                    }
                    (Some('*'), Some('/')) => {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    }
                    (Some(_), _) => i += 1,
                    (None, _) => bail!("unterminated block comment"),
                }
            }
        } else if c == '"' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            if i >= chars.len() {
                bail!("unterminated string literal");
            }
            tokens.push(Token::Str(chars[start..i].iter().collect()));
            i += 1;
        } else if (c == 'r' || c == 'b') && raw_string_start(&chars, i).is_some() {
            let (hashes, body_start) = raw_string_start(&chars, i).expect("checked");
            let terminator: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let end = (body_start..chars.len())
                .find(|&j| chars[j..].starts_with(&terminator))
                .context("unterminated raw string literal")?;
            tokens.push(Token::Str(chars[body_start..end].iter().collect()));
            i = end + terminator.len();
        } else if c == '\'' {
            // A char literal ('x', '\n', '\'') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
            tokens.push(Token::Other);
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Other);
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    Ok(tokens)
}

/// At a raw (byte) string start (`r"`, `r#"`, `br"`, ...): the number of
/// `#` and the index of its first character.
fn raw_string_start(chars: &[char], at: usize) -> Option<(usize, usize)> {
    let mut i = at;
    if chars.get(i) == Some(&'b') {
        i += 1;
    }
    if chars.get(i) != Some(&'r') {
        return None;
    }
    i += 1;
    let hashes = chars[i..].iter().take_while(|&&c| c == '#').count();
    (chars.get(i + hashes) == Some(&'"')).then_some((hashes, i + hashes + 1))
}

/// The tokens between the braces of `fn <name>`'s body.
fn function_body<'a>(tokens: &'a [Token], name: &str) -> anyhow::Result<&'a [Token]> {
    let start = tokens
        .windows(2)
        .position(|w| w[0] == Token::Ident("fn".into()) && w[1] == Token::Ident(name.into()))
        .with_context(|| format!("no `fn {name}`"))?;
    let open = (start..tokens.len())
        .find(|&i| tokens[i] == Token::Punct('{'))
        .with_context(|| format!("`fn {name}` has no body"))?;
    let close = matching(tokens, open)?;
    Ok(&tokens[open + 1..close])
}

/// The index of the bracket closing the one at `open`.
fn matching(tokens: &[Token], open: usize) -> anyhow::Result<usize> {
    let (opening, closing) = match tokens[open] {
        Token::Punct('(') => ('(', ')'),
        Token::Punct('{') => ('{', '}'),
        Token::Punct('[') => ('[', ']'),
        ref other => bail!("{other:?} is not an opening bracket"),
    };
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if *token == Token::Punct(opening) {
            depth += 1;
        } else if *token == Token::Punct(closing) {
            depth -= 1;
            if depth == 0 {
                return Ok(i);
            }
        }
    }
    bail!("unbalanced `{opening}`")
}

/// Splits at the commas outside any bracket; drops a trailing empty part.
fn split_top_level(tokens: &[Token]) -> Vec<&[Token]> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => depth -= 1,
            Token::Punct(',') if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < tokens.len() {
        parts.push(&tokens[start..]);
    }
    parts
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

    #[test]
    fn parses_every_form_the_router_uses() {
        let source = r##"
            fn router(x: u8) -> Router { Router::new().route("/not-this", get(nope)) }
            pub fn router_with_metrics(
                #[cfg_attr(not(feature = "o"), allow(unused_variables))]
                metrics: Option<Arc<crate::Metrics>>,
            ) -> Result<Router, ConfigError> {
                // .route("/commented", get(commented))
                /* .route("/block", get(block)) */
                let s = "a \" .route(\"/in-string\", get(x))";
                let mut app = Router::new()
                    .route(
                        "/v1/things",
                        with_body_limit(get(list_things).post(create_thing), LIMIT),
                    )
                    .route("/v1/things/{id}", get(get_thing))
                    .route("/v1/things/{id}/both", on(MethodFilter::PUT.or(MethodFilter::DELETE), both))
                    .route(r#"/raw"#, put(module::raw_handler),);
                let metrics_router: Router = Router::new()
                    .route("/metrics", get(crate::metrics::metrics_handler))
                    .with_state(m);
                Ok(app)
            }
            fn after() { Router::new().route("/after", get(|| async { "ok" })); }
        "##;
        assert_eq!(
            parse_routes(source).expect("parses"),
            vec![
                route("GET", "/metrics", "metrics_handler"),
                route("PUT", "/raw", "raw_handler"),
                route("GET", "/v1/things", "list_things"),
                route("POST", "/v1/things", "create_thing"),
                route("GET", "/v1/things/{id}", "get_thing"),
                route("DELETE", "/v1/things/{id}/both", "both"),
                route("PUT", "/v1/things/{id}/both", "both"),
            ]
        );
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        for (body, needle) in [
            (
                r#"Router::new().route("/x", get(|| async {}))"#,
                "not a named function",
            ),
            (
                r#"Router::new().route("/x", any(h))"#,
                "`any(` is not understood",
            ),
            (
                r#"Router::new().route("/x", make_router())"#,
                "no method router",
            ),
            (
                r#"Router::new().route(PATH, get(h))"#,
                "not a string literal",
            ),
            (
                r#"Router::new().nest("/v2", other)"#,
                "`.nest(` is not understood",
            ),
            (r#"Router::new().route("/x", get(h)"#, "unbalanced"),
        ] {
            let source = format!("fn router_with_metrics() {{ {body} }}");
            let err = parse_routes(&source).expect_err(body);
            assert!(format!("{err:#}").contains(needle), "{body}: {err:#}");
        }
        let err = parse_routes("fn router() {}").expect_err("no fn");
        assert!(
            err.to_string().contains("no `fn router_with_metrics`"),
            "{err}"
        );
    }

    #[test]
    fn reads_the_resolved_ff_server_router() {
        let path = ff_server_api_rs().expect("ff-server's api.rs");
        assert!(
            path.to_string_lossy().contains("ff-server-0.15."),
            "{}",
            path.display()
        );
        let routes = ff_server_routes().expect("routes");
        assert!(
            routes.len() >= 25,
            "only {} routes: {routes:?}",
            routes.len()
        );
        assert!(routes.contains(&route("GET", "/healthz", "healthz")));
        assert!(routes.contains(&route("GET", "/metrics", "metrics_handler")));
        assert!(routes.contains(&route("POST", "/v1/executions", "create_execution")));
        assert!(routes.contains(&route("GET", "/v1/executions", "list_executions")));
        assert!(routes.contains(&route(
            "GET",
            "/v1/executions/{id}/waitpoints/{waitpoint_id}/token",
            "get_waitpoint_token"
        )));
        assert!(
            routes.iter().all(|r| !r.path.contains("noop")),
            "the test module's routes are not the router's"
        );
    }
}
