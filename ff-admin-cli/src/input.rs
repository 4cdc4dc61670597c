//! Turns the command line into a request: path and query parameters, and
//! the JSON body from `--body`, the field flags and `--secret-file`.

use clap::ArgMatches;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::output::Failure;
use crate::spec::{SpecField, SpecOperation};

/// The flag that reads the whole JSON body from a file.
pub(crate) const BODY: &str = "body";
/// The flag that reads the operation's secret field from a file.
pub(crate) const SECRET_FILE: &str = "secret-file";

/// The request of one operation, as JSON values keyed by the spec's names.
#[derive(Default)]
pub(crate) struct Input {
    params: Map<String, Value>,
    body: Option<Map<String, Value>>,
}

impl Input {
    /// A string path or query parameter.
    pub(crate) fn path(&self, name: &str) -> Result<String, Failure> {
        match self.params.get(name) {
            Some(Value::String(value)) => Ok(value.clone()),
            Some(other) => Ok(other.to_string()),
            None => Err(Failure::Usage(format!(
                "missing --{}",
                name.replace('_', "-")
            ))),
        }
    }

    /// A path or query parameter, decoded as `T`; an absent one decodes
    /// from `null` (so `Option<T>` for an optional parameter).
    pub(crate) fn param<T: DeserializeOwned>(&self, name: &str) -> Result<T, Failure> {
        let value = self.params.get(name).cloned().unwrap_or(Value::Null);
        serde_json::from_value(value)
            .map_err(|e| Failure::Usage(format!("--{}: {e}", name.replace('_', "-"))))
    }

    /// The text of body field `name`, if the body has it as a string.
    pub(crate) fn body_text(&self, name: &str) -> Option<&str> {
        self.body.as_ref()?.get(name)?.as_str()
    }

    /// The JSON body, decoded as `T` (an `ff-admin` request type).
    pub(crate) fn body<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        let body = Value::Object(self.body.clone().unwrap_or_default());
        serde_json::from_value(body)
            .map_err(|e| Failure::Usage(format!("invalid request body: {e}")))
    }
}

/// Reads files and standard input for the flags that take `PATH|-`;
/// standard input can be read by one of them only.
#[derive(Default)]
pub(crate) struct Sources {
    stdin_used_by: Option<&'static str>,
}

impl Sources {
    /// The text of `path` (`-`: standard input), trimmed of surrounding
    /// whitespace. `flag` names the flag in errors.
    pub(crate) fn read(&mut self, flag: &'static str, path: &str) -> Result<String, Failure> {
        let text = if path == "-" {
            if let Some(other) = self.stdin_used_by.replace(flag) {
                return Err(Failure::Usage(format!(
                    "--{other} and --{flag} cannot both read standard input"
                )));
            }
            std::io::read_to_string(std::io::stdin())
                .map_err(|e| Failure::Usage(format!("--{flag}: cannot read standard input: {e}")))?
        } else {
            std::fs::read_to_string(path)
                .map_err(|e| Failure::Usage(format!("--{flag}: cannot read {path}: {e}")))?
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(Failure::Usage(format!("--{flag}: {path} is empty")));
        }
        Ok(trimmed.to_owned())
    }
}

