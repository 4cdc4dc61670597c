//! `ff-admin`: an operator CLI for FlowFabric's ff-server admin REST API.
//!
//! One subcommand per operation of the spec (`openapi.yaml`), named as its
//! `operationId` in kebab case, with one flag per parameter and body field.
//! The calls go through the `ff-admin` client: its typed errors become exit
//! codes, its "nothing there" answers exit 4. See the README for a session.

mod command;
mod exit;
mod input;
mod operations;
mod output;
mod poll;
mod spec;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use clap::ArgMatches;
use ff_admin::FlowFabricAdminClient;

use crate::command::{COMPLETIONS, MAX_WAIT, OUTPUT, POLL, TIMEOUT, TOKEN_FILE, URL};
use crate::exit::Exit;
use crate::input::Sources;
use crate::output::{Failure, Format, Printer};

fn main() -> ExitCode {
    ExitCode::from(run(std::env::args_os().collect()).code())
}

/// Runs one command line and returns how it ended.
fn run(args: Vec<OsString>) -> Exit {
    let matches = match command::build().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            let _ = e.print();
            return if e.exit_code() == 0 {
                Exit::Success
            } else {
                Exit::Usage
            };
        }
    };
    let Some((name, sub)) = matches.subcommand() else {
        return Exit::Usage;
    };
    if name == COMPLETIONS {
        return completions(sub);
    }
    let Some(operation) = operations::by_command(name) else {
        return Exit::Usage;
    };
    let Some(spec) = spec::operation(operation.id) else {
        return Exit::Usage;
    };

    let mut sources = Sources::default();
    let token = match token(sub, &mut sources) {
        Ok(token) => token,
        Err(failure) => {
            return Printer {
                command: name,
                token: None,
                secret: None,
            }
            .failure(&failure);
        }
    };
    let printer = Printer {
        command: name,
        token: token.as_deref(),
        secret: None,
    };
    let prepared = input::collect(spec, operation.secret, sub, &mut sources)
        .and_then(|input| Ok((input, client(sub, token.as_deref())?)));
    let (input, client) = match prepared {
        Ok(prepared) => prepared,
        Err(failure) => return printer.failure(&failure),
    };
    let printer = Printer {
        secret: operation.secret.and_then(|field| input.body_text(field)),
        ..printer
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            printer.stderr(&format!("error: cannot start the async runtime: {e}"));
            return Exit::Usage;
        }
    };
    let max_wait = sub
        .get_flag_if_present(POLL)
        .then(|| sub.get_one::<Duration>(MAX_WAIT).copied())
        .flatten();
    let result = runtime.block_on(async {
        match max_wait {
            Some(max_wait) => poll::until_found(operation.call, &client, &input, max_wait).await,
            None => (operation.call)(&client, &input).await,
        }
    });
    match result {
        Ok(answer) => printer.answer(&answer, format(sub), operation.human),
        Err(failure) => printer.failure(&failure),
    }
}

/// The bearer token: `--token-file`, else `FF_API_TOKEN` (empty means
/// unset, as for the server), else none.
fn token(matches: &ArgMatches, sources: &mut Sources) -> Result<Option<String>, Failure> {
    if let Some(path) = matches.get_one::<String>(TOKEN_FILE) {
        return sources.read(TOKEN_FILE, path).map(Some);
    }
    Ok(std::env::var("FF_API_TOKEN")
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty()))
}

fn client(matches: &ArgMatches, token: Option<&str>) -> Result<FlowFabricAdminClient, Failure> {
    let url = matches
        .get_one::<String>(URL)
        .map_or(command::DEFAULT_URL, String::as_str);
    let mut builder = FlowFabricAdminClient::builder(url)
        .user_agent(concat!("ff-admin-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(timeout) = matches.get_one::<Duration>(TIMEOUT) {
        builder = builder.timeout(*timeout);
    }
    if let Some(token) = token {
        builder = builder.bearer_token(token);
    }
    Ok(builder.build()?)
}

fn format(matches: &ArgMatches) -> Format {
    match matches.get_one::<String>(OUTPUT).map(String::as_str) {
        Some("json") => Format::Json,
        _ => Format::Human,
    }
}

fn completions(matches: &ArgMatches) -> Exit {
    let Some(shell) = matches.get_one::<clap_complete::Shell>("shell") else {
        return Exit::Usage;
    };
    clap_complete::generate(
        *shell,
        &mut command::build(),
        "ff-admin",
        &mut std::io::stdout(),
    );
    Exit::Success
}

/// `get_flag` for a flag only some subcommands define.
trait FlagIfPresent {
    fn get_flag_if_present(&self, id: &str) -> bool;
}

impl FlagIfPresent for ArgMatches {
    fn get_flag_if_present(&self, id: &str) -> bool {
        matches!(self.try_get_one::<bool>(id), Ok(Some(true)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::spec::{Location, SPEC_OPERATIONS};

    /// The spec's operation ids, from the operation table generated from it.
    fn spec_ids() -> BTreeSet<String> {
        ff_admin::raw::OPERATIONS
            .iter()
            .map(|op| op.id.to_owned())
            .collect()
    }

    #[test]
    fn every_spec_operation_has_a_subcommand() {
        let subcommands: BTreeSet<String> = crate::command::build()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        let missing: Vec<String> = spec_ids()
            .iter()
            .map(|id| id.replace('_', "-"))
            .filter(|command| !subcommands.contains(command))
            .collect();
        assert!(
            missing.is_empty(),
            "spec operations without a subcommand (add them to BINDINGS in src/operations.rs): {missing:?}"
        );
    }

    #[test]
    fn every_subcommand_is_a_spec_operation() {
        let ids = spec_ids();
        for operation in crate::operations::BINDINGS {
            assert!(
                ids.contains(operation.id),
                "{} is not in the spec",
                operation.id
            );
        }
        assert!(!ids.contains(crate::command::COMPLETIONS));
    }

    /// A body field that looks like a credential must be read from a file:
    /// a new one in the spec fails here until its entry says
    /// `.secret_file(..)` (or the name is listed as not secret).
    #[test]
    fn credential_fields_never_become_flags() {
        const NOT_SECRET: &[&str] = &[];
        for spec in SPEC_OPERATIONS {
            let fields = spec
                .params
                .iter()
                .chain(spec.body.iter().flat_map(|b| b.fields));
            for field in fields {
                let looks_secret = ["secret", "token", "password"]
                    .iter()
                    .any(|word| field.name.contains(word));
                if !looks_secret || NOT_SECRET.contains(&field.name) {
                    continue;
                }
                let secret = crate::operations::BINDINGS
                    .iter()
                    .find(|op| op.id == spec.id)
                    .and_then(|op| op.secret);
                assert!(
                    field.location == Location::Body && secret == Some(field.name),
                    "{}: `{}` looks like a credential; read it with .secret_file(..)",
                    spec.id,
                    field.name
                );
            }
        }
    }
}
