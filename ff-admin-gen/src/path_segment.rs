//! Path parameters written into a request's URL as one percent-encoded
//! segment, without building the parameter's text first.
//!
//! The generated methods format each path parameter with
//! `PathSegment(&value)` (`codegen.rs` puts it in place of progenitor's
//! `encode_path(&value.to_string())`). The text is the same byte for byte,
//! except that `\` is encoded too (see [`ENCODED`]); it is encoded while
//! the URL is written, so no intermediate `String` is allocated per
//! parameter.

use std::fmt::{self, Display, Write};

/// Whether a byte is percent-encoded in a path segment: controls, space,
/// `"`, `#`, `<`, `>`, `?`, `` ` ``, `{`, `}`, `/`, `%`, `\` and every
/// byte of a non-ASCII character.
///
/// That is the set progenitor-client's `encode_path` uses, plus `\`: URL
/// parsers read a `\` in an `http` or `https` path as `/`, so unencoded it
/// would split the id into two segments and send the call to another
/// route. A test holds the two sets equal but for `\`.
const ENCODED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = byte < 0x20 || byte >= 0x7f;
        byte += 1;
    }
    let specials = b" \"#<>?`{}/%\\";
    let mut i = 0;
    while i < specials.len() {
        table[specials[i] as usize] = true;
        i += 1;
    }
    table
};

/// `%00%01…%FF`: the escape of byte `b` is `ESCAPES[3 * b..3 * b + 3]`,
/// so that encoding a byte is a slice of one constant string.
const ESCAPES: &str = {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    const BYTES: [u8; 768] = {
        let mut text = [0u8; 768];
        let mut byte = 0;
        while byte < 256 {
            text[3 * byte] = b'%';
            text[3 * byte + 1] = HEX[byte >> 4];
            text[3 * byte + 2] = HEX[byte & 0xf];
            byte += 1;
        }
        text
    };
    match std::str::from_utf8(&BYTES) {
        Ok(text) => text,
        Err(_) => panic!("percent escapes are ASCII"),
    }
};

/// Displays `T` percent-encoded as one URL path segment.
pub(crate) struct PathSegment<'a, T: ?Sized>(pub(crate) &'a T);

/// `value` percent-encoded as one URL path segment, as every generated
/// method sends a path parameter: controls, space, `"`, `#`, `<`, `>`,
/// `?`, `` ` ``, `{`, `}`, `/`, `%`, `\` and non-ASCII characters are
/// escaped.
///
/// ```
/// assert_eq!(ff_admin_gen::encode_path_segment("{fp:7}:a b"), "%7Bfp:7%7D:a%20b");
/// assert_eq!(ff_admin_gen::encode_path_segment("pool/w\\1"), "pool%2Fw%5C1");
/// ```
pub fn encode_path_segment(value: &str) -> String {
    PathSegment(value).to_string()
}

impl<T: Display + ?Sized> Display for PathSegment<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(Encoding(f), "{}", self.0)
    }
}

/// A writer that percent-encodes what it is given into `f`: each run of
/// bytes that need no encoding is written in one piece.
struct Encoding<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl Write for Encoding<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Start of the run of bytes that need no encoding, not yet written.
        // Every non-ASCII byte is encoded, so a run is ASCII and its bounds
        // are character boundaries: the slices below cannot panic.
        let mut run = 0;
        for (at, &byte) in s.as_bytes().iter().enumerate() {
            if ENCODED[usize::from(byte)] {
                if run < at {
                    self.0.write_str(&s[run..at])?;
                }
                let escape = 3 * usize::from(byte);
                self.0.write_str(&ESCAPES[escape..escape + 3])?;
                run = at + 1;
            }
        }
        if run < s.len() {
            self.0.write_str(&s[run..])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::PathSegment;

    fn encoded(text: &str) -> String {
        PathSegment(text).to_string()
    }

    #[test]
    fn encodes_as_progenitor_client_does() {
        let mut every_char: String = (0u8..=0x7f).map(char::from).collect();
        every_char.push_str("é€😀\u{80}\u{7ff}\u{ffff}");
        let samples = [
            "",
            "w1",
            "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f",
            "a b/c%d?e#f",
            "100%",
            "é",
            "aéb😀c",
            "😀",
            every_char.as_str(),
        ];
        for text in samples {
            assert_eq!(
                encoded(text),
                progenitor_client::encode_path(text).replace('\\', "%5C"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_backslash_stays_in_its_segment() {
        assert_eq!(encoded("a\\b"), "a%5Cb");
        let url = reqwest::Url::parse(&format!("http://h/v1/executions/{}/state", encoded("a\\b")))
            .expect("a URL");
        assert_eq!(url.path(), "/v1/executions/a%5Cb/state");
    }

    #[test]
    fn encodes_what_display_writes_in_pieces() {
        struct Pieces;
        impl std::fmt::Display for Pieces {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("{fp:")?;
                write!(f, "{}", 7)?;
                f.write_str("}:a/b")
            }
        }
        assert_eq!(PathSegment(&Pieces).to_string(), "%7Bfp:7%7D:a%2Fb");
        assert_eq!(
            PathSegment(&Pieces).to_string(),
            progenitor_client::encode_path(&Pieces.to_string())
        );
    }
}