/// Builds the request of `spec` from the subcommand's matches. `secret` is
/// the body field read from `--secret-file`, if the operation has one.
pub(crate) fn collect(
    spec: &SpecOperation,
    secret: Option<&str>,
    matches: &ArgMatches,
    sources: &mut Sources,
) -> Result<Input, Failure> {
    let mut input = Input::default();
    for field in spec.params {
        if let Some(value) = value_of(field, matches) {
            input.params.insert(field.name.to_owned(), value);
        }
    }
    let Some(body_spec) = &spec.body else {
        return Ok(input);
    };

    let mut body = match matches.get_one::<String>(BODY) {
        Some(path) => match serde_json::from_str(&sources.read("body", path)?) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(Failure::Usage("--body: not a JSON object".to_owned())),
            Err(e) => return Err(Failure::Usage(format!("--body: not JSON: {e}"))),
        },
        None => Map::new(),
    };
    if !body_spec.fields.is_empty() {
        if let Some(unknown) = body
            .keys()
            .find(|key| !body_spec.fields.iter().any(|f| f.name == key.as_str()))
        {
            return Err(Failure::Usage(format!(
                "--body: `{unknown}` is not a field of this request"
            )));
        }
    }
    for field in body_spec.fields {
        if Some(field.name) == secret {
            if let Some(path) = matches.get_one::<String>(SECRET_FILE) {
                let value = sources.read(SECRET_FILE, path)?;
                body.insert(field.name.to_owned(), Value::String(value));
            }
        } else if let Some(value) = input.params.get(field.name) {
            // The same name as a parameter: its flag sets both.
            body.insert(field.name.to_owned(), value.clone());
        } else if let Some(value) = value_of(field, matches) {
            body.insert(field.name.to_owned(), value);
        }
    }
    let missing: Vec<String> = body_spec
        .fields
        .iter()
        .filter(|f| f.required && !body.contains_key(f.name))
        .map(|f| {
            let flag = if Some(f.name) == secret {
                SECRET_FILE
            } else {
                f.flag
            };
            format!("--{flag}")
        })
        .collect();
    if !missing.is_empty() {
        return Err(Failure::Usage(format!(
            "missing {} (or the same fields in --body)",
            missing.join(", ")
        )));
    }
    if body_spec.required || !body.is_empty() {
        input.body = Some(body);
    }
    Ok(input)
}

/// The JSON value a field's flag was given, if any: an array for a
/// repeated flag.
fn value_of(field: &SpecField, matches: &ArgMatches) -> Option<Value> {
    let mut values = matches.get_many::<Value>(field.name)?.cloned();
    if field.repeated {
        Some(Value::Array(values.collect()))
    } else {
        values.next()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::spec::{Kind, Location, SpecBody};

    const fn field(name: &'static str, flag: &'static str, location: Location) -> SpecField {
        SpecField {
            name,
            flag,
            value_name: "VALUE",
            location,
            required: true,
            kind: Kind::String,
            repeated: false,
            choices: &[],
            help: "",
        }
    }

    /// An operation whose path id is repeated in its body, like
    /// `cancel_execution`.
    static CANCEL: SpecOperation = SpecOperation {
        id: "cancel_execution",
        command: "cancel-execution",
        method: "POST",
        path: "/v1/executions/{execution_id}/cancel",
        summary: "",
        description: "",
        params: &[field("execution_id", "execution-id", Location::Path)],
        body: Some(SpecBody {
            required: true,
            fields: &[
                field("execution_id", "execution-id", Location::Body),
                field("reason", "reason", Location::Body),
            ],
        }),
    };

    fn collect_from(args: &[&str]) -> Result<Input, Failure> {
        let matches = clap::Command::new("ff-admin")
            .subcommand(crate::command::subcommand(&CANCEL, None, false))
            .try_get_matches_from(args)
            .expect("valid command line");
        let (_, sub) = matches.subcommand().expect("a subcommand");
        collect(&CANCEL, None, sub, &mut Sources::default())
    }

    #[test]
    fn a_parameter_repeated_in_the_body_is_one_flag_setting_both() {
        let input = collect_from(&[
            "ff-admin",
            "cancel-execution",
            "--execution-id",
            "{fp:1}:x",
            "--reason",
            "r",
        ])
        .expect("input");
        assert_eq!(input.path("execution_id").expect("path"), "{fp:1}:x");
        assert_eq!(
            input.body::<Value>().expect("body"),
            json!({"execution_id": "{fp:1}:x", "reason": "r"})
        );
        match collect_from(&["ff-admin", "cancel-execution", "--execution-id", "e"]) {
            Err(Failure::Usage(message)) => {
                assert_eq!(message, "missing --reason (or the same fields in --body)")
            }
            other => panic!("{:?}", other.map(|i| i.body::<Value>().ok())),
        }
    }
}
