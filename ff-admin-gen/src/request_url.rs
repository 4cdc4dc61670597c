//! The URL of each call, built from the client's base URL parsed once.
//!
//! progenitor formats a call's URL as text (`format!("{}/v1/…", baseurl,
//! …)`) and reqwest parses that whole text again on every call: scheme,
//! host (through IDNA processing, even for an IP address), port and path.
//! `codegen.rs` has each generated method call [`request_url`] instead,
//! which parses the base URL once per client and, per call, only the path.
//! The result is the same [`Url`] the text would parse to; a test holds
//! the two equal.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::sync::OnceLock;

use progenitor_client::Error;
use reqwest::Url;

use crate::ClientSettings;

/// A base URL parsed once, kept by [`ClientSettings`] for the client whose
/// base URL it is.
#[derive(Default)]
pub(crate) struct BaseUrlCache(OnceLock<Option<BaseUrl>>);

/// A clone starts empty: cloned settings may serve a client with another
/// base URL, which would otherwise never match the kept one.
impl Clone for BaseUrlCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// Never shows the URL: a base URL given to the raw client may hold
/// credentials.
impl fmt::Debug for BaseUrlCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BaseUrlCache")
    }
}

/// A base URL whose text, followed by a path, parses to the parsed base
/// with that path: no query, no fragment, a host, and its text exactly
/// the parsed form without a trailing `/`.
struct BaseUrl {
    /// The base URL as the client holds it.
    text: String,
    /// Its parsed form.
    url: Url,
    /// The length of its path prefix (`/ff` of `http://h/ff`; none when
    /// the path is `/`).
    prefix_len: usize,
}

impl BaseUrl {
    /// `text` parsed, or `None` when a path appended to it would not leave
    /// its parsed form unchanged (the call then parses its whole URL).
    fn parse(text: &str) -> Option<Self> {
        let url = Url::parse(text).ok()?;
        if !url.has_host()
            || url.cannot_be_a_base()
            || url.query().is_some()
            || url.fragment().is_some()
            || text.ends_with('/')
        {
            return None;
        }
        let path = url.path();
        let prefix_len = if path == "/" {
            // `http://h:9090` parses to `http://h:9090/`.
            (url.as_str().len() == text.len() + 1 && url.as_str().starts_with(text)).then_some(0)?
        } else {
            (url.as_str() == text).then_some(path.len())?
        };
        Some(Self {
            text: text.to_owned(),
            url,
            prefix_len,
        })
    }

    /// This base with `path` (which starts with `/`) after its prefix.
    ///
    /// The path is written into a buffer kept per thread, since `set_path`
    /// copies it: no allocation besides the URL's own.
    fn join(&self, path: fmt::Arguments<'_>) -> Result<Url, InvalidUrl> {
        thread_local! {
            static PATH: RefCell<String> = const { RefCell::new(String::new()) };
        }
        let prefix = &self.url.path()[..self.prefix_len];
        PATH.with_borrow_mut(|full| {
            full.clear();
            full.push_str(prefix);
            write_path(full, path)?;
            let mut url = self.url.clone();
            url.set_path(full);
            Ok(url)
        })
    }
}

/// The URL of a call: `base` followed by `path`, as `Url::parse` would
/// read the two concatenated.
///
/// `settings` keeps `base` parsed after the first call. A base that cannot
/// be kept that way (one with a query, a trailing `/`, or text that is not
/// its own parsed form, such as an upper-case host), or a client whose
/// settings were parsed for another base, has each call's whole URL
/// parsed instead: the same result, at the cost of parsing the whole URL on
/// every call.
///
/// # Errors
///
/// [`InvalidUrl`] (an [`Error::InvalidRequest`] to the generated method)
/// when the two do not make a URL (a base URL without a scheme, for
/// instance). The message does not repeat the URL, which may hold
/// credentials.
pub(crate) fn request_url(
    base: &str,
    settings: &ClientSettings,
    path: fmt::Arguments<'_>,
) -> Result<Url, InvalidUrl> {
    match settings
        .base_url_cache()
        .0
        .get_or_init(|| BaseUrl::parse(base))
    {
        Some(parsed) if parsed.text == base => parsed.join(path),
        _ => {
            let mut full = String::with_capacity(base.len() + 96);
            full.push_str(base);
            write_path(&mut full, path)?;
            Url::parse(&full).map_err(|e| {
                InvalidUrl(format!(
                    "the base URL and the operation's path do not make a URL: {e}"
                ))
            })
        }
    }
}

/// Why a call's URL could not be built; the generated method returns it
/// as [`Error::InvalidRequest`].
#[derive(Debug)]
pub(crate) struct InvalidUrl(String);

