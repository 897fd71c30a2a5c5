//! Alert messages (RFC 9846 §6).

use alloc::vec::Vec;

use super::enums::{AlertDescription, AlertLevel};
use crate::codec::{Codec, Reader};
use crate::error::InvalidMessage;

/// An `Alert` record body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertMessage {
    /// Warning or fatal; TLS 1.3 ignores it except for close_notify and
    /// user_canceled (§6).
    pub level: AlertLevel,
    /// What happened.
    pub description: AlertDescription,
}

impl Codec<'_> for AlertMessage {
    fn encode(&self, out: &mut Vec<u8>) {
        self.level.encode(out);
        self.description.encode(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            level: AlertLevel::read(r)?,
            description: AlertDescription::read(r)?,
        })
    }
}
