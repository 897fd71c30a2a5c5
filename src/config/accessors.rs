//! Read access to a built configuration.
//!
//! The fields of [`ClientConfig`] and [`ServerConfig`] are private to the
//! crate: `build()` checks them together (limits, ALPN names, certificate
//! types, the key against the certificate, ...), and a field assigned
//! afterwards would skip those checks. A configuration is therefore
//! changed only through its builder and read through these accessors.

use alloc::sync::Arc;

use super::{
    ClientAuth, ClientConfig, CookieGenerator, Limits, PaddingPolicy, ServerConfig, TicketProducer,
    TimeSource,
};
use crate::crypto::suites::SuiteParams;
use crate::crypto::{CryptoProvider, SecureRandom};
use crate::key_schedule::KeyLog;
use crate::msgs::enums::{CertificateType, NamedGroup, PskKeyExchangeMode, SignatureScheme};
use crate::resumption::{ClientSessionStore, ExternalPsk};
use crate::verify::{
    ClientCertVerifier, ResolvesClientCert, ResolvesServerCert, ServerCertVerifier,
};

impl ClientConfig {
    /// How every cryptographic operation is done: what a QUIC stack
    /// derives Initial keys and Retry tags with besides the handshake.
    pub fn provider(&self) -> &'static CryptoProvider {
        self.provider
    }

    /// Certificate compression algorithms (RFC 8879), in preference
    /// order; empty: off.
    pub fn certificate_compression(&self) -> &[crate::compress::CertificateCompressionAlgorithm] {
        self.cert_compression.algorithms()
    }
    /// Offered suites, in preference order.
    pub fn suites(&self) -> &[SuiteParams] {
        &self.suites
    }
    /// Offered groups, in preference order. A key share is sent for the first.
    pub fn groups(&self) -> &[NamedGroup] {
        &self.groups
    }
    /// When the first group is X25519MLKEM768, also send an X25519 share
    /// (as browsers do), so that servers without the hybrid avoid a
    /// HelloRetryRequest. Default `true`.
    pub fn hybrid_x25519_share(&self) -> bool {
        self.hybrid_x25519_share
    }
    /// Offered signature schemes (`signature_algorithms`), in preference order.
    pub fn signature_schemes(&self) -> &[SignatureScheme] {
        &self.signature_schemes
    }
    /// Offered ALPN protocols, in preference order; empty = no ALPN.
    pub fn alpn_protocols(&self) -> &[alloc::vec::Vec<u8>] {
        &self.alpn_protocols
    }
    /// RFC 8449 limit offered to the server (64..=16385); `None` = not offered.
    pub fn record_size_limit(&self) -> Option<u16> {
        self.record_size_limit
    }
    /// Padding of our protected records.
    pub fn padding(&self) -> PaddingPolicy {
        self.padding
    }
    /// Middlebox compatibility mode (RFC 9846 Appendix E.4): a 32-byte
    /// legacy_session_id and a change_cipher_spec record before the second
    /// flight. Default `true`.
    pub fn middlebox_compat(&self) -> bool {
        self.middlebox_compat
    }
    /// Receives secrets in the SSLKEYLOGFILE format. `None` by default.
    pub fn key_log(&self) -> Option<&Arc<dyn KeyLog>> {
        self.key_log.as_ref()
    }
    /// Decides whether the server's certificate is acceptable; `None` for a
    /// PSK-only configuration ([`ClientConfig::builder_psk_only`]), which
    /// refuses every handshake the server does not complete with the PSK.
    pub fn verifier(&self) -> Option<&Arc<dyn ServerCertVerifier>> {
        self.verifier.as_ref()
    }
    /// The only source of randomness.
    pub fn rng(&self) -> &Arc<dyn SecureRandom> {
        &self.rng
    }
    /// The clock given to the verifier.
    pub fn time(&self) -> &Arc<dyn TimeSource> {
        &self.time
    }
    /// The smallest RSA key accepted in CertificateVerify (bits).
    pub fn min_rsa_bits(&self) -> usize {
        self.min_rsa_bits
    }
    /// Chooses the certificate to present when the server sends a
    /// CertificateRequest; `None` (default): an empty Certificate is sent.
    pub fn client_cert_resolver(&self) -> Option<&Arc<dyn ResolvesClientCert>> {
        self.client_cert_resolver.as_ref()
    }
    /// Sessions for resumption: tickets received are stored here and the
    /// next connection to the same name offers one. Default (`std`): a
    /// [`ClientSessionCache`](crate::resumption::ClientSessionCache) of
    /// single-use tickets; `None`: no resumption.
    pub fn session_store(&self) -> Option<&Arc<dyn ClientSessionStore>> {
        self.session_store.as_ref()
    }
    /// PSK key exchange modes offered (RFC 9846 §4.3.9). Default
    /// `[psk_dhe_ke]`; `[psk_ke]` trades forward secrecy for a cheaper
    /// handshake.
    pub fn psk_modes(&self) -> &[PskKeyExchangeMode] {
        &self.psk_modes
    }
    /// The external PSK offered (RFC 9846 §2.2), if any; tickets are then
    /// not offered.
    pub fn external_psk(&self) -> Option<&Arc<ExternalPsk>> {
        self.external_psk.as_ref()
    }
    /// Offer 0-RTT when the ticket allows it (default `false`). Early data
    /// can be replayed by an attacker: see
    /// [`ClientConnection::send_early_data`](crate::ClientConnection::send_early_data).
    pub fn enable_early_data(&self) -> bool {
        self.enable_early_data
    }
    /// Resource bounds against a hostile server.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
    /// What the server may present, in preference order (RFC 7250
    /// `server_certificate_type`). Default `[X509]`, which sends no
    /// extension; with `RAW_PUBLIC_KEY` the verifier's
    /// [`verify_server_raw_public_key`](ServerCertVerifier::verify_server_raw_public_key)
    /// decides (e.g. [`PinnedRawPublicKey`](crate::verify::PinnedRawPublicKey)).
    pub fn server_certificate_types(&self) -> &[CertificateType] {
        &self.server_certificate_types
    }
    /// What we can present when asked, in preference order (RFC 7250
    /// `client_certificate_type`). Default `[X509]`, which sends no
    /// extension.
    pub fn client_certificate_types(&self) -> &[CertificateType] {
        &self.client_certificate_types
    }
    /// Encrypted Client Hello: offered, GREASE, or `None` (not sent).
    pub fn ech(&self) -> Option<&crate::ech::EchMode> {
        self.ech.as_ref()
    }
}

