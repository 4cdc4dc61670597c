//! Matching path parameters the way the client sends them.

/// The regex for a path `template` holding one `{}`, with `value` in its
/// place: percent-encoded as the client encodes a path segment
/// (`ff_admin_gen::encode_path_segment`), then escaped for the regex.
pub(crate) fn param_regex(template: &str, value: &str) -> regex::Regex {
    let encoded = regex::escape(&ff_admin_gen::encode_path_segment(value));
    let pattern = template.replacen("{}", &encoded, 1);
    // The template comes from the spec's path and the value is escaped, so
    // the pattern is always valid.
    regex::Regex::new(&pattern).expect("an escaped path template is a valid regex")
}

#[cfg(test)]
mod tests {
    use super::param_regex;

    #[test]
    fn matches_the_encoded_segment_only() {
        let re = param_regex("^/v1/executions/{}/reclaim$", "{fp:7}:3f2a");
        assert!(re.is_match("/v1/executions/%7Bfp:7%7D:3f2a/reclaim"));
        assert!(!re.is_match("/v1/executions/{fp:7}:3f2a/reclaim"));
        let re = param_regex("^/v1/workers/{}/claim$", "pool/w 1");
        assert!(re.is_match("/v1/workers/pool%2Fw%201/claim"));
        let re = param_regex("^/v1/workers/{}/claim$", "pool\\w");
        assert!(re.is_match("/v1/workers/pool%5Cw/claim"));
        let re = param_regex("^/v1/workers/{}/claim$", "a.b");
        assert!(!re.is_match("/v1/workers/aXb/claim"), "`.` is escaped");
    }
}
