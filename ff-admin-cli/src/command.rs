//! The command line: global options, one subcommand per operation (its
//! flags derived from the spec), and `completions`.

use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser as _, ValueParser};
use clap::{Arg, ArgAction, Command};
use serde_json::Value;

use crate::exit::EXIT_CODES_HELP;
use crate::input::{BODY, SECRET_FILE};
use crate::operations::{Binding, BINDINGS};
use crate::spec::{self, Kind, Location, SpecField, SpecOperation};

/// The subcommand that prints shell completions.
pub(crate) const COMPLETIONS: &str = "completions";
/// The global option naming the server.
pub(crate) const URL: &str = "url";
/// The global option naming the token file.
pub(crate) const TOKEN_FILE: &str = "token-file";
/// The global option choosing the output.
pub(crate) const OUTPUT: &str = "output";
/// The global option limiting each call.
pub(crate) const TIMEOUT: &str = "timeout";
/// Polls while the answer is "nothing there".
pub(crate) const POLL: &str = "poll";
/// How long `--poll` polls.
pub(crate) const MAX_WAIT: &str = "max-wait";

/// The help heading of an operation's own flags.
const REQUEST: &str = "Request";

/// The server when neither `--url` nor `FF_ADMIN_URL` names one.
pub(crate) const DEFAULT_URL: &str = "http://127.0.0.1:9090";

const ABOUT: &str = "Operate a FlowFabric ff-server from the shell: one subcommand per operation of its admin REST API.";

const AFTER_HELP: &str = "\
Authentication: the bearer token comes from --token-file PATH, else from the
environment variable FF_API_TOKEN; it is never taken from an argument value.

Output: a short human summary on stdout; with --output json, exactly the
response body as one JSON document. Errors go to stderr as one line.";

/// The whole command line.
pub(crate) fn build() -> Command {
    let mut root = Command::new("ff-admin")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .after_help(format!("{AFTER_HELP}\n\n{EXIT_CODES_HELP}"))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(global_args());
    for (operation, spec) in covered() {
        root = root.subcommand(subcommand(spec, operation.secret, operation.poll));
    }
    root.subcommand(
        Command::new(COMPLETIONS)
            .about("Print shell completions for ff-admin")
            .arg(
                Arg::new("shell")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
    )
}

/// Every operation of the table with its spec operation. An entry whose id
/// is not in the spec is left out (a test fails on it).
pub(crate) fn covered() -> impl Iterator<Item = (&'static Binding, &'static SpecOperation)> {
    BINDINGS
        .iter()
        .filter_map(|operation| Some((operation, spec::operation(operation.id)?)))
}

fn global_args() -> [Arg; 4] {
    [
        Arg::new(URL)
            .long(URL)
            .global(true)
            .env("FF_ADMIN_URL")
            .value_name("URL")
            .default_value(DEFAULT_URL)
            .help("The ff-server to call"),
        Arg::new(TOKEN_FILE)
            .long(TOKEN_FILE)
            .global(true)
            .value_name("PATH|-")
            .help("Read the bearer token from this file (`-`: standard input) instead of FF_API_TOKEN"),
        Arg::new(OUTPUT)
            .long(OUTPUT)
            .global(true)
            .value_name("FORMAT")
            .value_parser(["human", "json"])
            .default_value("human")
            .help("`human`: a short summary; `json`: exactly the response body"),
        Arg::new(TIMEOUT)
            .long(TIMEOUT)
            .global(true)
            .value_name("DURATION")
            .value_parser(duration)
            .default_value("130s")
            .help("Limit on each call (e.g. 500ms, 30s, 2m); past it the run exits with 3"),
    ]
}

/// The subcommand of `spec`; `secret` is the body field read from
/// `--secret-file`, `poll` offers `--poll`.
pub(crate) fn subcommand(
    spec: &'static SpecOperation,
    secret: Option<&'static str>,
    poll: bool,
) -> Command {
    let mut command = Command::new(spec.command)
        .next_help_heading(REQUEST)
        .about(spec.summary)
        .long_about(format!(
            "{}\n\n{}\n\n{} {}",
            spec.summary, spec.description, spec.method, spec.path
        ));
    for field in spec.params {
        command = command.arg(field_arg(field).required(field.required));
    }
    if let Some(body) = &spec.body {
        // A body field named like a parameter (the path's id, repeated in
        // the body) is set by the parameter's flag.
        for field in body.fields {
            let is_param = spec.params.iter().any(|p| p.name == field.name);
            if Some(field.name) != secret && !is_param {
                command = command.arg(field_arg(field));
            }
        }
        command = command.arg(
            Arg::new(BODY)
                .long(BODY)
                .value_name("FILE|-")
                .help("Read the JSON request body from this file (`-`: standard input); field flags override its fields"),
        );
    }
    if let Some(secret) = secret {
        command = command.arg(
            Arg::new(SECRET_FILE)
                .long(SECRET_FILE)
                .value_name("PATH|-")
                .help(format!(
                    "Read `{secret}` from this file (`-`: standard input); a secret is never taken from an argument value"
                )),
        );
    }
    if poll {
        command = command
            .arg(
                Arg::new(POLL)
                    .long(POLL)
                    .action(ArgAction::SetTrue)
                    .help("While the answer is \"nothing there\", call again with back-off until a result or --max-wait"),
            )
            .arg(
                Arg::new(MAX_WAIT)
                    .long(MAX_WAIT)
                    .value_name("DURATION")
                    .value_parser(duration)
                    .default_value("30s")
                    .requires(POLL)
                    .help("How long --poll keeps calling"),
            );
    }
    command
}

/// The flag of one parameter or body field.
fn field_arg(field: &'static SpecField) -> Arg {
    let mut help = field.help.to_owned();
    match (field.location, field.required) {
        (Location::Body, true) => help.push_str(" [required unless in --body]"),
        (Location::Query, _) => help.push_str(" [query]"),
        _ => {}
    }
    if field.kind == Kind::Json {
        help.push_str(" [JSON]");
    }
    if field.repeated {
        help.push_str(" [repeatable]");
    }
    let arg = Arg::new(field.name)
        .long(field.flag)
        .value_name(field.value_name)
        .help(help)
        .value_parser(value_parser(field));
    if field.repeated {
        arg.action(ArgAction::Append)
    } else {
        arg.action(ArgAction::Set)
    }
}

/// Parses a flag's text into the JSON value its kind says.
fn value_parser(field: &'static SpecField) -> ValueParser {
    match field.kind {
        Kind::String if !field.choices.is_empty() => {
            PossibleValuesParser::new(field.choices.iter().copied())
                .map(Value::String)
                .into()
        }
        Kind::String => ValueParser::new(|text: &str| {
            Ok::<_, std::convert::Infallible>(Value::String(text.to_owned()))
        }),
        Kind::Integer => ValueParser::new(|text: &str| {
            text.parse::<i64>()
                .map(Value::from)
                .or_else(|_| text.parse::<u64>().map(Value::from))
                .map_err(|_| "not a whole number".to_owned())
        }),
        Kind::Number => ValueParser::new(|text: &str| {
            text.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| "not a number".to_owned())
        }),
        Kind::Boolean => ValueParser::new(|text: &str| match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("not `true` or `false`".to_owned()),
        }),
        Kind::Json => ValueParser::new(|text: &str| {
            serde_json::from_str::<Value>(text).map_err(|e| format!("not JSON: {e}"))
        }),
    }
}

/// A duration such as `500ms`, `30s` or `2m`.
fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("not a duration ({e}); e.g. 500ms, 30s, 2m"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        build().debug_assert();
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert!(duration("30").is_err());
    }
}
