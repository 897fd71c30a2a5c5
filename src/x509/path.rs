//! Path building (RFC 4158 in spirit: depth-first over every candidate
//! issuer, with a work budget) and the per-certificate and per-path
//! checks of RFC 5280 §6.1 as the Web PKI applies them.

use alloc::vec::Vec;

use super::cert::{self, Certificate};
use super::crl::Crl;
use super::error::{
    CertificateError, Finding, Position, bad_signature, key_usage, limit_exceeded, malformed,
    not_ca, profile, unsupported,
};
use super::{Policy, Usage, name, sig, time};

/// Certificates in a path above the end entity, at most (a hard cap
/// besides the policy's logical depth).
const MAX_PATH_LEN: usize = 10;

pub struct Node<'a> {
    pub cert: Certificate<'a>,
    pub pos: Position,
    pub anchor: bool,
    /// A name-and-key anchor (`TrustAnchor::from_subject_spki`): a
    /// stand-in certificate without SKI, which it is not required to have.
    pub key_only: bool,
}

impl Node<'_> {
    fn blame(&self, e: CertificateError) -> CertificateError {
        e.at(self.pos.clone(), || name::display(self.cert.subject))
    }
}

pub struct Builder<'a, 'n, 'p> {
    pub policy: &'p Policy,
    pub usage: Usage<'p>,
    pub now: i64,
    /// The end entity first, then trust anchors (preferred), then the
    /// peer's intermediates.
    pub nodes: &'n [Node<'a>],
    /// Caller-supplied CRLs, checked once a path reaches an anchor.
    pub crls: &'n [Crl<'a>],
    /// The validator has no trust anchor at all (named in the error).
    pub no_anchors: bool,
    sig_budget: usize,
    candidate_budget: usize,
    /// Name-constraint comparisons left for the whole validation: every
    /// path that reaches an anchor draws on it, so a mesh of paths cannot
    /// multiply `Policy::max_name_constraint_checks`.
    nc_budget: usize,
    best: Option<(usize, CertificateError)>,
}

