//! Validation and normalisation of the server's base URL.

use crate::SdkError;

/// Checks `raw` and returns the base URL the generated client appends
/// `/v1/...` to: scheme, host, optional port and optional path prefix,
/// without trailing slashes.
///
/// Rejected, as `SdkError::Config { field: Some("base_url"), .. }`: a value
/// that does not parse as a URL (including one without `http://` or
/// `https://`), another scheme, credentials in the URL (use a bearer token
/// instead), a query or a fragment.
pub(crate) fn normalize(raw: &str) -> Result<String, SdkError> {
    const CONTEXT: &str = "admin_client";
    let fail = |message: String| SdkError::config(CONTEXT, Some("base_url"), message);
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(fail("must not be empty".to_owned()));
    }
    // Never echo a value that may carry credentials.
    let shown = if trimmed.contains('@') {
        "<the value>"
    } else {
        trimmed
    };
    let no_scheme = || {
        fail(format!(
            "`{shown}` has no scheme; write it as `http://{shown}` or `https://{shown}`"
        ))
    };
    let url = reqwest::Url::parse(trimmed).map_err(|e| {
        if trimmed.contains("://") {
            fail(format!("`{shown}` is not a valid URL: {e}"))
        } else {
            no_scheme()
        }
    })?;
    match url.scheme() {
        "http" | "https" => {}
        _ if !trimmed.contains("://") => return Err(no_scheme()),
        other => {
            return Err(fail(format!(
                "scheme `{other}` is not supported; use http or https"
            )))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(fail("has no host".to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail(
            "must not contain credentials; use FlowFabricAdminClient::with_token".to_owned(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(fail("must not have a query or a fragment".to_owned()));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn keeps_host_port_and_prefix_without_trailing_slashes() {
        assert_eq!(normalize("http://h:9090").unwrap(), "http://h:9090");
        assert_eq!(normalize("http://h:9090///").unwrap(), "http://h:9090");
        assert_eq!(normalize(" https://h/ff/ ").unwrap(), "https://h/ff");
        assert_eq!(normalize("http://h/ff/api").unwrap(), "http://h/ff/api");
    }

    #[test]
    fn rejects_what_cannot_be_a_base() {
        for bad in [
            "",
            "   ",
            "localhost:9090",
            "127.0.0.1:9090",
            "ftp://h",
            "http://",
            "http://user:secret@h",
            "http://h/?a=b",
            "http://h/#x",
            "not a url",
            "http://user:secret@",
        ] {
            let err = normalize(bad).expect_err(bad);
            let text = err.to_string();
            assert!(text.contains("base_url"), "{bad}: {text}");
            assert!(
                !text.contains("secret"),
                "{bad}: credentials echoed: {text}"
            );
        }
    }
}