impl<E> From<InvalidUrl> for Error<E> {
    fn from(InvalidUrl(message): InvalidUrl) -> Self {
        Error::InvalidRequest(message)
    }
}

/// Appends `path` to `out`.
fn write_path(out: &mut String, path: fmt::Arguments<'_>) -> Result<(), InvalidUrl> {
    out.write_fmt(path)
        .map_err(|_| InvalidUrl("a path parameter could not be written".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::{request_url, BaseUrl};
    use crate::path_segment::PathSegment;
    use crate::ClientSettings;

    /// The URL the whole text parses to.
    fn parsed_whole(base: &str, path: &str) -> Option<reqwest::Url> {
        reqwest::Url::parse(&format!("{base}{path}")).ok()
    }

    /// Every character a path id might hold, one id each, and some whole
    /// ids, encoded as the generated code encodes them.
    fn encoded_paths() -> Vec<String> {
        let mut ids: Vec<String> = (0u32..=0x80)
            .chain([0xa0, 0xe9, 0x2028, 0xfeff, 0x1f600])
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        ids.extend(
            [
                "{fp:7}:9b2c6f4e-5d1a-4c8e-8f00-0123456789ab",
                "..",
                ".",
                "%2e%2e",
                "a/../b",
                " lead",
                "trail ",
                "x?y#z",
                "\\",
                "é",
            ]
            .map(str::to_owned),
        );
        let mut paths: Vec<String> = ids
            .iter()
            .flat_map(|id| {
                [
                    format!("/v1/executions/{}/state", PathSegment(id)),
                    format!("/v1/executions/{}", PathSegment(id)),
                    format!(
                        "/v1/executions/{}/waitpoints/{}/token",
                        PathSegment(id),
                        PathSegment(id)
                    ),
                ]
            })
            .collect();
        paths.push("/healthz".to_owned());
        paths.push("/v1/admin/rotate-waitpoint-secret".to_owned());
        paths
    }

    #[test]
    fn equals_the_whole_text_parsed() {
        let bases = [
            "http://127.0.0.1:9090",
            "https://h/ff",
            "http://[::1]:1/a/b",
            "http://example.com",
            "http://h:80",
            "http://h/ff%20x",
            "http://h/",
            "http://H:9090",
            "http://h?q=1",
            "http://h/#f",
            "localhost:9090",
            "not a url",
            "",
        ];
        for base in bases {
            let settings = ClientSettings::default();
            for path in encoded_paths() {
                let built = request_url(base, &settings, format_args!("{path}")).ok();
                assert_eq!(
                    built,
                    parsed_whole(base, &path),
                    "base {base:?}, path {path:?}"
                );
            }
        }
    }

    #[test]
    fn keeps_only_bases_whose_text_is_their_parsed_form() {
        for kept in [
            "http://127.0.0.1:9090",
            "https://h/ff",
            "http://[::1]:1/a/b",
        ] {
            assert!(BaseUrl::parse(kept).is_some(), "{kept}");
        }
        for not_kept in [
            "http://h/",
            "http://H:9090",
            "http://h:80",
            "http://h?q=1",
            "http://h#f",
            "localhost:9090",
            "mailto:a@b",
        ] {
            assert!(BaseUrl::parse(not_kept).is_none(), "{not_kept}");
        }
    }

    #[test]
    fn settings_parsed_for_another_base_still_give_the_right_url() {
        let settings = ClientSettings::default();
        let first = request_url("http://a:1", &settings, format_args!("/healthz")).unwrap();
        let other = request_url("http://b:2/p", &settings, format_args!("/healthz")).unwrap();
        assert_eq!(first.as_str(), "http://a:1/healthz");
        assert_eq!(other.as_str(), "http://b:2/p/healthz");
    }

    #[test]
    fn cloned_settings_parse_their_own_base() {
        let settings = ClientSettings::default();
        request_url("http://a:1", &settings, format_args!("/healthz")).unwrap();
        assert!(settings.base_url_cache().0.get().is_some());
        let cloned = settings.clone();
        assert!(cloned.base_url_cache().0.get().is_none());
        let url = request_url("http://b:2/p", &cloned, format_args!("/healthz")).unwrap();
        assert_eq!(url.as_str(), "http://b:2/p/healthz");
        let kept = cloned.base_url_cache().0.get().and_then(Option::as_ref);
        assert_eq!(kept.map(|b| b.text.as_str()), Some("http://b:2/p"));
    }

    #[test]
    fn an_unusable_base_is_an_invalid_request_that_does_not_echo_it() {
        let settings = ClientSettings::default();
        let err = request_url("http://user:secret@[::1", &settings, format_args!("/x"))
            .expect_err("not a URL");
        let text = progenitor_client::Error::<()>::from(err).to_string();
        assert!(text.contains("do not make a URL"), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }
}
