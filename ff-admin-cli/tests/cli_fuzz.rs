//! The command line, fuzzed: generated values for ids, numbers,
//! durations, URLs and `--body` (a file or standard input holding any
//! bytes: JSON of the wrong shape, truncated or deeply nested JSON,
//! invalid UTF-8) given to the built binary, against a scripted server
//! that answers every request with a 503.
//!
//! Every run must end with a documented exit code (0 to 4, never a
//! panic's 101 or a signal), write no panic message, keep a server or
//! transport error to one line on stderr (a usage error to a message), and send nothing when it exits with the usage code 2.
//!
//! `FF_ADMIN_FUZZ_CASES` sets the number of cases (default 64).

mod support;

use std::time::{Duration, Instant};

use ff_admin_contract_tests::scripted::{Reply, ScriptedServer};
use ff_admin_contract_tests::wire::answer;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use support::{finish, Cli};

/// The subcommands driven, each with a valid value for every flag it is
/// given (a case replaces some of them, or adds a flag twice).
const COMMANDS: &[(&str, &[(&str, &str)])] = &[
    (
        "claim-for-worker",
        &[
            ("--worker-id", "w1"),
            ("--lane-id", "lane-a"),
            ("--worker-instance-id", "w1-i1"),
            ("--capabilities", "gpu"),
            ("--grant-ttl-ms", "5000"),
        ],
    ),
    ("get-execution", &[("--execution-id", EXEC)]),
    ("get-execution-state", &[("--execution-id", EXEC)]),
    (
        "list-executions",
        &[("--partition", "7"), ("--cursor", EXEC), ("--limit", "10")],
    ),
    (
        "change-priority",
        &[("--execution-id", EXEC), ("--new-priority", "5")],
    ),
    (
        "tail-attempt-stream",
        &[
            ("--execution-id", EXEC),
            ("--attempt-index", "0"),
            ("--after", "0-0"),
            ("--block-ms", "0"),
            ("--limit", "10"),
        ],
    ),
    (
        "report-usage",
        &[
            ("--budget-id", "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b"),
            ("--dedup-key", "k"),
            ("--dimensions", r#"{"tokens":1}"#),
            ("--now", "1"),
        ],
    ),
    (
        "create-execution",
        &[
            ("--execution-id", EXEC),
            ("--lane-id", "default"),
            ("--namespace", "default"),
            ("--priority", "0"),
            ("--partition-id", "7"),
            ("--input-payload", "104"),
            ("--execution-kind", "op"),
            ("--creator-identity", "op"),
            ("--now", "1"),
        ],
    ),
    (
        "get-budget-status",
        &[("--budget-id", "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b")],
    ),
    ("healthz", &[]),
];

const EXEC: &str = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";

/// A value for any flag.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        // Numbers at and past every integer width's edges.
        proptest::sample::select(vec![
            "0",
            "-1",
            "1",
            "65535",
            "65536",
            "4294967296",
            "-2147483649",
            "18446744073709551615",
            "18446744073709551616",
            "9223372036854775808",
            "1e3",
            "0x10",
            " 1",
            "1 ",
            "+1",
            "1.5",
            "NaN",
            "",
            "-0",
        ])
        .prop_map(str::to_owned),
        // Ids: dots, slashes, encodings, braces.
        proptest::sample::select(vec![
            ".",
            "..",
            "/",
            "a/b",
            "%2F",
            "{fp:1}:x",
            "{fp:99999}:x",
            "{fp:-1}:",
            "\\",
            "a b",
            "\t",
            "\u{7f}",
            "é",
            "\u{202e}x",
            "-",
            "--",
            "--execution-id",
        ])
        .prop_map(str::to_owned),
        // Dimensions and key=value shapes.
        proptest::sample::select(vec![
            "tokens=1",
            r#"{"tokens":-1}"#,
            r#"{"tokens":18446744073709551616}"#,
            r#"{"":1}"#,
            r#"{"a":1,"a":2}"#,
            "{",
            "[1]",
            "x=1=2",
        ])
        .prop_map(str::to_owned),
        any::<String>().prop_map(|s| s.replace('\0', "")),
        "[ -~]{0,40}",
        (1usize..20_000).prop_map(|n| "x".repeat(n)),
    ]
}

/// A value for `--timeout`.
fn duration() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            "0",
            "0s",
            "1ns",
            "1us",
            "500ms",
            "2s",
            "-1s",
            "1.5s",
            "abc",
            "1 s",
            "",
            "s",
            "18446744073709551615s",
            "99999999999999999999h",
            "1y",
            "1m1s",
            "1ms1ns",
        ])
        .prop_map(str::to_owned),
        "[0-9]{1,25}[a-z]{0,3}",
    ]
}

