//! The built `ff-admin` binary against typed mocks of ff-server
//! (ff-admin-mock): every exit code, both output modes, every source of the
//! token and the secret, and the token kept out of every output.

mod support;

use std::time::Duration;

use ff_admin_mock::{answers, types, MockServerExt as _};
use httpmock::MockServer;
use serde_json::{json, Value};
use support::{Cli, TempFile};

const TOKEN: &str = "cli-token-5d8e2b";
const EXEC: &str = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";
const WAITPOINT: &str = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b";

fn cli(server: &MockServer) -> Cli {
    Cli::new(&server.base_url()).env("FF_API_TOKEN", TOKEN)
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

fn claim_args(worker: &str) -> Vec<String> {
    [
        "claim-for-worker",
        "--worker-id",
        worker,
        "--lane-id",
        "lane-a",
        "--worker-instance-id",
        "w1-i1",
        "--capabilities",
        "gpu",
        "--capabilities",
        "x86",
        "--grant-ttl-ms",
        "5000",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn claim_body() -> types::ClaimForWorkerBody {
    types::ClaimForWorkerBody {
        lane_id: types::LaneId("lane-a".into()),
        worker_instance_id: types::Identifier("w1-i1".into()),
        capabilities: vec!["gpu".into(), "x86".into()],
        grant_ttl_ms: types::GrantTtlMs(5000),
    }
}

fn reclaim_args() -> Vec<String> {
    [
        "issue-reclaim-grant",
        "--execution-id",
        EXEC,
        "--worker-id",
        "w1",
        "--worker-instance-id",
        "w1-i2",
        "--lane-id",
        "lane-a",
        "--grant-ttl-ms",
        "30000",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn reclaim_body() -> types::IssueReclaimGrantBody {
    types::IssueReclaimGrantBody {
        worker_id: types::Identifier("w1".into()),
        worker_instance_id: types::Identifier("w1-i2".into()),
        lane_id: types::LaneId("lane-a".into()),
        capability_hash: None,
        grant_ttl_ms: types::GrantTtlMs(30_000),
        route_snapshot_json: None,
        admission_summary: None,
        worker_capabilities: vec![],
    }
}

/// One successful call of an operation: the command line, its mock (which
/// checks the request), the response body and the human output.
struct Case {
    id: &'static str,
    args: Vec<String>,
    stdin: &'static str,
    mock: fn(&MockServer) -> httpmock::Mock<'_>,
    body: Value,
    human: &'static str,
}

fn success_cases() -> Vec<Case> {
    vec![
        Case {
            id: "claim_for_worker",
            args: claim_args("pool/w 1"),
            stdin: "",
            mock: |server| {
                server.claim_for_worker(|when, then| {
                    when.worker_id("pool/w 1")
                        .body(&claim_body())
                        .into_inner()
                        .header("authorization", bearer());
                    then.ok(&answers::claim_grant(EXEC, "ff:exec:g1", 1_764_000_000_000));
                })
            },
            body: json!({
                "execution_id": EXEC,
                "partition_key": "{fp:7}",
                "grant_key": "ff:exec:g1",
                "expires_at_ms": 1_764_000_000_000u64,
            }),
            human: "execution_id: {fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\n\
                    expires_at_ms: 1764000000000\ngrant_key: ff:exec:g1\npartition_key: {fp:7}\n",
        },
        Case {
            id: "rotate_waitpoint_secret",
            args: [
                "rotate-waitpoint-secret",
                "--new-kid",
                "k2",
                "--secret-file",
                "-",
            ]
            .map(str::to_owned)
            .to_vec(),
            stdin: "abababababababababababababababababababababababababababababababab\n",
            mock: |server| {
                server.rotate_waitpoint_secret(|when, then| {
                    when.body(&types::RotateWaitpointSecretBody {
                        new_kid: "k2".into(),
                        new_secret_hex: "ab".repeat(32),
                    })
                    .into_inner()
                    .header("authorization", bearer());
                    then.ok(&types::RotateWaitpointSecretResult {
                        rotated: 256,
                        failed: vec![3, 9],
                        new_kid: "k2".into(),
                    });
                })
            },
            body: json!({"rotated": 256, "failed": [3, 9], "new_kid": "k2"}),
            human: "failed: 3, 9\nnew_kid: k2\nrotated: 256\n",
        },
        Case {
            id: "issue_reclaim_grant",
            args: reclaim_args(),
            stdin: "",
            mock: |server| {
                server.issue_reclaim_grant(|when, then| {
                    when.execution_id(EXEC)
                        .body(&reclaim_body())
                        .into_inner()
                        .header("authorization", bearer());
                    then.granted(EXEC, "lane-a", "g-1", 99);
                })
            },
            body: json!({
                "status": "granted",
                "execution_id": EXEC,
                "partition_key": "{fp:7}",
                "grant_key": "g-1",
                "expires_at_ms": 99,
                "lane_id": "lane-a",
            }),
            human: "execution_id: {fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\nexpires_at_ms: 99\n\
                    grant_key: g-1\nlane_id: lane-a\npartition_key: {fp:7}\nstatus: granted\n",
        },
        Case {
            id: "read_waitpoint_token",
            args: [
                "read-waitpoint-token",
                "--execution-id",
                EXEC,
                "--waitpoint-id",
                WAITPOINT,
            ]
            .map(str::to_owned)
            .to_vec(),
            stdin: "",
            mock: |server| {
                server.read_waitpoint_token(|when, then| {
                    when.execution_id(EXEC)
                        .waitpoint_id(WAITPOINT)
                        .into_inner()
                        .header("authorization", bearer());
                    then.token("k2:00ff");
                })
            },
            body: json!({"token": "k2:00ff"}),
            human: "k2:00ff\n",
        },
        Case {
            id: "healthz",
            args: vec!["healthz".to_owned()],
            stdin: "",
            mock: |server| {
                server.healthz(|_, then| {
                    then.ok(&types::HealthResponse {
                        status: types::HealthResponseStatus::Ok,
                    });
                })
            },
            body: json!({"status": "ok"}),
            human: "status: ok\n",
        },
    ]
}

/// Exit 0 for every operation: `--output json` prints exactly the mocked
/// body, the default prints the human summary, stderr stays empty.
#[test]
fn every_operation_succeeds_in_both_output_modes() {
    let cases = success_cases();
    let spec: Value =
        serde_yaml_ng::from_str(include_str!("../openapi.yaml")).expect("openapi.yaml parses");
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                assert!(
                    cases.iter().any(|c| c.id == id),
                    "no success case for spec operation {id}"
                );
            }
        }
    }
    for case in cases {
        let server = MockServer::start();
        let mock = (case.mock)(&server);
        let run = cli(&server)
            .args(&case.args)
            .args(["--output", "json"])
            .stdin(case.stdin)
            .run();
        run.code(0);
        assert_eq!(run.json(), case.body, "{}", case.id);
        assert!(run.stdout.ends_with('\n') && run.stdout.lines().count() == 1);
        assert_eq!(run.stderr, "", "{}", case.id);

        let run = cli(&server).args(&case.args).stdin(case.stdin).run();
        run.code(0);
        assert_eq!(run.stdout, case.human, "{}", case.id);
        assert_eq!(run.stderr, "", "{}", case.id);
        mock.assert_calls(2);
    }
}

/// Exit 1: the server's error as one stderr line with status, kind and
/// message; nothing on stdout, in both output modes.
#[test]
fn server_errors_exit_1_with_one_line() {
    let server = MockServer::start();
    server.claim_for_worker(|when, then| {
        when.worker_id("w1");
        then.service_unavailable(&answers::unavailable("claim_for_worker"));
    });
    for output in ["human", "json"] {
        let run = cli(&server)
            .args(claim_args("w1"))
            .args(["--output", output])
            .run();
        run.code(1);
        assert_eq!(run.stdout, "");
        assert_eq!(
            run.one_stderr_line(),
            "error: claim-for-worker: status 503, kind unavailable, retryable false: \
             backend op unavailable: claim_for_worker"
        );
    }

    server.rotate_waitpoint_secret(|_, then| {
        then.too_many_requests(&answers::too_many_requests("admin_rotate", 1));
    });
    let secret = TempFile::new(&"cd".repeat(32));
    let run = cli(&server)
        .args([
            "rotate-waitpoint-secret",
            "--new-kid",
            "k3",
            "--secret-file",
        ])
        .arg_path(&secret)
        .run();
    run.code(1);
    assert_eq!(
        run.one_stderr_line(),
        "error: rotate-waitpoint-secret: status 429, kind -, retryable true: \
         too many concurrent admin_rotate calls (server max: 1); retry with backoff"
    );
}

/// Exit 2: usage and configuration errors, with nothing sent.
#[test]
fn usage_errors_exit_2_and_send_nothing() {
    let server = MockServer::start();
    let any_request = server.mock(|_, then| {
        then.status(500);
    });
    let empty = TempFile::new("  \n");
    let foreign_body = TempFile::new(r#"{"worker_id":"w1","lane":"typo"}"#);
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            vec!["claim-for-worker".into(), "--lane-id".into(), "l".into()],
            "",
            "--worker-id",
        ),
        (
            claim_args("w1")
                .into_iter()
                .map(|a| if a == "5000" { "soon".to_owned() } else { a })
                .collect(),
            "",
            "not a whole number",
        ),
        (
            vec!["claim-for-worker".into(), "--worker-id".into(), "w1".into()],
            "",
            "missing --grant-ttl-ms, --lane-id, --worker-instance-id (or the same fields in --body)",
        ),
        (
            [
                "rotate-waitpoint-secret",
                "--new-kid",
                "k",
                "--new-secret-hex",
                "abab",
            ]
            .map(str::to_owned)
            .to_vec(),
            "",
            "--new-secret-hex",
        ),
        (
            ["rotate-waitpoint-secret", "--new-kid", "k"]
                .map(str::to_owned)
                .to_vec(),
            "",
            "missing --secret-file",
        ),
        (
            vec![
                "rotate-waitpoint-secret".into(),
                "--new-kid".into(),
                "k".into(),
                "--secret-file".into(),
                empty.arg(),
            ],
            "",
            "is empty",
        ),
        (
            vec![
                "healthz".into(),
                "--token-file".into(),
                "-".into(),
                "--output".into(),
                "yaml".into(),
            ],
            "",
            "yaml",
        ),
        (
            [
                "rotate-waitpoint-secret",
                "--new-kid",
                "k",
                "--secret-file",
                "-",
                "--token-file",
                "-",
            ]
            .map(str::to_owned)
            .to_vec(),
            "x",
            "cannot both read standard input",
        ),
        (
            reclaim_args()
                .into_iter()
                .chain(["--body".to_owned(), foreign_body.arg()])
                .collect(),
            "",
            "`lane` is not a field of this request",
        ),
        (
            vec!["healthz".into(), "--url".into(), "ftp://127.0.0.1:1".into()],
            "",
            "base_url",
        ),
        (vec!["no-such-operation".into()], "", "no-such-operation"),
        (vec![], "", "Usage"),
    ];
    for (args, stdin, needle) in cases {
        let run = cli(&server).args(&args).stdin(stdin).run();
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(
            run.stderr.contains(needle),
            "{args:?}: `{needle}` not in {run:#?}"
        );
    }
    any_request.assert_calls(0);
}

/// Exit 3: nothing listens, or the answer comes after `--timeout`.
#[test]
fn unreachable_and_timeouts_exit_3() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let run = Cli::new(&url).args(["healthz", "--output", "json"]).run();
    run.code(3);
    assert_eq!(run.stdout, "");
    let line = run.one_stderr_line();
    assert!(
        line.starts_with("error: healthz: server unreachable: "),
        "{line}"
    );

    let server = MockServer::start();
    server.healthz(|_, then| {
        then.ok(&types::HealthResponse {
            status: types::HealthResponseStatus::Ok,
        })
        .into_inner()
        .delay(Duration::from_secs(3));
    });
    let run = cli(&server).args(["healthz", "--timeout", "300ms"]).run();
    run.code(3);
    assert_eq!(run.stdout, "");
    assert!(
        run.one_stderr_line()
            .starts_with("error: healthz: timed out: "),
        "{run:#?}"
    );
}

