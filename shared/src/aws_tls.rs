//! The HTTPS client of the AWS SDK clients, and the roots it trusts.
//!
//! AWS serves DynamoDB, Secrets Manager and every other endpoint we call with certificates of
//! Amazon Trust Services, so the SDK clients trust exactly those roots (compiled in, five
//! certificates) instead of the system's ~140. Parsing the system bundle was the largest cost
//! of a cold start after aws-lc's jitter entropy (~3 ms of CPU, docs/benchmarks.md), and no
//! other CA can then vouch for an AWS endpoint. `AWS_CA_BUNDLE` (the AWS SDKs' own setting)
//! replaces them with a bundle of one's own, for a TLS endpoint in front of a local stand-in.
//! Decision: docs/decisions/0028.

use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// Amazon Root CA 1–4 and Starfield Services Root CA G2 (the cross-signing root of the same
/// family), as published in Mozilla's root program; their SHA-256 fingerprints are in the
/// file.
const AMAZON_ROOTS: &str = include_str!("aws_tls/amazon-roots.pem");

/// A CA bundle that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The file could not be read.
    #[error("AWS_CA_BUNDLE {path} cannot be read: {reason}")]
    Unreadable {
        /// The path given.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file holds no certificate, or a malformed one.
    #[error("AWS_CA_BUNDLE {path} holds no valid PEM certificate")]
    NoCertificate {
        /// The path given.
        path: String,
    },
    /// The SDK refused the trust store.
    #[error("the TLS settings were refused: {0}")]
    Rejected(String),
}

/// The roots the SDK clients trust: the file at `bundle` if given, else Amazon's.
pub fn trusted_roots(bundle: Option<&str>) -> Result<Vec<u8>, BundleError> {
    let Some(path) = bundle else {
        return Ok(AMAZON_ROOTS.as_bytes().to_vec());
    };
    let pem = std::fs::read(path).map_err(|e| BundleError::Unreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    // The SDK parses the bundle again when it first connects and panics on a bad one:
    // checking it here turns that into a failed init with the variable's name.
    let certificates: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&pem).collect();
    match certificates {
        Ok(found) if !found.is_empty() => Ok(pem),
        _ => Err(BundleError::NoCertificate {
            path: path.to_owned(),
        }),
    }
}

/// The SDK's HTTPS client (rustls on aws-lc, as the SDK's default) trusting only `roots`.
pub fn http_client(roots: Vec<u8>) -> Result<SharedHttpClient, BundleError> {
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(roots);
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| BundleError::Rejected(e.to_string()))?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_roots_are_the_five_amazon_trust_services_certificates() {
        let roots = trusted_roots(None).unwrap_or_default();
        let parsed: Vec<_> = CertificateDer::pem_slice_iter(&roots)
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        assert_eq!(parsed.len(), 5);
    }

    #[test]
    fn a_bundle_that_holds_no_certificate_is_refused_by_name() {
        let path = std::env::temp_dir().join(format!("not-a-bundle-{}.pem", std::process::id()));
        assert!(std::fs::write(&path, "not a certificate\n").is_ok());
        let refused = trusted_roots(path.to_str());
        let _ = std::fs::remove_file(&path);
        assert!(matches!(refused, Err(BundleError::NoCertificate { .. })));
    }

    #[test]
    fn a_missing_bundle_is_refused_by_name() {
        let refused = trusted_roots(Some("/nonexistent/therabot-ca.pem"));
        assert!(matches!(refused, Err(BundleError::Unreadable { .. })));
    }

    #[test]
    fn a_bundle_of_ones_own_replaces_the_amazon_roots() {
        let path = std::env::temp_dir().join(format!("own-bundle-{}.pem", std::process::id()));
        let own = AMAZON_ROOTS
            .split("# C = US, O = Amazon, CN = Amazon Root CA 2")
            .next();
        assert!(std::fs::write(&path, own.unwrap_or_default()).is_ok());
        let roots = trusted_roots(path.to_str()).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        let parsed: Vec<_> = CertificateDer::pem_slice_iter(&roots)
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        assert_eq!(parsed.len(), 1);
    }
}
