//! The verdict: the rendered reference against what the spec says it must
//! show, operation by operation.

use std::collections::BTreeSet;
use std::path::Path;

use super::expected::Expected;
use super::page::Page;

/// Images Redoc 3 draws in its sidebar footer ("API docs by Redocly") from
/// Redocly's CDN once the page has mounted; when they cannot load, Redoc
/// removes them. They are the only thing the page fetches from the network,
/// so offline (as the check runs: every request outside the file fails)
/// their failed loads are expected and everything else must be silent.
pub const REDOC_ATTRIBUTION_LOGOS: &[&str] = &[
    "https://cdn.redoc.ly/redoc/logo-mini-full.svg",
    "https://cdn.redoc.ly/redoc/logo-mini.svg",
];

/// What was checked and what failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Every problem, one sentence each; empty when the page is right.
    pub problems: Vec<String>,
    /// Operations of the spec found on the page with the right heading.
    pub operations_found: usize,
    /// Documented statuses found among those operations' status tabs.
    pub statuses_found: usize,
}

/// Compares the page with the spec: the probe finished, the page raised no
/// error, the overview shows both versions, and every operation of the spec
/// is on the page under its method and path, headed by its summary, with
/// exactly its documented statuses; the page shows no other operation.
pub fn compare(expected: &Expected, page: &Page) -> Verdict {
    let mut verdict = Verdict::default();
    let problems = &mut verdict.problems;
    if !page.finished {
        problems.push(
            "the page did not render: the probe never finished (the page failed to load, \
             navigated away, or did not settle within the time budget)"
                .to_owned(),
        );
        return verdict;
    }
    for error in &page.errors {
        let allowed = error
            .strip_prefix("resource: ")
            .is_some_and(|url| REDOC_ATTRIBUTION_LOGOS.contains(&url));
        if !allowed {
            problems.push(format!("the page logged an error: {error}"));
        }
    }
    let version_shown = format!("({})", expected.version);
    match &page.title {
        Some(title) if title.ends_with(&version_shown) => {}
        Some(title) => problems.push(format!(
            "the title {title:?} does not show the spec's version {}",
            expected.version
        )),
        None => problems.push("the page has no overview title".to_owned()),
    }
    let server_shown = format!("ff-server {}", expected.ff_server_version);
    if !page.overview_text.contains(&server_shown) {
        problems.push(format!(
            "the overview does not name {server_shown:?} (info.{})",
            super::expected::FF_SERVER_VERSION_KEY
        ));
    }
    for op in &expected.operations {
        let Some(shown) = page
            .operations
            .iter()
            .find(|p| p.method == op.method && p.path == op.path)
        else {
            problems.push(format!(
                "operation {} ({:?}) is not on the page",
                op.name(),
                op.summary
            ));
            continue;
        };
        if shown.heading == op.summary {
            verdict.operations_found += 1;
        } else {
            problems.push(format!(
                "operation {} is headed {:?}, not its summary {:?}",
                op.name(),
                shown.heading,
                op.summary
            ));
        }
        let tabs: BTreeSet<&str> = shown.statuses.iter().map(String::as_str).collect();
        for status in &op.statuses {
            if tabs.contains(status.as_str()) {
                verdict.statuses_found += 1;
            } else {
                problems.push(format!(
                    "operation {} does not show its status {status}",
                    op.name()
                ));
            }
        }
        for tab in tabs {
            if !op.statuses.contains(tab) {
                problems.push(format!(
                    "operation {} shows status {tab}, which the spec does not document",
                    op.name()
                ));
            }
        }
    }
    for shown in &page.operations {
        if !expected
            .operations
            .iter()
            .any(|op| op.method == shown.method && op.path == shown.path)
        {
            problems.push(format!(
                "the page shows operation {}, which the spec does not have",
                shown.name()
            ));
        }
    }
    verdict
}

