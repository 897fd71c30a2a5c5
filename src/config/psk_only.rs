//! External-PSK-only configurations (RFC 9846 §2.2): devices and gateways
//! that share a key out of band and have no certificates at all. The
//! builders need no verifier and no certificate resolver, so nothing has
//! to be faked; a handshake that the PSK does not complete fails instead
//! of falling back to certificates that do not exist.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{ClientAuth, ClientConfig, ClientConfigBuilder, ServerConfig, ServerConfigBuilder};
use crate::error::Error;
use crate::resumption::ExternalPsk;

impl ClientConfig {
    /// A builder for a client that authenticates the server with `psk`
    /// alone: no certificate verifier, no tickets. If the server does not
    /// accept the PSK, the handshake fails (`handshake_failure`) rather
    /// than falling back to a certificate the client could not check.
    ///
    /// The key exchange mode offered is psk_dhe_ke (a fresh (EC)DHE
    /// exchange, so recorded traffic stays secret if the PSK leaks later).
    /// Offering psk_ke, which gives that up for a cheaper handshake, is an
    /// explicit choice: [`psk_modes`](ClientConfigBuilder::psk_modes).
    ///
    /// ```
    /// use tls13::crypto::hash::HashAlgorithm;
    /// use tls13::resumption::ExternalPsk;
    ///
    /// let psk = ExternalPsk::new(b"sensor-17", &[0x5a; 32], HashAlgorithm::Sha256)?;
    /// let config = tls13::ClientConfig::builder_psk_only(psk).build()?;
    /// assert!(config.verifier().is_none());
    /// # Ok::<(), tls13::Error>(())
    /// ```
    pub fn builder_psk_only(psk: ExternalPsk) -> ClientConfigBuilder {
        Self::builder_for(None)
            .external_psk(psk)
            .session_store(None)
    }
}

impl ServerConfig {
    /// A builder for a server that accepts clients holding one of `psks`
    /// (each under its own identity) and no one else: no certificate, no
    /// certificate resolver. Add identities later with
    /// [`external_psk`](ServerConfigBuilder::external_psk).
    ///
    /// A client that offers no PSK, or only identities the server does not
    /// know, cannot get a certificate handshake instead (RFC 9846 §4.3.11:
    /// "the server SHOULD perform a non-PSK handshake if possible"; here
    /// there is no certificate to authenticate it with): the server ends
    /// the handshake with `unknown_psk_identity`, the alert RFC 9846 §6.2
    /// defines for "PSK key establishment is desired but no acceptable PSK
    /// identity is provided by the client". (§6.2 allows `decrypt_error`
    /// instead, to hide the reason; a PSK-only deployment gains nothing by
    /// hiding that it is PSK-only, and the precise alert tells a
    /// misprovisioned device what is wrong. A known identity with a wrong
    /// binder is still `decrypt_error`, §4.3.11.)
    ///
    /// Only psk_dhe_ke is accepted by default (forward secrecy); accepting
    /// psk_ke too is an explicit choice:
    /// [`allow_psk_ke`](ServerConfigBuilder::allow_psk_ke).
    ///
    /// ```
    /// use tls13::crypto::hash::HashAlgorithm;
    /// use tls13::resumption::ExternalPsk;
    ///
    /// let gateway = tls13::ServerConfig::builder_psk_only([
    ///     ExternalPsk::new(b"sensor-17", &[0x5a; 32], HashAlgorithm::Sha256)?,
    ///     ExternalPsk::new(b"sensor-18", &[0xa5; 32], HashAlgorithm::Sha256)?,
    /// ])
    /// .build()?;
    /// assert_eq!(gateway.external_psks().len(), 2);
    /// # Ok::<(), tls13::Error>(())
    /// ```
    pub fn builder_psk_only(psks: impl IntoIterator<Item = ExternalPsk>) -> ServerConfigBuilder {
        let mut b = Self::builder_for(None);
        b.config.external_psks = psks.into_iter().map(Arc::new).collect();
        b
    }
}

pub(super) fn check_client(c: &ClientConfig) -> Result<(), Error> {
    if c.verifier.is_none() && c.external_psk.is_none() {
        return Err(Error::BadConfig(
            "a PSK-only client needs its external PSK".into(),
        ));
    }
    Ok(())
}

pub(super) fn check_server(c: &ServerConfig) -> Result<(), Error> {
    // Sorted, so that a gateway with many devices is checked in
    // O(n log n): the server would only ever use the first of two PSKs
    // with one identity.
    let mut identities: Vec<&[u8]> = c
        .external_psks
        .iter()
        .map(|p| p.identity.as_slice())
        .collect();
    identities.sort_unstable();
    if identities.windows(2).any(|w| w.first() == w.get(1)) {
        return Err(Error::BadConfig(
            "two external PSKs have the same identity".into(),
        ));
    }
    if c.cert_resolver.is_some() {
        return Ok(());
    }
    if c.external_psks.is_empty() {
        return Err(Error::BadConfig(
            "a PSK-only server needs at least one external PSK".into(),
        ));
    }
    // RFC 9846 §4.4.2: no CertificateRequest in a PSK handshake, so a
    // client-authentication setting would silently never apply.
    if !matches!(c.client_auth, ClientAuth::None) {
        return Err(Error::BadConfig(
            "a PSK-only server cannot ask for client certificates during the handshake \
             (RFC 9846 §4.4.2); the PSK authenticates the client"
                .into(),
        ));
    }
    Ok(())
}
