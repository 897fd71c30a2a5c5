//! quinn-proto's crypto configuration traits over tls13's client and
//! server configurations.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quinn_proto::crypto::{self, Keys, UnsupportedVersion};
use quinn_proto::transport_parameters::TransportParameters;
use quinn_proto::{ConnectError, ConnectionId};
use tls13::crypto::CryptoProvider;
use tls13::crypto::suites::SuiteParams;
use tls13::quic::{self, Suite};

use crate::early_context::CONTEXT_TAG;
use crate::session::{self, Session, Settings};

/// A tls13 [`ClientConfig`](tls13::ClientConfig) as quinn's client
/// crypto configuration.
///
/// One value serves every connection: sessions (tickets) are kept in the
/// tls13 configuration's session store, so a later connection to the
/// same server resumes, with 0-RTT when the configuration enables early
/// data ([`ClientConfigBuilder::enable_early_data`](tls13::config::ClientConfigBuilder::enable_early_data))
/// and the server allowed it.
///
/// Decisions that tls13 lets an application defer (a verifier or a
/// signer answering [`Decision::Deferred`](tls13::Decision)) cannot be
/// answered here: quinn drives the handshake synchronously, without a
/// way back to the application. A deferral fails the connection with
/// CRYPTO_ERROR internal_error (0x150) and a reason that says so; use
/// verifiers and signers that answer at once.
pub struct QuicClientConfig {
    tls: Arc<tls13::ClientConfig>,
    max_packets_per_key: Option<u64>,
    key_updates: Arc<AtomicU64>,
}

impl QuicClientConfig {
    /// Wraps `tls`. Refused (`Error::BadConfig`): a configuration
    /// without ALPN protocols (RFC 9001 §8.1: QUIC requires ALPN), and a
    /// provider without AES-128-GCM or the header protection of a
    /// configured suite (§5).
    pub fn new(tls: impl Into<Arc<tls13::ClientConfig>>) -> Result<Self, tls13::Error> {
        let tls = tls.into();
        check(tls.provider(), tls.suites(), tls.alpn_protocols())?;
        Ok(Self {
            tls,
            max_packets_per_key: None,
            key_updates: Arc::default(),
        })
    }

    /// The tls13 configuration.
    pub fn tls_config(&self) -> &Arc<tls13::ClientConfig> {
        &self.tls
    }

    /// Seal at most `packets` 1-RTT packets with one key (capped at the
    /// AEAD's confidentiality limit, RFC 9001 §6.6). quinn updates keys
    /// 10 000 packets before that limit (its `KEY_UPDATE_MARGIN`), so
    /// `10_000 + n` gives a key update about every `n` packets: for
    /// exercising key updates; they cost a derivation each.
    pub fn with_confidentiality_limit(mut self, packets: u64) -> Self {
        self.max_packets_per_key = Some(packets);
        self
    }

    /// How many 1-RTT key pairs of a next key phase the connections of
    /// this configuration derived: quinn derives one ahead when the
    /// handshake completes, then one per key update (ours or the
    /// peer's, RFC 9001 §6).
    pub fn key_updates(&self) -> u64 {
        self.key_updates.load(Ordering::Relaxed)
    }

    fn settings(&self) -> Settings {
        Settings {
            provider: self.tls.provider(),
            max_packets_per_key: self.max_packets_per_key,
            key_updates: self.key_updates.clone(),
        }
    }
}

impl fmt::Debug for QuicClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuicClientConfig")
            .field("tls", &self.tls)
            .field("max_packets_per_key", &self.max_packets_per_key)
            .finish_non_exhaustive()
    }
}

impl crypto::ClientConfig for QuicClientConfig {
    /// A client session for `server_name` (a DNS name or an IP address)
    /// over QUIC `version` (only 1), sending `params`.
    ///
    /// quinn's [`ConnectError`] has no variant for a TLS failure to
    /// start; one (e.g. the random source failing) is reported as
    /// `InvalidServerName` with the name and the error.
    fn start_session(
        self: Arc<Self>,
        version: u32,
        server_name: &str,
        params: &TransportParameters,
    ) -> Result<Box<dyn crypto::Session>, ConnectError> {
        let version = session::version(version).ok_or(ConnectError::UnsupportedVersion)?;
        let mut encoded = Vec::new();
        params.write(&mut encoded);
        let conn = quic::ClientConnection::new(self.tls.clone(), server_name, version, encoded)
            .map_err(|e| ConnectError::InvalidServerName(format!("{server_name}: {e}")))?;
        Ok(Box::new(Session::client(conn, version, self.settings())))
    }
}

