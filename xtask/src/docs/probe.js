// Injected first into <head> of a copy of the API reference by `cargo xtask
// docs --check` (xtask/src/docs/browser.rs). It records every error the page
// raises, then opens each entry of the sidebar as a reader would: a click,
// breadth first, so that a tag's operations are opened once the tag reveals
// them (an entry folded away again by then is followed by its link). For
// each entry it waits until the section the entry leads to has content that
// stopped changing, and copies that section into a hidden element, so that
// Chromium's --dump-dom holds every page of the reference at once. Copies
// keep text and structure only (no icons, classes or inline styles).
// xtask/src/docs/page.rs reads the result.
(() => {
  "use strict";
  const START_MS = 400;
  const POLL_MS = 50;
  const MAX_WAIT_MS = 10000;
  const errors = [];
  const record = (kind, detail) => errors.push(`${kind}: ${detail}`);

  // Uncaught exceptions and, in the capture phase, resources that failed to
  // load (scripts, styles, images).
  window.addEventListener("error", (event) => {
    const target = event.target;
    if (target && target !== window) {
      record("resource", target.currentSrc || target.src || target.href || target.tagName);
    } else {
      record("exception", (event.error && event.error.stack) || event.message);
    }
  }, true);
  window.addEventListener("unhandledrejection", (event) => {
    const reason = event.reason;
    record("unhandled rejection", (reason && reason.stack) || reason);
  });
  window.addEventListener("securitypolicyviolation", (event) => {
    record("content security policy", `${event.violatedDirective} ${event.blockedURI}`);
  });
  const consoleError = console.error.bind(console);
  console.error = (...args) => {
    record("console.error", args.map(String).join(" "));
    consoleError(...args);
  };

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const menuLinks = () =>
    document.querySelectorAll('[data-component-name="Menu/MenuItem"] > a[href]');

  // The section a sidebar entry leads to, once its content has stopped
  // changing (three equal looks in a row); null if it never does.
  const shown = async (href) => {
    const selector = `[data-section-id="${CSS.escape(href.replace(/^#/, ""))}"]`;
    let last = -1;
    let equal = 0;
    for (let waited = 0; waited < MAX_WAIT_MS; waited += POLL_MS) {
      await sleep(POLL_MS);
      const section = document.querySelector(selector);
      const size = section && section.childElementCount > 0 ? section.innerHTML.length : -1;
      equal = size > 0 && size === last ? equal + 1 : 0;
      if (equal >= 2) return section;
      last = size;
    }
    return null;
  };

  const copy = (href, section) => {
    const wrapper = document.createElement("section");
    wrapper.dataset.ffRoute = href;
    wrapper.dataset.ffLocation = location.hash;
    const clone = section.cloneNode(true);
    for (const icon of clone.querySelectorAll("svg")) icon.remove();
    for (const element of [clone, ...clone.querySelectorAll("[class], [style]")]) {
      element.removeAttribute("class");
      element.removeAttribute("style");
    }
    wrapper.appendChild(clone);
    return wrapper;
  };

  window.addEventListener("load", async () => {
    const probe = document.createElement("div");
    probe.id = "ff-admin-probe";
    probe.hidden = true;
    try {
      await sleep(START_MS);
      const seen = new Set();
      const queue = [];
      const discover = () => {
        for (const a of menuLinks()) {
          const href = a.getAttribute("href");
          if (!seen.has(href)) {
            seen.add(href);
            queue.push(href);
          }
        }
      };
      discover();
      while (queue.length > 0) {
        const href = queue.shift();
        const link = Array.from(menuLinks()).find((a) => a.getAttribute("href") === href);
        if (link) {
          link.click();
        } else if (href.startsWith("#")) {
          location.hash = href;
        } else {
          record("probe", `sidebar entry ${href} vanished before it was opened`);
          continue;
        }
        const section = await shown(href);
        if (section) {
          probe.appendChild(copy(href, section));
        } else {
          record("probe", `sidebar entry ${href} led to no content within ${MAX_WAIT_MS} ms`);
        }
        discover();
      }
    } catch (error) {
      record("probe", (error && error.stack) || error);
    }
    await sleep(START_MS);
    const list = document.createElement("ul");
    for (const error of errors) {
      const item = document.createElement("li");
      item.dataset.ffError = "";
      item.textContent = error;
      list.appendChild(item);
    }
    probe.appendChild(list);
    probe.dataset.ffDone = "";
    document.body.appendChild(probe);
  });
})();