/// Exit 4: claim's 204 and the documented "token not found", with an empty
/// stdout (also in JSON mode) and a note on stderr; any other 404 is exit 1.
#[test]
fn nothing_there_exits_4_with_empty_stdout() {
    let server = MockServer::start();
    server.claim_for_worker(|when, then| {
        when.worker_id("w1");
        then.no_content();
    });
    server.read_waitpoint_token(|when, then| {
        when.waitpoint_id(WAITPOINT);
        then.token_not_found();
    });
    let token_args = [
        "read-waitpoint-token",
        "--execution-id",
        EXEC,
        "--waitpoint-id",
        WAITPOINT,
    ];
    for output in ["human", "json"] {
        let run = cli(&server)
            .args(claim_args("w1"))
            .args(["--output", output])
            .run();
        run.code(4);
        assert_eq!(run.stdout, "");
        assert!(run
            .one_stderr_line()
            .starts_with("claim-for-worker: nothing there: no eligible execution"));

        let run = cli(&server)
            .args(token_args)
            .args(["--output", output])
            .run();
        run.code(4);
        assert_eq!(run.stdout, "");
        assert_eq!(
            run.one_stderr_line(),
            "read-waitpoint-token: nothing there: waitpoint token not found (consumed, expired, or unknown id)"
        );
    }

    // A 404 that is not the documented one (a wrong base path) is an error.
    let run = Cli::new(&format!("{}/wrong", server.base_url()))
        .args(token_args)
        .run();
    run.code(1);
    assert!(run.one_stderr_line().contains("status 404"), "{run:#?}");
}