/// A tls13 [`ServerConfig`](tls13::ServerConfig) as quinn's server
/// crypto configuration.
///
/// # 0-RTT
///
/// 0-RTT needs tickets that allow it (the tls13 configuration's
/// [`max_early_data_size`](tls13::config::ServerConfigBuilder::max_early_data_size)
/// above 0, and a ticket producer with anti-replay, such as
/// [`session_tickets`](tls13::config::ServerConfigBuilder::session_tickets)).
/// It is then accepted only while what it depends on is the same as
/// when the ticket was issued (RFC 9001 §4.6.3): the tls13
/// configuration's own checks (ALPN, suite, ...), the server's transport
/// parameters as a client remembers them (every limit of quinn's
/// `TransportConfig`: change one and 0-RTT under older tickets is
/// refused, the connection goes on at 1-RTT), and the application's
/// early data context ([`with_early_data_context`](Self::with_early_data_context)).
///
/// Deferred decisions fail the connection, as on the client
/// ([`QuicClientConfig`]).
pub struct QuicServerConfig {
    tls: Arc<tls13::ServerConfig>,
    early_data_context: Vec<u8>,
    max_packets_per_key: Option<u64>,
    key_updates: Arc<AtomicU64>,
}

impl QuicServerConfig {
    /// Wraps `tls`, refused as [`QuicClientConfig::new`] refuses.
    pub fn new(tls: impl Into<Arc<tls13::ServerConfig>>) -> Result<Self, tls13::Error> {
        let tls = tls.into();
        check(tls.provider(), tls.suites(), tls.alpn_protocols())?;
        Ok(Self {
            tls,
            early_data_context: CONTEXT_TAG.to_vec(),
            max_packets_per_key: None,
            key_updates: Arc::default(),
        })
    }

    /// The tls13 configuration.
    pub fn tls_config(&self) -> &Arc<tls13::ServerConfig> {
        &self.tls
    }

    /// What else the application's 0-RTT depends on (RFC 9001 §4.6.3),
    /// e.g. its HTTP/3 SETTINGS: 0-RTT under a ticket is accepted only
    /// with the same context as the connection that issued it.
    pub fn with_early_data_context(mut self, context: &[u8]) -> Self {
        self.early_data_context = [CONTEXT_TAG, context].concat();
        self
    }

    /// As [`QuicClientConfig::with_confidentiality_limit`].
    pub fn with_confidentiality_limit(mut self, packets: u64) -> Self {
        self.max_packets_per_key = Some(packets);
        self
    }

    /// As [`QuicClientConfig::key_updates`].
    pub fn key_updates(&self) -> u64 {
        self.key_updates.load(Ordering::Relaxed)
    }

    fn settings(&self) -> Settings {
        Settings {
            provider: self.tls.provider(),
            max_packets_per_key: self.max_packets_per_key,
            key_updates: self.key_updates.clone(),
        }
    }
}

impl fmt::Debug for QuicServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuicServerConfig")
            .field("tls", &self.tls)
            .field("max_packets_per_key", &self.max_packets_per_key)
            .finish_non_exhaustive()
    }
}

impl crypto::ServerConfig for QuicServerConfig {
    fn initial_keys(
        &self,
        version: u32,
        dst_cid: &ConnectionId,
    ) -> Result<Keys, UnsupportedVersion> {
        let version = session::version(version).ok_or(UnsupportedVersion)?;
        Ok(session::initial_keys(
            self.tls.provider(),
            version,
            dst_cid,
            quinn_proto::Side::Server,
        ))
    }

    /// The Retry Integrity Tag (RFC 9001 §5.8). quinn takes no error
    /// here; on one (never for the connection IDs quinn passes) the tag
    /// is zeros and the client discards the Retry.
    fn retry_tag(&self, version: u32, orig_dst_cid: &ConnectionId, packet: &[u8]) -> [u8; 16] {
        let Some(version) = session::version(version) else {
            return [0; 16];
        };
        quic::retry_integrity_tag(self.tls.provider(), version, orig_dst_cid, packet)
            .unwrap_or_default()
    }