/// What `--body` reads.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"{}".to_vec()),
        Just(b"null".to_vec()),
        Just(b"[]".to_vec()),
        Just(br#"{"execution_id":"{fp:1}:x","lane_id":1}"#.to_vec()),
        (1usize..100_000).prop_map(|n| "[".repeat(n).into_bytes()),
        (1usize..50).prop_map(|n| format!("{}1{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..200),
        proptest::collection::vec(0x80u8..=0xff, 1..20),
        "[ -~]{0,100}".prop_map(String::into_bytes),
    ]
}

/// One generated command line.
#[derive(Debug, Clone)]
struct Case {
    command: usize,
    /// (flag index, value) pairs; a flag may repeat or be missing.
    flags: Vec<(usize, String)>,
    timeout: Option<String>,
    /// `--body`: from a file or from standard input.
    body: Option<(bool, Vec<u8>)>,
    url: Option<String>,
    output: Option<String>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..COMMANDS.len(),
        proptest::collection::vec((0usize..9, value()), 0..4),
        proptest::option::weighted(0.5, duration()),
        proptest::option::weighted(0.3, (any::<bool>(), body())),
        proptest::option::weighted(
            0.1,
            proptest::sample::select(vec!["", "ftp://x", "http://[::1", "127.0.0.1", "http://"])
                .prop_map(str::to_owned),
        ),
        proptest::option::weighted(
            0.2,
            proptest::sample::select(vec!["json", "human", "yaml", ""]).prop_map(str::to_owned),
        ),
    )
        .prop_map(|(command, flags, timeout, body, url, output)| Case {
            command,
            flags,
            timeout,
            body,
            url,
            output,
        })
}

/// The longest a run may take: the binary's own `--timeout` is bounded
/// by the test's use of a server that answers at once.
const WALL: Duration = Duration::from_secs(20);

fn run(
    case: &Case,
    server: &ScriptedServer,
    dir: &std::path::Path,
    n: usize,
) -> Result<(), String> {
    let (command, flags) = COMMANDS[case.command];
    let mut values: Vec<(String, String)> = flags
        .iter()
        .map(|(f, v)| ((*f).to_owned(), (*v).to_owned()))
        .collect();
    for (i, (flag, value)) in case.flags.iter().enumerate() {
        if values.is_empty() {
            break;
        }
        let at = flag % values.len();
        if i % 4 == 3 {
            // Now and then a flag given twice.
            values.push((values[at].0.clone(), value.clone()));
        } else {
            values[at].1 = value.clone();
        }
    }
    let mut args: Vec<String> = vec![command.to_owned()];
    for (flag, value) in values {
        args.push(flag);
        args.push(value);
    }
    if let Some(timeout) = &case.timeout {
        args.push("--timeout".into());
        args.push(timeout.clone());
    }
    if let Some(output) = &case.output {
        args.push("--output".into());
        args.push(output.clone());
    }
    let own_url = case.url.is_none();
    // Each case under its own path prefix, so that a request a previous
    // run sent just before it gave up is not counted here.
    let prefix = format!("/case{n}/");
    let own = format!("{}{}", server.url(), prefix.trim_end_matches('/'));
    let mut cli = Cli::new(case.url.as_deref().unwrap_or(&own)).args(&args);
    if let Some((from_file, bytes)) = &case.body {
        if *from_file {
            let path = dir.join(format!("body-{n}"));
            std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
            cli = cli.args(["--body".as_ref(), path.as_os_str()]);
        } else {
            // Standard input is text in the harness; invalid UTF-8 goes
            // through the file.
            cli = cli
                .args(["--body", "-"])
                .stdin(&String::from_utf8_lossy(bytes));
        }
    }
    let started = Instant::now();
    let mut child = cli.spawn();
    // A watchdog: a hung run fails the case rather than the suite.
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if started.elapsed() > WALL {
            let _ = child.kill();
            return Err(format!("still running after {WALL:?}: {args:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let run = finish(child);
    let sent = server
        .requests()
        .iter()
        .filter(|line| line.contains(&prefix))
        .count();
    if !(0..=4).contains(&run.code) {
        return Err(format!("exit code {}: {run:#?}", run.code));
    }
    if run.stderr.contains("panicked") {
        return Err(format!("a panic: {run:#?}"));
    }
    // A server or transport error is one line; a usage error is clap's
    // message (with its usage lines), never empty.
    let line = run.stderr.strip_suffix('\n').unwrap_or(&run.stderr);
    if matches!(run.code, 1 | 3) && (line.is_empty() || line.contains('\n')) {
        return Err(format!("stderr is not one line: {run:#?}"));
    }
    if run.code == 2 && line.trim().is_empty() {
        return Err(format!("a usage error without a message: {run:#?}"));
    }
    if run.code == 2 && own_url && sent != 0 {
        return Err(format!(
            "usage error after sending {sent} request(s): {run:#?}"
        ));
    }
    Ok(())
}

#[test]
fn generated_command_lines_end_in_documented_exit_codes() {
    let cases = std::env::var("FF_ADMIN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt.block_on(ScriptedServer::start(vec![Reply::Send(answer(
        503,
        &[],
        r#"{"error":"fuzz","retryable":false}"#,
    ))]));
    let dir = std::env::temp_dir().join(format!("ff-admin-cli-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 100,
        ..Config::default()
    });
    let counter = std::cell::Cell::new(0usize);
    let started = Instant::now();
    let result = runner.run(&case(), |case| {
        counter.set(counter.get() + 1);
        run(&case, &server, &dir, counter.get()).map_err(TestCaseError::fail)
    });
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "cli fuzz: {cases} cases ({} runs) in {:.1} s, {} requests reached the server",
        counter.get(),
        started.elapsed().as_secs_f64(),
        server.requests().len()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
