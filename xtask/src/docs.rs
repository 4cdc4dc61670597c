//! `cargo xtask docs [--check]`: the API reference of `openapi.yaml` (one
//! self-contained HTML file, rendered by Redoc through the pinned
//! `redocly build-docs --inlineBundle`) in `<target>/api-reference/`, next to
//! the crates' rustdoc in `<target>/doc/`. With `--check` (and in `cargo
//! xtask test`) the reference is then opened in headless Chromium, offline,
//! and what it shows is compared with the spec (see [`compare::compare`]).

mod browser;
mod compare;
mod expected;
mod page;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context as _};

use crate::tools::{self, run, Tools};
use expected::Expected;
use page::Page;

/// What `cargo xtask docs` built.
#[derive(Debug, Clone)]
struct Built {
    /// `<target>/api-reference/index.html`.
    reference: PathBuf,
    /// `<target>/doc/ff_admin/index.html`.
    rustdoc: PathBuf,
}

/// `cargo xtask docs [--check]`: installs the pinned npm packages if
/// missing, builds the rustdoc and the reference and prints both paths;
/// with `--check`, installs Chromium if missing and checks the reference.
pub fn run_task(args: &[String]) -> anyhow::Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask docs [--check]"),
    };
    let built = build(&tools::ensure_node_only()?)?;
    if check {
        check_reference(&tools::ensure_chromium()?, &built)?;
    }
    Ok(())
}

/// The `cargo xtask test` step: builds as `cargo xtask docs` does, then
/// checks the reference in Chromium.
pub fn build_and_check(tools: &Tools) -> anyhow::Result<()> {
    let built = build(&tools.node_bin)?;
    check_reference(&tools.chromium, &built)
}

/// The rustdoc (as CI builds it: every crate and feature, warnings denied)
/// and the reference; prints where both are.
fn build(node_bin: &Path) -> anyhow::Result<Built> {
    let root = ff_admin_devenv::workspace_root();
    let target = crate::target_dir()?;
    run(crate::cargo()
        .args([
            "doc",
            "--workspace",
            "--no-deps",
            "--all-features",
            "--locked",
        ])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(&root))?;
    let rustdoc = target.join("doc/ff_admin/index.html");
    if !rustdoc.is_file() {
        bail!("cargo doc wrote no {}", rustdoc.display());
    }
    let reference = target.join("api-reference/index.html");
    build_reference(node_bin, &root.join("openapi.yaml"), &reference)?;
    println!("API reference: {}", reference.display());
    println!("rustdoc:       {}", rustdoc.display());
    Ok(Built { reference, rustdoc })
}

