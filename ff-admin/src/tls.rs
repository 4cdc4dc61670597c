//! The TLS implementation and root certificates of the HTTP client this
//! crate builds.
//!
//! The crate's features pick the implementation: `native-tls` (the
//! platform's library through reqwest) wins, then `rustls-aws-lc` (rustls
//! with the aws-lc-rs provider), then `rustls` (rustls with ring, the
//! default). With none of them, reqwest is left as the application's own
//! reqwest features make it.
//!
//! A rustls client gets a `rustls::ClientConfig` built here with the chosen
//! provider, handed to reqwest as a preconfigured backend: the process-wide
//! default provider is neither read nor installed, so an application that
//! installs its own keeps it, and one that installs none gets no panic.
//! Roots are the operating system's (rustls-platform-verifier, which reqwest
//! itself uses) plus those given to
//! [`add_root_certificate_pem`](crate::FlowFabricAdminClientBuilder::add_root_certificate_pem).

use crate::SdkError;

#[cfg(any(feature = "native-tls", feature = "rustls", feature = "rustls-aws-lc"))]
const CONTEXT: &str = "admin_client";

/// `reqwest::Client::builder()` with this crate's TLS set up: the
/// implementation its features choose and the operating system's root
/// certificates. For building a `reqwest::Client` of your own to give to
/// [`FlowFabricAdminClientBuilder::http_client`](crate::FlowFabricAdminClientBuilder::http_client).
///
/// With the `rustls` or `rustls-aws-lc` feature, ff-admin turns on
/// reqwest's `rustls-no-provider`: reqwest then has no crypto provider of
/// its own, and `reqwest::Client::new()` panics unless the application
/// enables reqwest's `rustls` feature or installs a process-wide rustls
/// provider. A client built from this builder needs neither.
///
/// # Errors
///
/// [`SdkError::Config`] with `field: Some("tls")` when the TLS set-up
/// fails, for example when the operating system has no root certificates.
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, SdkError> {
    configure(reqwest::Client::builder(), &[])
}

/// `builder` with this crate's TLS, trusting the certificates of every PEM
/// text in `extra_roots` besides the operating system's roots.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, SdkError> {
    #[cfg(feature = "native-tls")]
    return native(builder, extra_roots);

    #[cfg(all(
        not(feature = "native-tls"),
        any(feature = "rustls", feature = "rustls-aws-lc")
    ))]
    return {
        #[cfg(feature = "rustls-aws-lc")]
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        #[cfg(not(feature = "rustls-aws-lc"))]
        let provider = rustls::crypto::ring::default_provider();
        let config = rustls_config(provider, rustls_roots(extra_roots)?)?;
        Ok(builder.tls_backend_preconfigured(config))
    };

    #[cfg(not(any(feature = "native-tls", feature = "rustls", feature = "rustls-aws-lc")))]
    {
        debug_assert!(
            extra_roots.is_empty(),
            "roots are only taken with a TLS feature"
        );
        Ok(builder)
    }
}

/// The error for a root certificate that cannot be read.
#[cfg(any(feature = "native-tls", feature = "rustls", feature = "rustls-aws-lc"))]
fn bad_root(why: impl std::fmt::Display) -> SdkError {
    SdkError::config(
        CONTEXT,
        Some("root_certificate"),
        format!("not a PEM certificate: {why}"),
    )
}

/// reqwest's native-tls backend with the extra roots added.
#[cfg(feature = "native-tls")]
fn native(
    builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, SdkError> {
    let mut builder = builder.tls_backend_native();
    for pem in extra_roots {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(bad_root)?;
        if certs.is_empty() {
            return Err(bad_root("no CERTIFICATE block"));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    Ok(builder)
}

/// Every certificate of every PEM text, in DER.
#[cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls", feature = "rustls-aws-lc")
))]
fn rustls_roots(
    extra_roots: &[Vec<u8>],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, SdkError> {
    use rustls::pki_types::{pem::PemObject as _, CertificateDer};
    let mut roots = Vec::new();
    for pem in extra_roots {
        let before = roots.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            roots.push(cert.map_err(bad_root)?);
        }
        if roots.len() == before {
            return Err(bad_root("no CERTIFICATE block"));
        }
    }
    Ok(roots)
}

/// A client configuration with `provider`, verifying servers against the
/// operating system's roots and `extra_roots`.
#[cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls", feature = "rustls-aws-lc")
))]
fn rustls_config(
    provider: rustls::crypto::CryptoProvider,
    extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, SdkError> {
    use std::sync::Arc;

    let setup = |e: rustls::Error| {
        SdkError::config(CONTEXT, Some("tls"), format!("cannot set up rustls: {e}"))
    };
    let provider = Arc::new(provider);
    #[cfg(not(target_os = "android"))]
    let verifier = if extra_roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
    }
    .map_err(setup)?;
    #[cfg(target_os = "android")]
    let verifier = if extra_roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone()).map_err(setup)?
    } else {
        return Err(SdkError::config(
            CONTEXT,
            Some("root_certificate"),
            "extra root certificates are not supported on Android",
        ));
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(setup)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}