    fn start_session(
        self: Arc<Self>,
        version: u32,
        params: &TransportParameters,
    ) -> Box<dyn crypto::Session> {
        let settings = self.settings();
        // quinn calls this only for versions `initial_keys` took.
        let Some(version) = session::version(version) else {
            let reason = format!("QUIC version {version:#x} is not supported");
            return Box::new(Session::failed_server(reason, quic::Version::V1, settings));
        };
        let mut encoded = Vec::new();
        params.write(&mut encoded);
        // 0-RTT under our tickets is tied to the parameters a client
        // remembers (RFC 9000 §7.4.1): tls13 digests those of `encoded`
        // itself, leaving out connection IDs, the reset token and grease.
        match quic::ServerConnection::new(self.tls.clone(), version, encoded) {
            Ok(conn) => {
                let conn = conn.with_early_data_context(self.early_data_context.clone());
                Box::new(Session::server(conn, version, settings))
            }
            Err(e) => Box::new(Session::failed_server(
                format!("TLS could not start: {e}"),
                version,
                settings,
            )),
        }
    }
}

/// What a QUIC connection needs of a tls13 configuration, checked when
/// it is wrapped rather than at each connection: ALPN (RFC 9001 §8.1),
/// and packet protection for Initial packets and every suite (§5).
fn check(
    provider: &'static CryptoProvider,
    suites: &[SuiteParams],
    alpn: &[Vec<u8>],
) -> Result<(), tls13::Error> {
    if alpn.is_empty() {
        return Err(tls13::Error::BadConfig(
            "QUIC requires ALPN (RFC 9001 §8.1): set alpn_protocols on the tls13 configuration"
                .into(),
        ));
    }
    Suite::initial(provider)?;
    for suite in suites {
        Suite::from_tls(provider, *suite)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto::{ClientConfig as _, ServerConfig as _};
    use std::sync::Arc;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 9001 Appendix A.4: the server's tag and the client's check,
    /// through quinn's traits; any other tag or connection ID fails.
    #[test]
    fn retry_tag_of_rfc9001_a4() {
        use tls13::certgen::{self, KeyType, SubjectAltName};
        let rng = tls13::crypto::OsRandom;
        let key_der = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let names = [SubjectAltName::Dns("localhost".into())];
        let cert = certgen::self_signed(&names, &key_der, 0, 4_000_000_000, &rng).unwrap();
        let key = tls13::crypto::sign::SigningKey::from_der(&key_der).unwrap();
        let server = QuicServerConfig::new(
            tls13::ServerConfig::builder_with_single_cert(vec![cert.clone()], key)
                .alpn_protocols(&[b"h3"])
                .build()
                .unwrap(),
        )
        .unwrap();
        let odcid = ConnectionId::new(&hex("8394c8f03e515708"));
        let retry = hex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba");
        let (packet, tag) = retry.split_at(retry.len() - 16);
        assert_eq!(server.retry_tag(1, &odcid, packet), tag);

        let verifier = Arc::new(tls13::PinnedCertVerifier::new(cert));
        let client = Arc::new(
            QuicClientConfig::new(
                tls13::ClientConfig::builder(verifier)
                    .alpn_protocols(&[b"h3"])
                    .build()
                    .unwrap(),
            )
            .unwrap(),
        );
        let params = TransportParameters::read(quinn_proto::Side::Client, &mut &[][..]).unwrap();
        let session = client
            .clone()
            .start_session(1, "localhost", &params)
            .unwrap();
        let (header, payload) = retry.split_at(9);
        assert!(session.is_valid_retry(&odcid, header, payload));
        let mut damaged = retry.clone();
        *damaged.last_mut().unwrap() ^= 1;
        assert!(!session.is_valid_retry(&odcid, &damaged[..9], &damaged[9..]));
        let other = ConnectionId::new(&hex("8394c8f03e515709"));
        assert!(!session.is_valid_retry(&other, header, payload));
        assert!(!session.is_valid_retry(&odcid, &[], &retry[..15]));

        // Only QUIC version 1.
        assert!(server.initial_keys(0xff00_001d, &odcid).is_err());
        assert!(matches!(
            client.start_session(2, "localhost", &params),
            Err(ConnectError::UnsupportedVersion)
        ));
    }
}