/// `redocly build-docs`: the spec as one HTML file with Redoc's scripts
/// inlined, so that it opens offline from disk.
fn build_reference(node_bin: &Path, spec: &Path, out: &Path) -> anyhow::Result<()> {
    run(Command::new(node_bin.join("redocly"))
        .arg("build-docs")
        .arg(spec)
        .arg("--inlineBundle")
        .arg("--output")
        .arg(out)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"))
}

/// Opens the reference in Chromium and fails, listing every problem, when
/// it does not show what `openapi.yaml` says, raised an error, or does not
/// link the rustdoc; also when the spec's `x-ff-server-version` is not the
/// ff-server that `Cargo.lock` (and so every live test) uses.
fn check_reference(chromium: &Path, built: &Built) -> anyhow::Result<()> {
    let root = ff_admin_devenv::workspace_root();
    let spec = std::fs::read_to_string(root.join("openapi.yaml")).context("read openapi.yaml")?;
    let expected = Expected::from_yaml(&spec).context("openapi.yaml")?;
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("read Cargo.lock")?;
    let started = Instant::now();
    let page_dir = built
        .reference
        .parent()
        .context("the reference has a folder")?;
    let work = page_dir.with_file_name("api-reference-check");
    let dom = browser::render(chromium, &built.reference, &work)?;
    let page = Page::parse(&dom);
    let mut verdict = compare::compare(&expected, &page);
    if page.finished {
        verdict.problems.extend(compare::link_problems(
            &page.overview_links,
            page_dir,
            &built.rustdoc,
        ));
    }
    let locked = locked_version(&lock, "ff-server");
    if locked.as_deref() != Some(expected.ff_server_version.as_str()) {
        verdict.problems.push(format!(
            "openapi.yaml says it was checked against ff-server {}, but Cargo.lock has {}",
            expected.ff_server_version,
            locked.as_deref().unwrap_or("no ff-server")
        ));
    }
    if !verdict.problems.is_empty() {
        for problem in &verdict.problems {
            eprintln!("api reference: {problem}");
        }
        bail!(
            "the API reference does not show the spec ({} problem(s)); the DOM Chromium saw: {}",
            verdict.problems.len(),
            work.join("dom.html").display()
        );
    }
    println!(
        "api reference checked in headless chromium in {:.1?}: {}/{} operations under their \
         summaries, {}/{} documented statuses shown on their operations, {} sidebar entries \
         opened, version {} and ff-server {} shown, rustdoc linked, no error ({} expected \
         offline miss(es) of Redocly's CDN logo)",
        started.elapsed(),
        verdict.operations_found,
        expected.operations.len(),
        verdict.statuses_found,
        expected.status_count(),
        page.routes.len(),
        expected.version,
        expected.ff_server_version,
        page.errors.len(),
    );
    Ok(())
}

/// The version of package `name` in a `Cargo.lock`, when it is there once.
pub(crate) fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut versions = lock.split("[[package]]").filter_map(|package| {
        let mut lines = package.lines().map(str::trim);
        lines.find(|line| *line == wanted)?;
        let version = lines.find_map(|line| line.strip_prefix("version = "))?;
        Some(version.trim_matches('"').to_owned())
    });
    let version = versions.next()?;
    versions.next().is_none().then_some(version)
}

/// The tiny spec the tests render, and what the probe copied out of its
/// reference (`browser_tests::the_fixture_renders_as_committed` keeps it
/// current).
#[cfg(test)]
const FIXTURE_SPEC: &str = include_str!("docs/fixture/spec.yaml");
#[cfg(test)]
const FIXTURE_PAGE: &str = include_str!("docs/fixture/page.html");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_locked_version() {
        let lock = "version = 4\n\n[[package]]\nname = \"ff-core\"\nversion = \"0.15.0\"\n\n\
                    [[package]]\nname = \"ff-server\"\nversion = \"0.15.0\"\nsource = \"registry\"\n";
        assert_eq!(locked_version(lock, "ff-server").as_deref(), Some("0.15.0"));
        assert_eq!(locked_version(lock, "ff-sdk"), None);
        let twice = format!("{lock}\n[[package]]\nname = \"ff-server\"\nversion = \"0.14.2\"\n");
        assert_eq!(locked_version(&twice, "ff-server"), None);
    }

    #[test]
    fn the_workspace_spec_names_the_locked_ff_server() {
        let root = ff_admin_devenv::workspace_root();
        let spec = std::fs::read_to_string(root.join("openapi.yaml")).unwrap();
        let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
        let expected = Expected::from_yaml(&spec).unwrap();
        assert_eq!(
            locked_version(&lock, "ff-server").as_deref(),
            Some(expected.ff_server_version.as_str())
        );
    }
}

/// The check itself, in the real Chromium on real Redoc pages: pages made
/// from the fixture spec, broken in the ways the check must catch. They
/// need the pinned redocly and Chromium (`cargo xtask tools`).
#[cfg(test)]
mod browser_tests {
    use super::*;