/// `--poll` calls again while claims answer 204 and stops at `--max-wait`
/// with exit 4, or at the first grant with exit 0.
#[test]
fn claim_poll_backs_off_until_a_grant_or_the_deadline() {
    let server = MockServer::start();
    let mut idle = server.claim_for_worker(|when, then| {
        when.worker_id("w1");
        then.no_content();
    });
    let started = std::time::Instant::now();
    let run = cli(&server)
        .args(claim_args("w1"))
        .args(["--poll", "--max-wait", "1s"])
        .run();
    run.code(4);
    assert_eq!(run.stdout, "");
    assert!(started.elapsed() >= Duration::from_secs(1));
    let calls = idle.calls();
    // One call, then one every 260 ms until the deadline, and one at it.
    assert!((4..=6).contains(&calls), "{calls} calls");
    assert!(
        run.one_stderr_line()
            .contains(&format!("still nothing after 1s ({calls} calls)")),
        "{run:#?}"
    );

    // A grant appears while polling.
    let child = cli(&server)
        .args(claim_args("w1"))
        .args(["--poll", "--max-wait", "20s", "--output", "json"])
        .spawn();
    while idle.calls() < calls + 2 {
        std::thread::sleep(Duration::from_millis(20));
    }
    idle.delete();
    let granted = server.claim_for_worker(|when, then| {
        when.worker_id("w1");
        then.ok(&answers::claim_grant(EXEC, "g-poll", 1));
    });
    let run = support::finish(child);
    run.code(0);
    assert_eq!(run.json()["grant_key"], "g-poll");
    granted.assert_calls(1);
}

