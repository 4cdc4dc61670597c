//! What the rendered API reference shows, read from the DOM Chromium dumped
//! after the probe (`probe.js`) opened every entry of the sidebar and copied
//! the section each one leads to into `#ff-admin-probe`.
//!
//! Redoc 3's markup, as read here: an operation is an element with
//! `data-item-kind="httpItem"`; its heading (`h2`) is the summary; the
//! method badge (`Tag/Tag`) and the path beside it sit in a panel header;
//! the documented statuses are the tabs (`role="tab"`) of its "Response
//! status" tab list (`data-response-codes-tablist`). The overview is the
//! section `data-section-id="/"`, titled `<title> (<info.version>)`.

use scraper::{ElementRef, Html, Selector};

/// Everything the checks need from one dump.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// The probe ran to its end (the page loaded and every sidebar entry
    /// was opened); when false nothing else is meaningful.
    pub finished: bool,
    /// The sidebar entries the probe opened, in order.
    pub routes: Vec<String>,
    /// The overview's title (`h1`), whitespace collapsed.
    pub title: Option<String>,
    /// The overview's text, whitespace collapsed.
    pub overview_text: String,
    /// The `href` of every link in the overview.
    pub overview_links: Vec<String>,
    /// Every operation shown, in the order they were first shown.
    pub operations: Vec<PageOperation>,
    /// What the page raised while loading and being browsed: exceptions,
    /// unhandled rejections, `console.error` calls, resources that failed
    /// to load, content-security-policy violations.
    pub errors: Vec<String>,
}

/// One operation as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageOperation {
    /// The method badge, upper-cased.
    pub method: String,
    /// The path shown beside the badge.
    pub path: String,
    /// The operation's heading.
    pub heading: String,
    /// The labels of the response status tabs, in page order.
    pub statuses: Vec<String>,
}

impl PageOperation {
    /// `POST /v1/...`, for messages.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("the selectors in page.rs are valid CSS")
}

/// The element's text with runs of whitespace collapsed to one space.
fn text(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Page {
    /// Reads a dumped document (or just the probe's element). A document
    /// without the probe's element gives a page that is not `finished`.
    pub fn parse(html: &str) -> Self {
        let document = Html::parse_document(html);
        let Some(probe) = document.select(&selector("#ff-admin-probe")).next() else {
            return Self::default();
        };
        let routes = probe
            .select(&selector("section[data-ff-route]"))
            .filter_map(|s| s.value().attr("data-ff-route").map(str::to_owned))
            .collect();
        let overview = probe.select(&selector(r#"[data-section-id="/"]"#)).next();
        let title = overview
            .and_then(|o| o.select(&selector("h1")).next())
            .map(text);
        let overview_text = overview.map(text).unwrap_or_default();
        let overview_links = overview
            .map(|o| {
                o.select(&selector("a[href]"))
                    .filter_map(|a| a.value().attr("href").map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let operations = probe
            .select(&selector(r#"[data-item-kind="httpItem"]"#))
            .map(read_operation)
            .collect();
        let errors = probe
            .select(&selector("li[data-ff-error]"))
            .map(text)
            .collect();
        Self {
            finished: probe.value().attr("data-ff-done").is_some(),
            routes,
            title,
            overview_text,
            overview_links,
            operations,
            errors,
        }
    }
}

/// The probe's element alone, as HTML: what the test fixture keeps of a
/// dump. `None` when the dump has no probe element.
#[cfg(test)]
pub fn probe_html(html: &str) -> Option<String> {
    let document = Html::parse_document(html);
    let probe = document.select(&selector("#ff-admin-probe")).next()?;
    Some(probe.html())
}

fn read_operation(section: ElementRef<'_>) -> PageOperation {
    let heading = section
        .select(&selector("h2"))
        .next()
        .map(text)
        .unwrap_or_default();
    let badge = section
        .select(&selector(
            r#"[data-component-name="Panel/PanelHeader"] [data-component-name="Tag/Tag"]"#,
        ))
        .next();
    let method = badge.map(text).unwrap_or_default().to_ascii_uppercase();
    let path = badge
        .and_then(|b| b.next_siblings().find_map(ElementRef::wrap))
        .map(text)
        .unwrap_or_default();
    let statuses = section
        .select(&selector(r#"[data-response-codes-tablist] [role="tab"]"#))
        .map(text)
        .collect();
    PageOperation {
        method,
        path,
        heading,
        statuses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fixture_page() {
        let page = Page::parse(super::super::FIXTURE_PAGE);
        assert!(page.finished);
        assert_eq!(page.title.as_deref(), Some("Gadget admin API (3.1.4)"));
        assert!(
            page.overview_text
                .contains("Checked against ff-server 9.8.7"),
            "{}",
            page.overview_text
        );
        assert!(page
            .overview_links
            .iter()
            .any(|href| href == "../doc/ff_admin/index.html"));
        // In the order of their sidebar entries, opened breadth first.
        let names: Vec<String> = page.operations.iter().map(|op| op.name()).collect();
        assert_eq!(
            names,
            [
                "POST /v1/gadgets/{gadget_id}/polish",
                "GET /v1/gadgets/{gadget_id}",
                "DELETE /v1/gadgets/{gadget_id}",
                "GET /healthz",
            ]
        );
        let polish = &page.operations[0];
        assert_eq!(polish.heading, "Polish a gadget until it shines.");
        assert_eq!(polish.statuses, ["200", "204", "400", "4XX", "default"]);
        let healthz = &page.operations[3];
        assert_eq!(healthz.heading, "Check that the server is up.");
        assert_eq!(healthz.statuses, ["200", "503"]);
        assert_eq!(
            page.routes,
            [
                "/",
                "/gadgets",
                "/health",
                "#/gadgets/polish_gadget",
                "#/gadgets/get_gadget",
                "#/gadgets/delete_gadget",
                "#/health/healthz",
            ]
        );
    }

    #[test]
    fn a_dump_without_the_probe_is_not_finished() {
        let page = Page::parse("<html><body><div id=redoc>Loading…</div></body></html>");
        assert_eq!(page, Page::default());
        assert!(!page.finished);
    }

    #[test]
    fn reads_the_errors_the_probe_listed() {
        let page = Page::parse(
            r#"<div id="ff-admin-probe" data-ff-done=""><ul>
                 <li data-ff-error="">exception: Error: boom
                   at x.js:1</li>
                 <li data-ff-error="">console.error: oops</li></ul></div>"#,
        );
        assert!(page.finished);
        assert_eq!(
            page.errors,
            ["exception: Error: boom at x.js:1", "console.error: oops"]
        );
        assert!(page.operations.is_empty());
    }
}