/// Checks the overview's relative links: each must name a file that exists
/// next to the page (`page_dir`), and one must lead to `rustdoc` (the crate
/// documentation `cargo xtask docs` built).
pub fn link_problems(links: &[String], page_dir: &Path, rustdoc: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut rustdoc_linked = false;
    let rustdoc = rustdoc.canonicalize().ok();
    for href in links {
        if href.contains(':') || href.starts_with('#') {
            continue;
        }
        let file = href.split(['#', '?']).next().unwrap_or_default();
        match page_dir.join(file).canonicalize() {
            Ok(target) => rustdoc_linked |= Some(&target) == rustdoc.as_ref(),
            Err(_) => problems.push(format!(
                "the overview links {href}, which is not a file next to the page"
            )),
        }
    }
    if !rustdoc_linked {
        problems.push("the overview does not link the crates' rustdoc".to_owned());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::super::page::PageOperation;
    use super::super::{FIXTURE_PAGE, FIXTURE_SPEC};
    use super::*;

    fn fixture() -> (Expected, Page) {
        (
            Expected::from_yaml(FIXTURE_SPEC).unwrap(),
            Page::parse(FIXTURE_PAGE),
        )
    }

    #[test]
    fn the_fixture_page_shows_its_spec() {
        let (expected, page) = fixture();
        let verdict = compare(&expected, &page);
        assert_eq!(verdict.problems, Vec::<String>::new());
        assert_eq!(verdict.operations_found, 4);
        assert_eq!(verdict.statuses_found, expected.status_count());
        // Offline, the one request the page makes failed, and is allowed.
        assert_eq!(
            page.errors,
            ["resource: https://cdn.redoc.ly/redoc/logo-mini-full.svg"]
        );
    }

    #[test]
    fn a_missing_operation_is_named() {
        let (expected, mut page) = fixture();
        page.operations.retain(|op| op.path != "/healthz");
        let verdict = compare(&expected, &page);
        assert_eq!(
            verdict.problems,
            ["operation GET /healthz (\"Check that the server is up.\") is not on the page"]
        );
        assert_eq!(verdict.operations_found, 3);
    }

    #[test]
    fn statuses_are_checked_per_operation() {
        let (expected, mut page) = fixture();
        // 404 moves from one operation to another: the page still shows
        // every status the spec uses somewhere, but not where it belongs.
        for op in &mut page.operations {
            match op.name().as_str() {
                "GET /v1/gadgets/{gadget_id}" => op.statuses.retain(|s| s != "404"),
                "DELETE /v1/gadgets/{gadget_id}" => op.statuses.push("404".to_owned()),
                _ => {}
            }
        }
        let verdict = compare(&expected, &page);
        assert_eq!(
            verdict.problems,
            [
                "operation GET /v1/gadgets/{gadget_id} does not show its status 404",
                "operation DELETE /v1/gadgets/{gadget_id} shows status 404, which the spec does not document",
            ]
        );
        assert_eq!(verdict.statuses_found, expected.status_count() - 1);
    }

    #[test]
    fn a_wrong_heading_an_extra_operation_and_versions_are_named() {
        let (mut expected, mut page) = fixture();
        expected.version = "3.2.0".to_owned();
        expected.ff_server_version = "9.9.9".to_owned();
        page.operations[0].heading = "Polish.".to_owned();
        page.operations.push(PageOperation {
            method: "PUT".to_owned(),
            path: "/v1/stale".to_owned(),
            heading: "Left over.".to_owned(),
            statuses: vec!["200".to_owned()],
        });
        let verdict = compare(&expected, &page);
        assert_eq!(
            verdict.problems,
            [
                "the title \"Gadget admin API (3.1.4)\" does not show the spec's version 3.2.0",
                "the overview does not name \"ff-server 9.9.9\" (info.x-ff-server-version)",
                "operation POST /v1/gadgets/{gadget_id}/polish is headed \"Polish.\", not its summary \"Polish a gadget until it shines.\"",
                "the page shows operation PUT /v1/stale, which the spec does not have",
            ]
        );
    }

    #[test]
    fn errors_fail_and_an_unfinished_page_fails_alone() {
        let (expected, mut page) = fixture();
        page.errors.push("exception: Error: boom".to_owned());
        page.errors
            .push("resource: https://cdn.example.com/font.woff2".to_owned());
        assert_eq!(
            compare(&expected, &page).problems,
            [
                "the page logged an error: exception: Error: boom",
                "the page logged an error: resource: https://cdn.example.com/font.woff2",
            ]
        );
        page.finished = false;
        let verdict = compare(&expected, &page);
        assert_eq!(verdict.problems.len(), 1);
        assert!(verdict.problems[0].starts_with("the page did not render"));
    }

    #[test]
    fn relative_links_must_exist_and_reach_the_rustdoc() {
        let dir = crate::target_dir().unwrap().join("xtask-tests/docs-links");
        let _ = std::fs::remove_dir_all(&dir);
        let page_dir = dir.join("api-reference");
        let rustdoc = dir.join("doc/ff_admin/index.html");
        std::fs::create_dir_all(&page_dir).unwrap();
        let links = |hrefs: &[&str]| hrefs.iter().map(|h| h.to_string()).collect::<Vec<_>>();
        let with_link = links(&[
            "https://www.apache.org/licenses/LICENSE-2.0",
            "#/overview",
            "../doc/ff_admin/index.html#structs",
        ]);
        assert_eq!(
            link_problems(&with_link, &page_dir, &rustdoc),
            [
                "the overview links ../doc/ff_admin/index.html#structs, which is not a file next to the page",
                "the overview does not link the crates' rustdoc",
            ]
        );
        std::fs::create_dir_all(rustdoc.parent().unwrap()).unwrap();
        std::fs::write(&rustdoc, "<html></html>").unwrap();
        assert_eq!(
            link_problems(&with_link, &page_dir, &rustdoc),
            Vec::<String>::new()
        );
        assert_eq!(
            link_problems(&links(&["#/x"]), &page_dir, &rustdoc),
            ["the overview does not link the crates' rustdoc"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