/// The token comes from `FF_API_TOKEN` or `--token-file` (which wins), and
/// is never printed: not in errors that echo it, not in `--help`.
#[test]
fn token_sources_and_the_token_never_printed() {
    let server = MockServer::start();
    let from_file = "file-token-91c4";
    let by_file = server.healthz(|when, then| {
        when.into_inner()
            .header("authorization", format!("Bearer {from_file}"));
        then.ok(&types::HealthResponse {
            status: types::HealthResponseStatus::Ok,
        });
    });
    let file = TempFile::new(&format!("{from_file}\n"));
    cli(&server)
        .args(["healthz", "--token-file"])
        .arg_path(&file)
        .run()
        .code(0);
    Cli::new(&server.base_url())
        .args(["healthz", "--token-file", "-"])
        .stdin(from_file)
        .run()
        .code(0);
    by_file.assert_calls(2);

    // A proxy that echoes the token in its error.
    let echo = server.claim_for_worker(|when, then| {
        when.worker_id("w1")
            .into_inner()
            .header("authorization", bearer());
        then.unauthorized(&answers::error(format!("bad credentials: Bearer {TOKEN}")));
    });
    let run = cli(&server).args(claim_args("w1")).run();
    run.code(1);
    echo.assert();
    assert!(!run.stderr.contains(TOKEN), "{run:#?}");
    assert!(run.stderr.contains("<redacted>"), "{run:#?}");

    for args in [
        vec!["--help"],
        vec!["claim-for-worker", "--help"],
        vec!["healthz", "--bogus"],
    ] {
        let run = cli(&server).args(&args).run();
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(!all.contains(TOKEN), "{args:?}: {run:#?}");
    }
}