impl ServerConfig {
    /// How every cryptographic operation is done: what a QUIC stack
    /// derives Initial keys and Retry tags with besides the handshake.
    pub fn provider(&self) -> &'static CryptoProvider {
        self.provider
    }

    /// Certificate compression algorithms (RFC 8879), in preference
    /// order; empty: off.
    pub fn certificate_compression(&self) -> &[crate::compress::CertificateCompressionAlgorithm] {
        self.cert_compression.algorithms()
    }
    /// Accepted suites, in the server's preference order.
    pub fn suites(&self) -> &[SuiteParams] {
        &self.suites
    }
    /// Accepted groups, in the server's preference order.
    pub fn groups(&self) -> &[NamedGroup] {
        &self.groups
    }
    /// `false` (default): use the most preferred group among those the
    /// client sent key shares for; HelloRetryRequest only when none is
    /// usable. `true`: always use the most preferred mutually supported
    /// group, with a HelloRetryRequest if the client sent no share for it
    /// (the RFC 8448 §5 server behaves like this).
    pub fn strict_group_preference(&self) -> bool {
        self.strict_group_preference
    }
    /// ALPN protocols, in the server's preference order; empty = ALPN ignored.
    pub fn alpn_protocols(&self) -> &[alloc::vec::Vec<u8>] {
        &self.alpn_protocols
    }
    /// RFC 8449 limit announced when the client offers one; `None` = we
    /// announce nothing (the client's limit is honoured regardless).
    pub fn record_size_limit(&self) -> Option<u16> {
        self.record_size_limit
    }
    /// Padding of our protected records.
    pub fn padding(&self) -> PaddingPolicy {
        self.padding
    }
    /// Receives secrets in the SSLKEYLOGFILE format.
    pub fn key_log(&self) -> Option<&Arc<dyn KeyLog>> {
        self.key_log.as_ref()
    }
    /// Picks the certificate chain and signer after reading the
    /// ClientHello; `None` for a PSK-only configuration
    /// ([`ServerConfig::builder_psk_only`]), which refuses every client
    /// that offers none of its PSKs.
    pub fn cert_resolver(&self) -> Option<&Arc<dyn ResolvesServerCert>> {
        self.cert_resolver.as_ref()
    }
    /// Makes HelloRetryRequest cookies.
    pub fn cookie_generator(&self) -> &Arc<dyn CookieGenerator> {
        &self.cookie
    }
    /// Issues session tickets; `None` (default) = no NewSessionTicket.
    pub fn ticket_producer(&self) -> Option<&Arc<dyn TicketProducer>> {
        self.ticket_producer.as_ref()
    }
    /// Tickets sent after the handshake (when a producer is set). Default 1.
    pub fn ticket_count(&self) -> usize {
        self.ticket_count
    }
    /// Ticket lifetime in seconds (at most 604800). Default 7200.
    pub fn ticket_lifetime(&self) -> u32 {
        self.ticket_lifetime
    }
    /// max_early_data_size announced in tickets; 0 = extension omitted
    /// and 0-RTT refused.
    pub fn max_early_data_size(&self) -> u32 {
        self.max_early_data_size
    }
    /// Ticket nonces are a per-connection counter from 0, big-endian, in
    /// at least this many bytes. Default 1 (minimal: `00`, `01`, ...);
    /// RFC 8448's server (NSS) used 2 (`00 00`).
    pub fn ticket_nonce_width(&self) -> usize {
        self.ticket_nonce_width
    }
    /// The only source of randomness.
    pub fn rng(&self) -> &Arc<dyn SecureRandom> {
        &self.rng
    }
    /// The clock.
    pub fn time(&self) -> &Arc<dyn TimeSource> {
        &self.time
    }
    /// Whether and how clients authenticate (default: not asked).
    pub fn client_auth(&self) -> &ClientAuth {
        &self.client_auth
    }
    /// The smallest RSA key accepted in a client's CertificateVerify (bits).
    pub fn min_rsa_bits(&self) -> usize {
        self.min_rsa_bits
    }
    /// External PSKs the server accepts (RFC 9846 §2.2).
    pub fn external_psks(&self) -> &[Arc<ExternalPsk>] {
        &self.external_psks
    }
    /// 0-RTT is refused when the client's ticket age differs from the
    /// server's view by more than this (RFC 9846 §8.3), or by more than the
    /// window of the ticket producer's replay register
    /// ([`ReplayFilter::window_ms`](crate::resumption::ReplayFilter::window_ms)),
    /// whichever is smaller. Default 10 000 ms.
    pub fn early_data_window_ms(&self) -> u32 {
        self.early_data_window_ms
    }
    /// Verifies certificates asked for after the handshake
    /// ([`ServerConnection::request_client_certificate`](crate::ServerConnection::request_client_certificate))
    /// when [`client_auth`](Self::client_auth) has no verifier (then no
    /// CertificateRequest is sent in the handshake itself).
    pub fn post_handshake_client_verifier(&self) -> Option<&Arc<dyn ClientCertVerifier>> {
        self.post_handshake_client_verifier.as_ref()
    }
    /// Resource bounds against a hostile client.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
    /// What we can present, in preference order (RFC 7250
    /// `server_certificate_type`; the resolver sees the choice in
    /// [`ClientHelloInfo::certificate_type`](crate::ClientHelloInfo::certificate_type)).
    /// Default `[X509]`. No type in common with the client's offer ends
    /// the handshake with `unsupported_certificate`.
    pub fn server_certificate_types(&self) -> &[CertificateType] {
        &self.server_certificate_types
    }
    /// What we accept from clients, in preference order (RFC 7250
    /// `client_certificate_type`). Default `[X509]`. With client
    /// authentication required, no type in common ends the handshake with
    /// `unsupported_certificate`; when optional, no CertificateRequest is
    /// sent.
    pub fn client_certificate_types(&self) -> &[CertificateType] {
        &self.client_certificate_types
    }
    /// Whether PSKs are accepted in psk_ke mode (RFC 9846 §4.3.9), without
    /// (EC)DHE and so without forward secrecy. Default `false`.
    pub fn allow_psk_ke(&self) -> bool {
        self.allow_psk_ke
    }
    /// The ECH key pairs, in order of preference (empty: no ECH).
    pub fn ech_keys(&self) -> &[crate::ech::EchKeyPair] {
        &self.ech_keys
    }
    /// How ECH trial decryption picks and bounds its candidates.
    pub fn ech_trial_policy(&self) -> &crate::ech::TrialPolicy {
        &self.ech_policy
    }
    /// The ECHConfigList to publish (the `ech` SvcParam of the DNS HTTPS
    /// record, RFC 9849 §8.1) and to send as `retry_configs`: the configs
    /// of [`ech_keys`](Self::ech_keys), in order. `None` without keys, or
    /// when they do not fit one list (which `build` refuses).
    pub fn ech_config_list(&self) -> Option<crate::ech::EchConfigList> {
        if self.ech_keys.is_empty() {
            return None;
        }
        let list = crate::ech::EchConfigList {
            configs: self.ech_keys.iter().map(|k| k.config().clone()).collect(),
        };
        // ECHConfigList<4..2^16-1>: the encoding's own 2-byte length
        // excluded.
        let len = crate::codec::Codec::to_bytes(&list).len().saturating_sub(2);
        (len <= 0xffff).then_some(list)
    }
}
