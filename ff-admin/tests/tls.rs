//! A real TLS handshake through the TLS implementation this build's
//! features pick (`rustls` with ring by default; run with
//! `--no-default-features --features rustls-aws-lc` or `--features
//! native-tls` for the others): a local HTTPS server whose certificate a CA
//! made at test time (rcgen) signed, reached with and without that CA.

#![cfg(any(feature = "rustls", feature = "rustls-aws-lc", feature = "native-tls"))]

use std::sync::{Arc, Mutex};

use ff_admin::{FlowFabricAdminClient, SdkError};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::rustls;

/// The implementation under test, for failure messages.
const BACKEND: &str = if cfg!(feature = "native-tls") {
    "native-tls"
} else if cfg!(feature = "rustls-aws-lc") {
    "rustls with aws-lc-rs"
} else {
    "rustls with ring"
};

/// A CA certificate (PEM) and a server certificate for `127.0.0.1` and
/// `localhost` that it signed (DER, with its private key).
struct Certificates {
    ca_pem: String,
    server_der: rustls::pki_types::CertificateDer<'static>,
    server_key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn certificates(ca_name: &str) -> Certificates {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_name);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
        .unwrap();

    let server_key = rcgen::KeyPair::generate().unwrap();
    let mut server_params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    server_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ff-admin tls test server");
    let server = server_params.signed_by(&server_key, &ca).unwrap();
    Certificates {
        ca_pem: ca.pem(),
        server_der: server.der().clone(),
        server_key: rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
    }
}

/// What the server saw: the request line of each request, or why a
/// handshake failed.
type Seen = Arc<Mutex<Vec<String>>>;

/// Serves HTTPS on a free local port with `certs`' server certificate:
/// every request gets `200 {"status":"ok"}` and the connection is closed.
async fn serve(certs: &Certificates) -> (u16, Seen) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certs.server_der.clone()], certs.server_key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Seen::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let mut tls = match acceptor.accept(tcp).await {
                    Ok(tls) => tls,
                    Err(e) => {
                        log.lock().unwrap().push(format!("handshake failed: {e}"));
                        return;
                    }
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                log.lock()
                    .unwrap()
                    .push(text.lines().next().unwrap_or_default().to_owned());
                let body = r#"{"status":"ok"}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, seen)
}

/// The error and every source under it, one per line.
fn chain(error: &SdkError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        text.push('\n');
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[tokio::test]
async fn a_server_certificate_signed_by_a_trusted_root_completes_the_handshake() {
    let certs = certificates("ff-admin test CA");
    let (port, seen) = serve(&certs).await;
    let client = FlowFabricAdminClient::builder(format!("https://127.0.0.1:{port}"))
        .add_root_certificate_pem(&certs.ca_pem)
        .build()
        .unwrap();
    if let Err(e) = client.healthz().await {
        panic!("{BACKEND}: healthz over TLS failed: {}", chain(&e));
    }
    assert_eq!(
        *seen.lock().unwrap(),
        ["GET /healthz HTTP/1.1"],
        "{BACKEND}"
    );
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_root_fails_the_call_with_an_http_error() {
    let certs = certificates("ff-admin test CA");
    let other = certificates("another CA");
    let (port, seen) = serve(&certs).await;
    let client = FlowFabricAdminClient::builder(format!("https://127.0.0.1:{port}"))
        .add_root_certificate_pem(&other.ca_pem)
        .build()
        .unwrap();
    let error = client.healthz().await.unwrap_err();
    let text = chain(&error);
    match &error {
        SdkError::Http { source, context } => {
            assert!(source.is_connect(), "{BACKEND}: {text}");
            assert!(context.contains("healthz"), "{BACKEND}: {text}");
        }
        other => panic!("{BACKEND}: expected SdkError::Http, got {other:?}"),
    }
    // The implementation's own words, which also show which one ran.
    let reason = if cfg!(feature = "native-tls") {
        "certificate verify failed"
    } else {
        "invalid peer certificate: UnknownIssuer"
    };
    assert!(
        text.contains(reason),
        "{BACKEND}: the error should say the certificate is the problem ({reason}): {text}"
    );
    // The server saw no request: the client ended the handshake.
    for entry in seen.lock().unwrap().iter() {
        assert!(entry.starts_with("handshake failed"), "{BACKEND}: {entry}");
    }
}

#[tokio::test]
async fn the_operating_system_roots_alone_do_not_trust_a_test_ca() {
    let certs = certificates("ff-admin test CA");
    let (port, _seen) = serve(&certs).await;
    // Built without a process-wide provider: no panic, and the call fails
    // on the certificate, not on the set-up.
    let http = ff_admin::http_client_builder().unwrap().build().unwrap();
    let client = FlowFabricAdminClient::builder(format!("https://localhost:{port}"))
        .http_client(http)
        .build()
        .unwrap();
    let error = client.healthz().await.unwrap_err();
    assert!(
        matches!(&error, SdkError::Http { source, .. } if source.is_connect()),
        "{BACKEND}: {}",
        chain(&error)
    );
}

#[test]
fn no_process_wide_crypto_provider_is_installed() {
    let _client = FlowFabricAdminClient::builder("https://127.0.0.1:1")
        .build()
        .unwrap();
    let _builder = ff_admin::http_client_builder().unwrap();
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "{BACKEND}: building a client installed a default rustls provider"
    );
}

#[test]
fn a_root_certificate_that_is_not_pem_is_a_config_error() {
    for pem in [
        "",
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\n%%%\n",
    ] {
        let error = FlowFabricAdminClient::builder("https://127.0.0.1:1")
            .add_root_certificate_pem(pem)
            .build()
            .unwrap_err();
        match error {
            SdkError::Config { field, .. } => {
                assert_eq!(
                    field.as_deref(),
                    Some("root_certificate"),
                    "{BACKEND}: {pem:?}"
                )
            }
            other => panic!("{BACKEND}: {pem:?}: expected SdkError::Config, got {other:?}"),
        }
    }
}

#[test]
fn extra_roots_cannot_be_combined_with_a_callers_client() {
    let certs = certificates("ff-admin test CA");
    let error = FlowFabricAdminClient::builder("https://127.0.0.1:1")
        .http_client(reqwest_client())
        .add_root_certificate_pem(&certs.ca_pem)
        .build()
        .unwrap_err();
    match error {
        SdkError::Config { field, message, .. } => {
            assert_eq!(field.as_deref(), Some("http_client"));
            assert!(message.contains("add_root_certificate_pem"), "{message}");
        }
        other => panic!("expected SdkError::Config, got {other:?}"),
    }
}

fn reqwest_client() -> reqwest::Client {
    ff_admin::http_client_builder().unwrap().build().unwrap()
}
