//! The few S3 and Cognito calls the account needs, as SigV4-signed HTTP requests (AWS's own
//! `aws-sigv4` signs them; the function's credentials come from the SDK's provider chain).
//!
//! Why not `aws-sdk-s3` and `aws-sdk-cognitoidentityprovider`: together they would be most of
//! this function's build time and zip for six operations (decision 0024). The calls are
//! plain: S3's REST `PUT`/`DELETE`/`GET ?list-type=2` and a presigned `GET`; Cognito's JSON
//! protocol (`X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`).

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use therabot_shared::outbound::OutboundHttp;

/// How long one S3 or Cognito call may take (an export's upload included).
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// What can go wrong calling S3 or Cognito.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// No credentials, or a request that could not be signed.
    #[error("could not sign the request: {0}")]
    Signing(String),
    /// The network, or a timeout.
    #[error("the call failed: {0}")]
    Transport(String),
    /// The service answered with an error (its code only: messages may echo input).
    #[error("{service} answered {status} {code}")]
    Service {
        /// `s3` or `cognito-idp`.
        service: &'static str,
        /// The HTTP status.
        status: u16,
        /// The error code (`NoSuchKey`, `UserNotFoundException`…).
        code: String,
    },
}

impl AwsError {
    /// The service's error code, if it answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Signs and sends requests to S3 and Cognito with the function's credentials.
#[derive(Clone)]
pub struct AwsHttp {
    sdk: aws_types::SdkConfig,
    /// The function's shared client, built on first use (not at cold start).
    http: OutboundHttp,
    /// With `AWS_ENDPOINT_URL` (local runs), every service is there and S3 is path-style.
    endpoint: Option<String>,
}

impl std::fmt::Debug for AwsHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsHttp")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl AwsHttp {
    /// A client signing with `sdk`'s credentials and region, sending through `http`.
    pub fn new(sdk: aws_types::SdkConfig, http: OutboundHttp, endpoint: Option<String>) -> Self {
        Self {
            sdk,
            http,
            endpoint: endpoint.map(|e| e.trim_end_matches('/').to_owned()),
        }
    }

    fn region(&self) -> String {
        self.sdk
            .region()
            .map_or_else(|| "us-east-1".to_owned(), ToString::to_string)
    }