impl<'a, 'n, 'p> Builder<'a, 'n, 'p> {
    pub fn new(policy: &'p Policy, usage: Usage<'p>, now: i64, nodes: &'n [Node<'a>]) -> Self {
        Self {
            policy,
            usage,
            now,
            nodes,
            crls: &[],
            no_anchors: false,
            sig_budget: policy.max_signature_checks,
            candidate_budget: policy.max_candidates,
            nc_budget: policy.max_name_constraint_checks,
            best: None,
        }
    }

    /// Finds a path from the end entity (node 0) to a trust anchor;
    /// returns the node indices, end entity first, anchor last.
    pub fn build(&mut self) -> Result<Vec<usize>, CertificateError> {
        let leaf = self
            .nodes
            .first()
            .ok_or_else(|| malformed("no end-entity certificate"))?;
        self.check_common(&leaf.cert, false)
            .map_err(|e| leaf.blame(e))?;
        self.check_end_entity(&leaf.cert)
            .map_err(|e| leaf.blame(e))?;
        // Room for the longest path search() builds: one allocation.
        let mut path = Vec::with_capacity(MAX_PATH_LEN.saturating_add(2));
        path.push(0);
        if self.leaf_is_anchor(&mut path)? || self.search(&mut path)? {
            return Ok(path);
        }
        Err(self.best.take().map(|(_, e)| e).unwrap_or_else(|| {
            leaf.blame(CertificateError::UnknownIssuer {
                issuer: name::display(leaf.cert.issuer),
                finding: Finding::new("has no path to a trust anchor"),
            })
        }))
    }

    /// Whether the end entity is itself one of the trust anchors, having
    /// passed the end-entity checks (name, dates, purposes) already: a
    /// self-signed server certificate configured as the root, or a
    /// certificate pinned that way. "Itself" means the same certificate
    /// (the same DER), or one with the anchor's subject and key that is
    /// self-issued and whose signature that key verifies (the same
    /// certificate re-issued, e.g. renewed with the same key: so with the
    /// anchor's extensions, byte for byte; anything else is a new
    /// identity, which only a CA anchor can vouch for, through the search,
    /// where its extKeyUsage and name constraints apply). The path is
    /// then the end entity and that anchor, with the anchor's dates, name
    /// constraints and CRLs applied in the second case; the anchor need not
    /// be a CA, since it issues nothing here. The path search cannot find
    /// this: a certificate appears once per path, and an anchor that is not
    /// a CA cannot issue.
    fn leaf_is_anchor(&mut self, path: &mut Vec<usize>) -> Result<bool, CertificateError> {
        let nodes = self.nodes;
        let Some(leaf) = nodes.first() else {
            return Ok(false);
        };
        for (idx, a) in nodes.iter().enumerate().skip(1) {
            if !a.anchor {
                continue;
            }
            if a.cert.der == leaf.cert.der {
                path.push(idx);
                return Ok(true);
            }
            if a.cert.subject != leaf.cert.subject || !leaf.cert.is_self_issued() {
                continue;
            }
            let depth = path.len();
            if a.cert.spki != leaf.cert.spki {
                if a.cert.is_ca() {
                    // It may still be the issuer: the search says.
                    continue;
                }
                // An anchor that is not a CA issues nothing: say that the
                // end entity is not that anchor, rather than that the
                // anchor is not a CA. Recorded first at this depth, so it
                // stands unless the search gets further.
                let subject = name::display(a.cert.subject);
                self.record(
                    depth,
                    leaf.blame(CertificateError::UnknownIssuer {
                        finding: Finding::new(alloc::format!(
                            "is self-issued under the name of a trust anchor ({subject}) but has another key, so it is not that anchor"
                        )),
                        issuer: subject,
                    }),
                );
                continue;
            }
            // A re-issue of the anchor (renewed with the same key), not a
            // new identity: the same extensions, so no name, purpose or
            // other attribute the anchor does not carry (a pinned
            // certificate for one name must not make its key holder any
            // other). A CA anchor may still have issued it: then the
            // search says, with every issuer rule applied.
            let reissue = if leaf.cert.extensions == a.cert.extensions {
                self.check_common(&a.cert, true).map_err(|e| a.blame(e))
            } else {
                let subject = name::display(a.cert.subject);
                Err(leaf.blame(CertificateError::UnknownIssuer {
                    finding: Finding::new(alloc::format!(
                        "has the subject and key of a trust anchor ({subject}) but other extensions (names, purposes or more), so it is neither that anchor nor a re-issue of it"
                    )),
                    issuer: subject,
                }))
            };
            if let Err(e) = reissue {
                if !a.cert.is_ca() {
                    self.record(depth, e);
                }
                continue;
            }
            self.sig_budget = self.sig_budget.checked_sub(1).ok_or_else(|| {
                limit_exceeded("path building needed too many signature checks; giving up")
            })?;
            if let Err(e) = sig::verify_signed_data(
                self.policy.provider.signatures,
                a.cert.spki,
                leaf.cert.sig_alg,
                leaf.cert.tbs,
                leaf.cert.signature,
                self.policy.min_rsa_bits,
            ) {
                let detail = alloc::format!(
                    "has the subject and key of a trust anchor, but its signature does not verify with that key: {e}"
                );
                let e = match e {
                    sig::SigError::BadSignature | sig::SigError::KeyMismatch => {
                        bad_signature(detail)
                    }
                    _ => unsupported(detail),
                };
                self.record(depth, leaf.blame(e));
                continue;
            }
            path.push(idx);
            match self.check_path(path) {
                Ok(()) => return Ok(true),
                // An exhausted budget ends the search (as in `search`).
                Err(e @ CertificateError::LimitExceeded { .. }) => return Err(e),
                Err(e) => self.record(depth, e),
            }
            path.pop();
        }
        Ok(false)
    }

    fn record(&mut self, depth: usize, e: CertificateError) {
        if self.best.as_ref().is_none_or(|(d, _)| depth > *d) {
            self.best = Some((depth, e));
        }
    }

    /// Depth-first search above the last certificate of `path`.
    /// `Ok(true)` when `path` ends at an anchor and passed every path
    /// check; `Err` only when the work budget runs out.
    fn search(&mut self, path: &mut Vec<usize>) -> Result<bool, CertificateError> {
        let nodes = self.nodes;
        let Some(child) = path.last().and_then(|i| nodes.get(*i)) else {
            return Ok(false);
        };
        let mut any = false;
        for (idx, cand) in nodes.iter().enumerate().skip(1) {
            // Loops and duplicates: a certificate appears once per path.
            if cand.cert.subject != child.cert.issuer
                || path
                    .iter()
                    .any(|p| nodes.get(*p).is_some_and(|n| n.cert.der == cand.cert.der))
            {
                continue;
            }
            // RFC 5280 §4.2.1.1: the key identifiers, when both present, must agree.
            if let (Some(aki), Some(ski)) =
                (child.cert.ext.aki.and_then(|a| a.key_id), cand.cert.ext.ski)
                && aki != ski
            {
                continue;
            }
            any = true;
            self.candidate_budget = self.candidate_budget.checked_sub(1).ok_or_else(|| {
                limit_exceeded("path building examined too many candidate issuers; giving up")
            })?;
            let depth = path.len();
            if let Err(e) = self.check_issuer(cand, path.get(1..).unwrap_or(&[])) {
                self.record(depth, cand.blame(e));
                continue;
            }
            self.sig_budget = self.sig_budget.checked_sub(1).ok_or_else(|| {
                limit_exceeded("path building needed too many signature checks; giving up")
            })?;
            if let Err(e) = sig::verify_signed_data(
                self.policy.provider.signatures,
                cand.cert.spki,
                child.cert.sig_alg,
                child.cert.tbs,
                child.cert.signature,
                self.policy.min_rsa_bits,
            ) {
                let issuer = name::display(cand.cert.subject);
                let detail = alloc::format!(
                    "has a signature that does not verify with the key of {issuer}: {e}"
                );
                let e = match e {
                    sig::SigError::BadSignature | sig::SigError::KeyMismatch => {
                        bad_signature(detail)
                    }
                    _ => unsupported(detail),
                };
                self.record(depth, child.blame(e));
                continue;
            }
            path.push(idx);
            if cand.anchor {
                match self.check_path(path) {
                    Ok(()) => return Ok(true),
                    // The name-constraint budget is the validation's, like
                    // the others: once spent, no further path is tried.
                    Err(e @ CertificateError::LimitExceeded { .. }) => return Err(e),
                    Err(e) => self.record(depth, e),
                }
            } else if path.len() <= MAX_PATH_LEN && self.search(path)? {
                return Ok(true);
            }
            path.pop();
        }
        if !any {
            let issuer = name::display(child.cert.issuer);
            let detail = if self.no_anchors {
                alloc::format!("is issued by {issuer}, but the validator has no trust anchor")
            } else if path.len() == 1 && child.cert.is_self_issued() {
                alloc::format!("is self-issued ({issuer}) and is not one of the trust anchors")
            } else {
                alloc::format!(
                    "is issued by {issuer}, which is neither a trust anchor nor among the intermediates supplied"
                )
            };
            self.record(
                path.len().saturating_sub(1),
                child.blame(CertificateError::UnknownIssuer {
                    issuer,
                    finding: Finding::new(detail),
                }),
            );
        }
        Ok(false)
    }

    /// Rules for every certificate in a path, leaf to anchor.
    fn check_common(&self, c: &Certificate<'_>, anchor: bool) -> Result<(), CertificateError> {
        if !anchor {
            // CABF 7.1.1: v3 only.
            if c.version != 2 {
                return Err(profile(alloc::format!(
                    "has version {} where v3 is required (CABF BR 7.1.1)",
                    c.version.saturating_add(1)
                )));
            }
            // RFC 5280 §4.1.2.2: positive, at most 20 octets.
            let serial = c.serial;
            if serial.first().is_some_and(|b| *b >= 0x80) || serial.iter().all(|b| *b == 0) {
                return Err(profile(
                    "has a serial number that is not positive (RFC 5280 §4.1.2.2)",
                ));
            }
            if serial.len() > 20 && !(serial.len() == 21 && serial.first() == Some(&0)) {
                return Err(profile(
                    "has a serial number longer than 20 octets (RFC 5280 §4.1.2.2)",
                ));
            }
        }
        if let Some(oid) = c.ext.unknown_critical {
            let oid = super::der::OidText(oid).to_string_lossy();
            return Err(CertificateError::UnhandledCriticalExtension {
                finding: Finding::new(alloc::format!(
                    "has critical extension {oid} that we do not process (RFC 5280 §4.2)"
                )),
                oid,
            });
        }
        if self.now > c.not_after {
            return Err(CertificateError::Expired {
                not_after: c.not_after,
                now: self.now,
                finding: Finding::new(alloc::format!(
                    "expired at {}, {} before the validation time {}",
                    time::format(c.not_after),
                    time::span(self.now.saturating_sub(c.not_after)),
                    time::format(self.now)
                )),
            });
        }
        if self.now < c.not_before {
            return Err(CertificateError::NotYetValid {
                not_before: c.not_before,
                now: self.now,
                finding: Finding::new(alloc::format!(
                    "is not valid before {}, {} after the validation time {}",
                    time::format(c.not_before),
                    time::span(c.not_before.saturating_sub(self.now)),
                    time::format(self.now)
                )),
            });
        }
        if let Err(e) = sig::public_key(
            c.spki,
            self.policy.min_rsa_bits,
            self.policy.provider.signatures,
        ) {
            return Err(unsupported(alloc::format!("has a {e}")));
        }
        // §4.2.1.1: keyIdentifier required except in self-signed
        // certificates. A trust anchor is trusted as configured, whoever
        // issued it (limbo cve-2024-0567: a cross-signed root as anchor).
        if !anchor && !c.is_self_issued() && c.ext.aki.and_then(|a| a.key_id).is_none() {
            return Err(profile(
                "has no authorityKeyIdentifier keyIdentifier (RFC 5280 §4.2.1.1)",
            ));
        }
        let ku = c.ext.key_usage;
        if ku.is_some_and(|k| k & cert::KU_KEY_CERT_SIGN != 0) && !c.is_ca() {
            return Err(not_ca(
                "asserts keyCertSign but is not a CA (RFC 5280 §4.2.1.9)",
            ));
        }
        if c.is_ca() && ku.is_some_and(|k| k & cert::KU_KEY_CERT_SIGN == 0) {
            return Err(key_usage(
                "keyCertSign",
                "is a CA whose keyUsage lacks keyCertSign (RFC 5280 §4.2.1.3)",
            ));
        }
        match (&c.ext.san, c.subject.is_empty()) {
            (Some((_, false)), true) | (None, true) => {
                return Err(profile(
                    "has an empty subject without a critical subjectAltName (RFC 5280 §4.2.1.6)",
                ));
            }
            (Some((_, true)), false) => {
                return Err(profile(
                    "marks subjectAltName critical although the subject is not empty (CABF BR 7.1.2.7.12)",
                ));
            }
            _ => {}
        }
        if c.ext.name_constraints.is_some() && !c.is_ca() {
            return Err(profile(
                "has nameConstraints but is not a CA (RFC 5280 §4.2.1.10)",
            ));
        }
        if c.ext.policy_constraints_critical == Some(false) {
            return Err(profile(
                "has a non-critical policyConstraints (RFC 5280 §4.2.1.11)",
            ));
        }
        Ok(())
    }

    /// The extKeyUsage purpose being validated: its OID and its name.
    fn purpose(&self) -> (&'static [u8], &'static str) {
        match self.usage {
            Usage::Server(_) | Usage::ServerUnnamed => (cert::OID_SERVER_AUTH, "serverAuth"),
            Usage::Client => (cert::OID_CLIENT_AUTH, "clientAuth"),
        }
    }

    fn check_end_entity(&self, c: &Certificate<'_>) -> Result<(), CertificateError> {
        let (purpose, purpose_name) = self.purpose();
        if let Some((purposes, critical)) = &c.ext.eku {
            let any = purposes.contains(cert::OID_ANY_EKU);
            if !purposes.contains(purpose) || any {
                let presented = purposes.names();
                return Err(CertificateError::InvalidPurpose {
                    required: purpose_name,
                    finding: Finding::new(alloc::format!(
                        "has extendedKeyUsage {} (RFC 5280 §4.2.1.12)",
                        if any {
                            "with anyExtendedKeyUsage, which is not accepted for TLS (CABF BR 7.1.2.7.10)".into()
                        } else {
                            alloc::format!("without {purpose_name}")
                        }
                    )),
                    presented,
                });
            }
            if *critical {
                return Err(profile(
                    "marks extendedKeyUsage critical (CABF BR 7.1.2.7.6)",
                ));
            }
        }
        // RFC 9846 §4.5.1.2: the key must be allowed to sign.
        if self.policy.require_digital_signature
            && c.ext
                .key_usage
                .is_some_and(|k| k & cert::KU_DIGITAL_SIGNATURE == 0)
        {
            return Err(key_usage(
                "digitalSignature",
                "has keyUsage without digitalSignature, which TLS 1.3 needs (RFC 9846 §4.5.1.2)",
            ));
        }
        name::check_san_syntax(c)?;
        if let Usage::Server(expected) = self.usage {
            name::check_identity(c, expected)?;
        }
        Ok(())
    }

    /// A CA's extKeyUsage restricts what it certifies, as the Web PKI
    /// chains it (browsers, rustls-webpki): every CA of the path that
    /// lists purposes must list this one, so a branch restricted to other
    /// purposes is not a path and the search tries the others.
    /// anyExtendedKeyUsage in a CA is the unrestricted cross-certificate
    /// form (CABF BR 7.1.2.2.6), so it allows the purpose; in an end
    /// entity it is refused (check_end_entity).
    fn issuer_purpose(&self, c: &Certificate<'_>) -> Result<(), CertificateError> {
        let (purpose, purpose_name) = self.purpose();
        if let Some((purposes, _)) = &c.ext.eku
            && !purposes.contains(purpose)
            && !purposes.contains(cert::OID_ANY_EKU)
        {
            let presented = purposes.names();
            return Err(CertificateError::InvalidPurpose {
                required: purpose_name,
                finding: Finding::new(alloc::format!(
                    "is a CA whose extendedKeyUsage ({}) lacks {purpose_name}, so it cannot certify a TLS {} (RFC 5280 §4.2.1.12, chained as in the Web PKI)",
                    presented.join(", "),
                    if purpose == cert::OID_SERVER_AUTH {
                        "server"
                    } else {
                        "client"
                    },
                )),
                presented,
            });
        }
        Ok(())
    }

    /// Rules for a certificate acting as an issuer, with `below` the CA
    /// certificates already between it and the end entity.
    fn check_issuer(&self, cand: &Node<'_>, below: &[usize]) -> Result<(), CertificateError> {
        let c = &cand.cert;
        self.check_common(c, cand.anchor)?;
        match c.ext.basic_constraints {
            Some((true, _, true)) => {}
            Some((true, _, false)) => {
                return Err(profile(
                    "is a CA whose basicConstraints is not critical (RFC 5280 §4.2.1.9)",
                ));
            }
            _ => {
                return Err(not_ca(
                    "issued a certificate in this path but is not a CA (basicConstraints cA is not TRUE; RFC 5280 §6.1.4 (k))",
                ));
            }
        }
        self.issuer_purpose(c)?;
        if c.ext.ski.is_none() && !cand.key_only {
            return Err(profile(
                "is a CA without subjectKeyIdentifier (RFC 5280 §4.2.1.2)",
            ));
        }
        // §6.1.4 (l), (m): self-issued intermediates do not count.
        let intermediates = below
            .iter()
            .filter_map(|i| self.nodes.get(*i))
            .filter(|n| !n.cert.is_self_issued())
            .count();
        if let Some((_, Some(max), _)) = c.ext.basic_constraints
            && intermediates as u64 > max
        {
            return Err(CertificateError::PathLength {
                allowed: max,
                found: intermediates as u64,
                finding: Finding::new(alloc::format!(
                    "allows {max} intermediate CA(s) below it (pathLenConstraint), but this path has {intermediates}"
                )),
            });
        }
        if !cand.anchor && intermediates.saturating_add(1) > self.policy.max_intermediates {
            return Err(CertificateError::PathLength {
                allowed: self.policy.max_intermediates as u64,
                found: intermediates.saturating_add(1) as u64,
                finding: Finding::new(alloc::format!(
                    "would make the path longer than the allowed {} intermediate(s)",
                    self.policy.max_intermediates
                )),
            });
        }
        // CABF BR 7.1.2.1.2: a root carries no extKeyUsage.
        if cand.anchor && c.is_self_issued() && c.ext.eku.is_some() {
            return Err(profile(
                "is a root with extKeyUsage, which CABF BR 7.1.2.1.2 forbids",
            ));
        }
        if cand.anchor
            && c.is_self_issued()
            && let Some(aki) = c.ext.aki
        {
            // CABF BR 7.1.2.1.3: a root's AKI is its own key identifier only.
            if aki.has_issuer_and_serial || aki.key_id.is_none() || aki.key_id != c.ext.ski {
                return Err(profile(
                    "is a self-signed root whose authorityKeyIdentifier is not just its own subjectKeyIdentifier (CABF BR 7.1.2.1.3)",
                ));
            }
        }
        Ok(())
    }

    /// Whole-path rules once an anchor is reached: name constraints
    /// (RFC 5280 §6.1.3 (b), (c); §6.1.4 (g)), applied to every
    /// certificate below the constraining CA except self-issued
    /// intermediates, drawing on the validation's budget; then revocation.
    fn check_path(&mut self, path: &[usize]) -> Result<(), CertificateError> {
        let mut budget = self.nc_budget;
        let checked = self.check_constraints(path, &mut budget);
        self.nc_budget = budget;
        checked?;
        self.check_revocation(path)
    }

    fn check_constraints(
        &self,
        path: &[usize],
        budget: &mut usize,
    ) -> Result<(), CertificateError> {
        for (k, ca_idx) in path.iter().enumerate().skip(1) {
            let Some(nc) = self
                .nodes
                .get(*ca_idx)
                .and_then(|n| n.cert.ext.name_constraints.as_ref())
            else {
                continue;
            };
            for (j, below) in path.iter().take(k).enumerate() {
                let Some(n) = self.nodes.get(*below) else {
                    continue;
                };
                if j > 0 && n.cert.is_self_issued() {
                    continue;
                }
                name::check_constraints(nc, &n.cert, budget).map_err(|e| n.blame(e))?;
            }
        }
        Ok(())
    }

    /// RFC 5280 §6.3: each certificate below the anchor against the CRLs
    /// of its issuer in this path. A revocation fails only this path, so
    /// the search may still find one through another issuer.
    fn check_revocation(&self, path: &[usize]) -> Result<(), CertificateError> {
        for pair in path.windows(2) {
            let (Some(child), Some(issuer)) = (
                pair.first().and_then(|i| self.nodes.get(*i)),
                pair.get(1).and_then(|i| self.nodes.get(*i)),
            ) else {
                continue;
            };
            for (i, crl) in self.crls.iter().enumerate() {
                if !crl.is_for(&child.cert, &issuer.cert) {
                    continue;
                }
                crl.check(
                    &issuer.cert,
                    self.now,
                    self.policy.min_rsa_bits,
                    self.policy.provider.signatures,
                )
                .map_err(|e| e.at(Position::Crl(i), || crl.issuer_text()))?;
                if let Some(r) = crl.find(child.cert.serial) {
                    return Err(child.blame(CertificateError::Revoked {
                        revoked_at: r.date,
                        finding: Finding::new(alloc::format!(
                            "revoked at {} by the CRL of {} (CRL {i})",
                            time::format(r.date),
                            crl.issuer_text()
                        )),
                    }));
                }
            }
        }
        Ok(())
    }
}
