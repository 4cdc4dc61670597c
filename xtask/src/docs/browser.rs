//! Headless Chromium: opens a copy of the reference with the probe
//! (`probe.js`) injected, offline, and returns the DOM it dumps once the
//! probe has browsed every sidebar entry.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// The probe, injected first into `<head>`.
const PROBE: &str = include_str!("probe.js");

/// Virtual time the page gets (timers run as fast as the page lets them):
/// the probe needs about half a second of it per sidebar entry.
const VIRTUAL_TIME_BUDGET_MS: u32 = 300_000;

/// Wall-clock limit for one Chromium run.
const DEADLINE: Duration = Duration::from_secs(300);

/// Renders `page` in headless Chromium and returns the dumped DOM. Works in
/// `work` (recreated): the probed copy `index.html`, a throwaway Chromium
/// profile, the dump `dom.html` and Chromium's log `chromium.log` (both kept
/// for reading after a failure). Every network request fails: the page must work from
/// the file alone. Fails when Chromium cannot start, exits with an error or
/// runs past [`DEADLINE`].
pub fn render(chromium: &Path, page: &Path, work: &Path) -> anyhow::Result<String> {
    let html = std::fs::read_to_string(page).with_context(|| format!("read {}", page.display()))?;
    let probed =
        inject_probe(&html).with_context(|| format!("{} has no <head>", page.display()))?;
    crate::fresh_dir(work)?;
    let copy = work.join("index.html");
    std::fs::write(&copy, probed).with_context(|| format!("write {}", copy.display()))?;
    let url = url::Url::from_file_path(copy.canonicalize()?)
        .map_err(|()| anyhow::anyhow!("{} is not an absolute path", copy.display()))?;
    let dump_path = work.join("dom.html");
    let log_path = work.join("chromium.log");
    let profile = work.join("profile");
    let mut child = Command::new(chromium)
        .args(chromium_args(&profile))
        .arg(url.as_str())
        .stdin(Stdio::null())
        .stdout(File::create(&dump_path)?)
        .stderr(File::create(&log_path)?)
        .spawn()
        .with_context(|| format!("start {}", chromium.display()))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "chromium ran past {DEADLINE:?} on {}; its log: {}",
                page.display(),
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = std::fs::remove_dir_all(&profile);
    if !status.success() {
        bail!(
            "chromium failed ({status}) on {}:\n{}",
            page.display(),
            tail(&log_path, 15)
        );
    }
    std::fs::read_to_string(&dump_path).with_context(|| format!("read {}", dump_path.display()))
}

/// The flags: headless as root (no sandbox, no GPU), a throwaway profile,
/// nothing in the background, and every request sent to a closed local
/// port so nothing outside the file can load.
fn chromium_args(profile: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-sync",
        "--disable-background-networking",
        "--disable-component-update",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--dump-dom",
    ]
    .map(str::to_owned)
    .to_vec();
    args.push(format!("--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}"));
    args.push(format!("--user-data-dir={}", profile.display()));
    args
}

/// The page with the probe as the first element of `<head>`, so that it
/// sees every error the page's own scripts raise.
fn inject_probe(html: &str) -> Option<String> {
    let head = html.find("<head>")? + "<head>".len();
    Some(format!(
        "{}<script>{PROBE}</script>{}",
        &html[..head],
        &html[head..]
    ))
}

/// The last `lines` lines of a log file, for error messages.
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_goes_first_into_head() {
        let probed = inject_probe("<html><head><title>t</title></head></html>").unwrap();
        assert!(probed.starts_with("<html><head><script>// Injected first"));
        assert!(probed.ends_with("</script><title>t</title></head></html>"));
        assert_eq!(inject_probe("<html><body></body></html>"), None);
    }
}
