//! What our last ClientHello offered, for checking the server's choices
//! against it (RFC 9846 §4.2.3, §4.3: a server selects only what was
//! offered). A hello encoded from the configuration offers the
//! configuration's lists, so only which optional extensions it carried is
//! kept; a hello a hook edited keeps its own lists.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::config::ClientConfig;
use crate::msgs::enums::{
    CertificateType, CipherSuite, ExtensionType, NamedGroup, SignatureScheme,
};
use crate::msgs::handshake::{ClientExtension, ClientHello};

/// The most extensions a ClientHello encoded from a configuration carries
/// (see `hello::encode_hello`).
const MAX_OWN_EXTENSIONS: usize = 21;

/// What the last ClientHello offered.
pub(super) enum Offered {
    /// Encoded from the configuration: its lists, and these extensions.
    Config(OwnExtensions),
    /// Edited by the client hello hook: the lists as sent.
    Edited(Box<EditedHello>),
}

impl Default for Offered {
    fn default() -> Self {
        Self::Config(OwnExtensions::default())
    }
}

/// The extension types of a hello encoded from the configuration, in
/// order, held inline.
#[derive(Default)]
pub(super) struct OwnExtensions {
    types: [Option<ExtensionType>; MAX_OWN_EXTENSIONS],
}

impl OwnExtensions {
    /// Records that `typ` was sent.
    pub(super) fn push(&mut self, typ: ExtensionType) {
        if let Some(slot) = self.types.iter_mut().find(|t| t.is_none()) {
            *slot = Some(typ);
        }
    }

    fn contains(&self, typ: ExtensionType) -> bool {
        self.types.contains(&Some(typ))
    }

    /// The types recorded, in order.
    pub(super) fn types(&self) -> impl Iterator<Item = ExtensionType> + '_ {
        self.types.iter().map_while(|t| *t)
    }
}

/// The lists of a hello the hook edited.
pub(super) struct EditedHello {
    suites: Vec<CipherSuite>,
    groups: Vec<NamedGroup>,
    /// The groups of the key_share entries sent.
    key_shares: Vec<NamedGroup>,
    schemes: Vec<SignatureScheme>,
    alpn: Vec<Vec<u8>>,
    extensions: Vec<ExtensionType>,
    record_size_limit: Option<u16>,
    /// RFC 7250 offers; `None` when the extension was not sent (X.509).
    server_cert_types: Option<Vec<CertificateType>>,
    client_cert_types: Option<Vec<CertificateType>>,
    /// RFC 8879 offer as sent (empty when not sent or malformed).
    cert_compression: Vec<crate::compress::CertificateCompressionAlgorithm>,
}

impl EditedHello {
    /// Takes the lists out of a sent hello.
    pub(super) fn from_hello(hello: ClientHello) -> Self {
        let mut offered = Self {
            suites: hello.cipher_suites,
            groups: Vec::new(),
            key_shares: Vec::new(),
            schemes: Vec::new(),
            alpn: Vec::new(),
            extensions: hello.extensions.iter().map(ClientExtension::typ).collect(),
            record_size_limit: None,
            server_cert_types: None,
            client_cert_types: None,
            cert_compression: Vec::new(),
        };
        for e in hello.extensions {
            match e {
                ClientExtension::SupportedGroups(g) => offered.groups = g,
                ClientExtension::KeyShare(k) => {
                    offered.key_shares = k.iter().map(|s| s.group).collect();
                }
                ClientExtension::SignatureAlgorithms(s) => offered.schemes = s,
                ClientExtension::Alpn(a) => offered.alpn = a,
                ClientExtension::RecordSizeLimit(l) => offered.record_size_limit = Some(l),
                ClientExtension::ServerCertificateType(t) => offered.server_cert_types = Some(t),
                ClientExtension::ClientCertificateType(t) => offered.client_cert_types = Some(t),
                ClientExtension::Unknown(u) if u.typ == ExtensionType::COMPRESS_CERTIFICATE => {
                    offered.cert_compression =
                        crate::msgs::compressed_certificate::read_algorithms(&u.body)
                            .map(|l| l.to_vec())
                            .unwrap_or_default();
                }
                _ => {}
            }
        }
        offered
    }
}

/// RFC 7250: a configured list of certificate types is sent unless it is
/// X.509 alone, which is the same as not sending it.
pub(super) fn sends_cert_types(types: &[CertificateType]) -> bool {
    types != [CertificateType::X509]
}

impl Offered {
    /// The certificate compression algorithms offered (RFC 8879 §3).
    pub(super) fn cert_compression<'a>(
        &'a self,
        config: &'a ClientConfig,
    ) -> &'a [crate::compress::CertificateCompressionAlgorithm] {
        match self {
            Self::Config(e) if e.contains(ExtensionType::COMPRESS_CERTIFICATE) => {
                config.cert_compression.algorithms()
            }
            Self::Config(_) => &[],
            Self::Edited(h) => &h.cert_compression,
        }
    }

    pub(super) fn extension(&self, typ: ExtensionType) -> bool {
        match self {
            Self::Config(e) => e.contains(typ),
            Self::Edited(h) => h.extensions.contains(&typ),
        }
    }

    pub(super) fn suite(&self, config: &ClientConfig, suite: CipherSuite) -> bool {
        match self {
            Self::Config(_) => config.suites.iter().any(|s| s.suite == suite),
            Self::Edited(h) => h.suites.contains(&suite),
        }
    }

    pub(super) fn groups<'a>(&'a self, config: &'a ClientConfig) -> &'a [NamedGroup] {
        match self {
            Self::Config(_) => &config.groups,
            Self::Edited(h) => &h.groups,
        }
    }

    /// Whether the hello carried a key share for `group`: each key pair
    /// the client holds, unless a hook took its share out.
    pub(super) fn key_share(&self, group: NamedGroup) -> bool {
        match self {
            Self::Config(_) => true,
            Self::Edited(h) => h.key_shares.contains(&group),
        }
    }

    pub(super) fn schemes<'a>(&'a self, config: &'a ClientConfig) -> &'a [SignatureScheme] {
        match self {
            Self::Config(_) => &config.signature_schemes,
            Self::Edited(h) => &h.schemes,
        }
    }

    pub(super) fn alpn<'a>(&'a self, config: &'a ClientConfig) -> &'a [Vec<u8>] {
        match self {
            Self::Config(_) => &config.alpn_protocols,
            Self::Edited(h) => &h.alpn,
        }
    }

    pub(super) fn record_size_limit(&self, config: &ClientConfig) -> Option<u16> {
        match self {
            Self::Config(_) => config.record_size_limit,
            Self::Edited(h) => h.record_size_limit,
        }
    }

    /// RFC 7250: the server certificate types offered; `None` when the
    /// extension was not sent (X.509 only).
    pub(super) fn server_cert_types<'a>(
        &'a self,
        config: &'a ClientConfig,
    ) -> Option<&'a [CertificateType]> {
        match self {
            Self::Config(_) => {
                Some(config.server_certificate_types.as_slice()).filter(|t| sends_cert_types(t))
            }
            Self::Edited(h) => h.server_cert_types.as_deref(),
        }
    }

    /// RFC 7250: the client certificate types offered (as above).
    pub(super) fn client_cert_types<'a>(
        &'a self,
        config: &'a ClientConfig,
    ) -> Option<&'a [CertificateType]> {
        match self {
            Self::Config(_) => {
                Some(config.client_certificate_types.as_slice()).filter(|t| sends_cert_types(t))
            }
            Self::Edited(h) => h.client_cert_types.as_deref(),
        }
    }
}