    /// A folder of its own under `<target>/xtask-tests/`, emptied.
    fn work_dir(test: &str) -> PathBuf {
        let dir = crate::target_dir().unwrap().join("xtask-tests").join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn chromium() -> PathBuf {
        tools::find_chromium()
            .expect("no chromium: run `cargo xtask tools` or set FF_ADMIN_CHROMIUM")
    }

    /// The reference of `spec`, built in `dir`.
    fn build_page(dir: &Path, spec: &str) -> PathBuf {
        let node_bin = tools::node_bin();
        assert!(
            node_bin.join("redocly").exists(),
            "no redocly in {}: run `cargo xtask tools`",
            node_bin.display()
        );
        let spec_path = dir.join("spec.yaml");
        std::fs::write(&spec_path, spec).unwrap();
        let page = dir.join("api-reference/index.html");
        build_reference(&node_bin, &spec_path, &page).unwrap();
        page
    }

    /// Renders `page` and compares it with the fixture spec.
    fn check(page: &Path, dir: &Path) -> (Page, compare::Verdict) {
        let dom = browser::render(&chromium(), page, &dir.join("check")).unwrap();
        let page = Page::parse(&dom);
        let expected = Expected::from_yaml(FIXTURE_SPEC).unwrap();
        let verdict = compare::compare(&expected, &page);
        (page, verdict)
    }

    #[test]
    fn the_fixture_renders_as_committed() {
        let dir = work_dir("docs-fixture");
        let page = build_page(&dir, FIXTURE_SPEC);
        let dom = browser::render(&chromium(), &page, &dir.join("check")).unwrap();
        let fresh = Page::parse(&dom);
        let verdict = compare::compare(&Expected::from_yaml(FIXTURE_SPEC).unwrap(), &fresh);
        assert_eq!(verdict.problems, Vec::<String>::new());
        if fresh != Page::parse(FIXTURE_PAGE) {
            let out = dir.join("page.html");
            std::fs::write(&out, page::probe_html(&dom).unwrap()).unwrap();
            panic!(
                "the pinned Redoc no longer renders the fixture as committed: if {} reads right, \
                 copy it to xtask/src/docs/fixture/page.html",
                out.display()
            );
        }
    }

    #[test]
    fn a_page_that_throws_fails_the_check() {
        let dir = work_dir("docs-throws");
        let page = build_page(&dir, FIXTURE_SPEC);
        let mut html = std::fs::read_to_string(&page).unwrap();
        let end = html.rfind("</body>").unwrap();
        html.insert_str(
            end,
            "<script>setTimeout(() => { throw new Error('deliberately broken') }, 100)</script>",
        );
        std::fs::write(&page, html).unwrap();
        let (_, verdict) = check(&page, &dir);
        assert_eq!(verdict.problems.len(), 1, "{:?}", verdict.problems);
        assert!(
            verdict.problems[0]
                .starts_with("the page logged an error: exception: Error: deliberately broken"),
            "{:?}",
            verdict.problems
        );
    }

    #[test]
    fn a_page_whose_renderer_fails_does_not_pass() {
        let dir = work_dir("docs-no-renderer");
        let page = build_page(&dir, FIXTURE_SPEC);
        let html = std::fs::read_to_string(&page).unwrap();
        let broken = html.replace(
            "hydrate(__redoc_definition",
            "hydrateNothing(__redoc_definition",
        );
        assert_ne!(
            broken, html,
            "the page no longer calls hydrate(__redoc_definition, ...)"
        );
        std::fs::write(&page, broken).unwrap();
        // Without its renderer the page keeps Redoc's pre-rendered markup,
        // whose sidebar links lead off the page: the probe is gone with it.
        let (page, verdict) = check(&page, &dir);
        assert!(!page.finished);
        assert_eq!(verdict.problems.len(), 1, "{:?}", verdict.problems);
        assert!(verdict.problems[0].starts_with("the page did not render"));
    }

    #[test]
    fn an_operation_missing_from_the_page_fails_the_check() {
        let dir = work_dir("docs-missing-operation");
        let healthz = FIXTURE_SPEC.find("  /healthz:\n").unwrap();
        let components = FIXTURE_SPEC.find("components:\n").unwrap();
        let without = format!(
            "{}{}",
            &FIXTURE_SPEC[..healthz],
            &FIXTURE_SPEC[components..]
        );
        let page = build_page(&dir, &without);
        let (_, verdict) = check(&page, &dir);
        assert_eq!(
            verdict.problems,
            ["operation GET /healthz (\"Check that the server is up.\") is not on the page"]
        );
    }
}
