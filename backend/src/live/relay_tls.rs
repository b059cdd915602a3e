//! The live relay's connection to PostgreSQL, with TLS chosen as libpq chooses it for the rest of
//! the server (the same `--database-url`): `sslmode=disable` plain; `prefer` (the default) and
//! `allow` encrypted when the server offers it, without checking its certificate; `require`
//! encrypted, unchecked; `verify-ca` and `verify-full` encrypted and checked against
//! `sslrootcert` (a PEM file) or else the web's public roots, host name included for both.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, Config, Connection, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The stream type of the listener's connection.
pub type Stream = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream;

/// How the listener encrypts, read from the database URL's libpq settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    /// `sslmode=disable`.
    Off,
    /// `allow`, `prefer` (libpq's default) and `require`: encrypted, the certificate unchecked,
    /// as libpq does; `required` refuses a server without TLS.
    Unchecked { required: bool },
    /// `verify-ca`, `verify-full`: checked against these roots (`sslrootcert`), or the public
    /// web roots when none is named.
    Checked { root_file: Option<String> },
}

/// Split the libpq TLS settings off `url` (tokio-postgres knows only some of them) and give the
/// rest to tokio-postgres.
pub fn read(url: &str) -> anyhow::Result<(Config, Encryption)> {
    let mut parsed = url::Url::parse(url)
        .map_err(|error| anyhow::anyhow!("the PostgreSQL URL does not parse: {error}"))?;
    let mut mode = None;
    let mut root_file = None;
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(key, value)| match &*key {
            "sslmode" => {
                mode = Some(value.into_owned());
                None
            }
            "sslrootcert" => {
                root_file = Some(value.into_owned());
                None
            }
            _ => Some((key.into_owned(), value.into_owned())),
        })
        .collect();
    parsed.set_query(None);
    if !kept.is_empty() {
        parsed.query_pairs_mut().extend_pairs(kept);
    }
    let encryption = match mode.as_deref().unwrap_or("prefer") {
        "disable" => Encryption::Off,
        "allow" | "prefer" => Encryption::Unchecked { required: false },
        "require" => Encryption::Unchecked { required: true },
        "verify-ca" | "verify-full" => Encryption::Checked { root_file },
        other => anyhow::bail!("the PostgreSQL URL's sslmode={other} is not one libpq knows"),
    };
    let mut config: Config = parsed
        .as_str()
        .parse()
        .map_err(|error| anyhow::anyhow!("the PostgreSQL URL does not parse: {error}"))?;
    config.ssl_mode(match encryption {
        Encryption::Off => SslMode::Disable,
        Encryption::Unchecked { required: false } => SslMode::Prefer,
        Encryption::Unchecked { required: true } | Encryption::Checked { .. } => SslMode::Require,
    });
    Ok((config, encryption))
}

/// The rustls connector for `encryption`.
pub fn connector(encryption: &Encryption) -> anyhow::Result<MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let config = match encryption {
        Encryption::Off | Encryption::Unchecked { .. } => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth(),
        Encryption::Checked { root_file } => {
            let mut roots = RootCertStore::empty();
            match root_file {
                Some(file) => {
                    for certificate in CertificateDer::pem_file_iter(file).map_err(|error| {
                        anyhow::anyhow!("sslrootcert {file} cannot be read: {error}")
                    })? {
                        roots.add(certificate.map_err(|error| {
                            anyhow::anyhow!("sslrootcert {file} cannot be read: {error}")
                        })?)?;
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    Ok(MakeRustlsConnect::new(config))
}

/// Connect the listener.
pub async fn connect(
    config: &Config,
    connector: &MakeRustlsConnect,
) -> Result<(Client, Connection<Socket, Stream>), tokio_postgres::Error> {
    config.connect(connector.clone()).await
}

/// libpq's `prefer` and `require`: the connection is encrypted, the certificate taken as it
/// comes (signatures on the handshake are still checked).
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_tls_settings_are_read_off_the_url() {
        let cases = [
            (
                "postgres://u@db/app",
                Encryption::Unchecked { required: false },
            ),
            ("postgres://u@db/app?sslmode=disable", Encryption::Off),
            (
                "postgres://u@db/app?sslmode=require",
                Encryption::Unchecked { required: true },
            ),
            (
                "postgres://u@db/app?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=5",
                Encryption::Checked {
                    root_file: Some("/etc/ca.pem".into()),
                },
            ),
        ];
        for (url, expected) in cases {
            let (config, encryption) = read(url).expect(url);
            assert_eq!(encryption, expected, "{url}");
            assert_eq!(config.get_dbname(), Some("app"), "{url}");
        }
        let (config, _) =
            read("postgres://u@db/app?sslmode=verify-ca&connect_timeout=5").expect("verify-ca");
        assert_eq!(config.get_ssl_mode(), SslMode::Require);
        assert_eq!(
            config.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(5)),
            "other settings are kept"
        );
        assert!(read("postgres://u@db/app?sslmode=sometimes").is_err());
    }
}