/// `--body FILE|-` supplies the body; field flags override its fields.
#[test]
fn body_file_with_flags_overriding() {
    let server = MockServer::start();
    let mut expected = reclaim_body();
    expected.grant_ttl_ms = types::GrantTtlMs(999);
    expected.worker_capabilities = vec!["gpu".into()];
    let mock = server.issue_reclaim_grant(|when, then| {
        when.execution_id(EXEC).body(&expected);
        then.not_reclaimable(EXEC, "execution_not_reclaimable");
    });
    let body = json!({
        "worker_id": "w1",
        "worker_instance_id": "w1-i2",
        "lane_id": "lane-a",
        "grant_ttl_ms": 30000,
        "worker_capabilities": ["gpu"],
    });
    let run = cli(&server)
        .args(["issue-reclaim-grant", "--execution-id", EXEC, "--body", "-"])
        .args(["--grant-ttl-ms", "999", "--output", "json"])
        .stdin(&body.to_string())
        .run();
    run.code(0);
    assert_eq!(run.json()["status"], "not_reclaimable");
    mock.assert();
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let run = Cli::new("http://127.0.0.1:1")
            .args(["completions", shell])
            .run();
        run.code(0);
        assert!(run.stdout.contains("claim-for-worker"), "{shell}");
        assert!(run.stdout.contains("secret-file"), "{shell}");
        assert!(!run.stdout.contains("new-secret-hex"), "{shell}");
    }
    Cli::new("http://127.0.0.1:1")
        .args(["completions", "tcsh"])
        .run()
        .code(2);
}

/// Every spec operation is a subcommand whose `--help` shows a flag per
/// parameter and body field (secrets excepted), and the exit codes in
/// `--help` are the README's table.
#[test]
fn help_shows_spec_flags_and_the_readme_exit_codes() {
    let spec: Value =
        serde_yaml_ng::from_str(include_str!("../openapi.yaml")).expect("openapi.yaml parses");
    let resolve = |v: &Value| -> Value {
        match v.get("$ref").and_then(|r| r.as_str()) {
            Some(r) => spec
                .pointer(r.trim_start_matches('#'))
                .expect("ref")
                .clone(),
            None => v.clone(),
        }
    };
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            let Some(id) = op.get("operationId").and_then(|v| v.as_str()) else {
                continue;
            };
            let command = id.replace('_', "-");
            let run = Cli::new("http://127.0.0.1:1")
                .args([&command, "--help"])
                .run();
            run.code(0);
            let mut names = Vec::new();
            for p in op
                .get("parameters")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
            {
                names.push(resolve(p)["name"].as_str().expect("name").to_owned());
            }
            if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                let schema = resolve(schema);
                names.extend(
                    schema["properties"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k.clone()),
                );
            }
            for name in names {
                let flag = format!("--{}", name.replace('_', "-"));
                // Credentials are read from --secret-file (the binary's
                // `credential_fields_never_become_flags` test forces it).
                if ["secret", "token", "password"]
                    .iter()
                    .any(|w| name.contains(w))
                {
                    assert!(
                        !run.stdout.contains(&flag),
                        "{command}: {flag} must not exist"
                    );
                    assert!(run.stdout.contains("--secret-file"), "{command}");
                } else {
                    assert!(run.stdout.contains(&flag), "{command} --help lacks {flag}");
                }
            }
        }
    }

    let run = Cli::new("http://127.0.0.1:1").args(["--help"]).run();
    run.code(0);
    let readme = include_str!("../README.md");
    let rows: Vec<(String, String)> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let (code, text) = l.trim().split_once("  ").expect("code and meaning");
            (code.to_owned(), text.to_owned())
        })
        .collect();
    assert_eq!(
        rows.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        ["0", "1", "2", "3", "4"]
    );
    for (code, text) in rows {
        let row = format!("| {code} | {} |", text.replace('|', "\\|"));
        assert!(readme.contains(&row), "README lacks `{row}`");
    }
}

trait ArgPath {
    fn arg_path(self, file: &TempFile) -> Self;
}

impl ArgPath for Cli {
    fn arg_path(self, file: &TempFile) -> Self {
        self.args([file.path()])
    }
}
