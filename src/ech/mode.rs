//! How a client uses Encrypted Client Hello (RFC 9849 §6).

use super::config::EchConfigList;

/// What a client does about ECH
/// ([`ClientConfigBuilder::ech`](crate::config::ClientConfigBuilder::ech)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EchMode {
    /// Offer ECH with the first config of this list the client can use
    /// (§6.1), as published in the `ech` SvcParam of the server's DNS
    /// HTTPS record ([`EchConfigList::from_base64`]). The real server
    /// name, ALPN and the rest of the inner hello travel encrypted; the
    /// outer hello names the config's public_name. A list with no config
    /// this client can use is refused when the configuration is built
    /// (`BadConfig`), not turned into GREASE as §6.1 suggests: GREASE
    /// sends the real server name in clear, which an application that
    /// asked for ECH must choose knowingly ([`EchMode::Grease`]).
    Offer(EchConfigList),
    /// No config is known: send a GREASE `encrypted_client_hello`
    /// (§6.2.1) so that ECH connections do not stand out. Negotiates
    /// nothing; the server name travels in clear as without ECH.
    Grease,
}