    async fn identity(&self) -> Result<Identity, AwsError> {
        let provider = self
            .sdk
            .credentials_provider()
            .ok_or_else(|| AwsError::Signing("no credentials provider".into()))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| AwsError::Signing(e.to_string()))?;
        Ok(credentials.into())
    }

    /// The URL of `key` in `bucket` (virtual-hosted in AWS, path-style locally), each
    /// segment of the key percent-encoded once.
    pub fn object_url(&self, bucket: &str, key: &str) -> String {
        let key: Vec<String> = key.split('/').map(encode).collect();
        let key = key.join("/");
        match &self.endpoint {
            Some(endpoint) => format!("{endpoint}/{bucket}/{key}"),
            None => format!("https://{bucket}.s3.{}.amazonaws.com/{key}", self.region()),
        }
    }

    fn bucket_url(&self, bucket: &str) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("{endpoint}/{bucket}"),
            None => format!("https://{bucket}.s3.{}.amazonaws.com", self.region()),
        }
    }

    fn cognito_url(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!("https://cognito-idp.{}.amazonaws.com", self.region()),
        }
    }

    /// Signs `method url` with `headers` and `body` for `service`; the headers to send.
    async fn signed_headers(
        &self,
        service: &'static str,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, AwsError> {
        let identity = self.identity().await?;
        let mut settings = SigningSettings::default();
        if service == "s3" {
            settings = s3_settings();
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let region = self.region();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name(service)
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| AwsError::Signing(e.to_string()))?
            .into();
        let request = SignableRequest::new(
            method,
            url,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| AwsError::Signing(e.to_string()))?;
        let (instructions, _) = sign(request, &params)
            .map_err(|e| AwsError::Signing(e.to_string()))?
            .into_parts();
        let (signed, _) = instructions.into_parts();
        Ok(signed
            .into_iter()
            .map(|h| (h.name().to_owned(), h.value().to_owned()))
            .collect())
    }

    async fn send(
        &self,
        service: &'static str,
        method: reqwest::Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Vec<u8>, AwsError> {
        let signed = self
            .signed_headers(service, method.as_str(), url, headers, &body)
            .await?;
        let client = self.http.get().map_err(AwsError::Transport)?;
        let mut request = client.request(method, url).timeout(CALL_TIMEOUT);
        for (name, value) in headers.iter().copied() {
            request = request.header(name, value);
        }
        for (name, value) in &signed {
            request = request.header(name, value);
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| AwsError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| AwsError::Transport(e.without_url().to_string()))?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        Err(AwsError::Service {
            service,
            status: status.as_u16(),
            code: error_code(&bytes),
        })
    }

    /// Stores `body` at `key` (S3 `PutObject`; the bucket's default encryption applies).
    pub async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<(), AwsError> {
        let url = self.object_url(bucket, key);
        let headers = [("content-type", content_type)];
        self.send("s3", reqwest::Method::PUT, &url, &headers, body)
            .await
            .map(|_| ())
    }

    /// Creates `bucket` (S3 `CreateBucket`; the local stand-in's, in the default region).
    pub async fn create_bucket(&self, bucket: &str) -> Result<(), AwsError> {
        let url = self.bucket_url(bucket);
        match self
            .send("s3", reqwest::Method::PUT, &url, &[], Vec::new())
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if error.code() == Some("BucketAlreadyOwnedByYou") => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Deletes `key` (S3 `DeleteObject`; deleting a missing key succeeds).
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), AwsError> {
        let url = self.object_url(bucket, key);
        self.send("s3", reqwest::Method::DELETE, &url, &[], Vec::new())
            .await
            .map(|_| ())
    }

    /// Every key under `prefix` (S3 `ListObjectsV2`, all pages).
    pub async fn list_keys(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, AwsError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = format!("list-type=2&prefix={}", encode(prefix));
            if let Some(token) = &token {
                query.push_str(&format!("&continuation-token={}", encode(token)));
            }
            let url = format!("{}?{query}", self.bucket_url(bucket));
            let body = self
                .send("s3", reqwest::Method::GET, &url, &[], Vec::new())
                .await?;
            let text = String::from_utf8_lossy(&body);
            keys.extend(xml_values(&text, "Key"));
            token = xml_values(&text, "NextContinuationToken")
                .into_iter()
                .next();
            if token.is_none() {
                return Ok(keys);
            }
        }
    }

    /// A URL that GETs `key` for `valid_for` without credentials (S3 presigning).
    pub async fn presigned_get(
        &self,
        bucket: &str,
        key: &str,
        valid_for: Duration,
    ) -> Result<String, AwsError> {
        let identity = self.identity().await?;
        let mut settings = s3_settings();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(valid_for);
        let region = self.region();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| AwsError::Signing(e.to_string()))?
            .into();
        let url = self.object_url(bucket, key);
        let request = SignableRequest::new(
            "GET",
            url.as_str(),
            std::iter::empty(),
            SignableBody::UnsignedPayload,
        )
        .map_err(|e| AwsError::Signing(e.to_string()))?;
        let (instructions, _) = sign(request, &params)
            .map_err(|e| AwsError::Signing(e.to_string()))?
            .into_parts();
        let (_, query) = instructions.into_parts();
        let query: Vec<String> = query
            .iter()
            .map(|(name, value)| format!("{name}={}", encode(value)))
            .collect();
        Ok(format!("{url}?{}", query.join("&")))
    }

    /// Calls a Cognito user-pool operation (JSON protocol) with `body`; its JSON answer.
    pub async fn cognito(
        &self,
        operation: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        let target = format!("AWSCognitoIdentityProviderService.{operation}");
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target.as_str()),
        ];
        let bytes = serde_json::to_vec(body).map_err(|e| AwsError::Signing(e.to_string()))?;
        let url = self.cognito_url();
        let answer = self
            .send("cognito-idp", reqwest::Method::POST, &url, &headers, bytes)
            .await?;
        if answer.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&answer).map_err(|e| AwsError::Transport(e.to_string()))
    }
}

/// S3 signs the path as sent: encoded once, never normalised (a key may hold `//` or `.`).
fn s3_settings() -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings
}

/// Percent-encodes a query value or a path segment as SigV4 canonicalises it (RFC 3986
/// unreserved characters kept).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The texts of every `<tag>…</tag>` in `xml` (S3's answers hold our own keys and tokens,
/// which need no entity decoding beyond the five XML escapes).
fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut values = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        values.push(
            after[..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[end + close.len()..];
    }
    values
}

/// The error code of a failed answer: S3's `<Code>`, Cognito's `__type`.
fn error_code(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if let Some(code) = xml_values(&text, "Code").into_iter().next() {
        return code;
    }
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("__type").and_then(|t| t.as_str()).map(str::to_owned))
        .map(|t| t.rsplit('#').next().unwrap_or_default().to_owned())
        .unwrap_or_else(|| "Unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_and_cognito_error_codes_are_read_without_their_messages() {
        assert_eq!(
            error_code(b"<Error><Code>NoSuchBucket</Code><Message>x</Message></Error>"),
            "NoSuchBucket"
        );
        assert_eq!(
            error_code(br#"{"__type":"com.amazon#UserNotFoundException","message":"x"}"#),
            "UserNotFoundException"
        );
        assert_eq!(error_code(b"garbage"), "Unknown");
    }

    #[test]
    fn listed_keys_and_tokens_are_read_from_s3s_xml() {
        let xml = "<ListBucketResult><Contents><Key>exports/a/1.json</Key></Contents>\
                   <Contents><Key>exports/a/2&amp;.json</Key></Contents>\
                   <NextContinuationToken>t0k</NextContinuationToken></ListBucketResult>";
        assert_eq!(
            xml_values(xml, "Key"),
            ["exports/a/1.json", "exports/a/2&.json"]
        );
        assert_eq!(xml_values(xml, "NextContinuationToken"), ["t0k"]);
        assert_eq!(encode("a/b c~"), "a%2Fb%20c~");
    }
}
