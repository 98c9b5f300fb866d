//! Kiosks: tablets or PCs by an entrance that check people in by their face, through the same
//! recognition path as the CCTV cameras.
//!
//! A kiosk is a device, not an operator. An admin creates it (a name, the camera id its
//! frames are captures of, and its mode) and pairs one device with a one-time code
//! ([`PairingCode`]); the device then holds a long-lived cookie ([`crate::session::SessionToken`],
//! stored only as its hash) that can do exactly one thing: submit frames and hear its own
//! results. The console publishes each frame as a `FaceCapture` of the kiosk's camera
//! ([`frames`]) and waits for face-embedder's and attendance-worker's answer on one shared
//! subscription ([`results`]). The types here validate on construction; [`store`] keeps them.

pub mod frames;
pub mod results;
pub mod store;

use std::time::Duration;

use chrono::{DateTime, Utc};
use faceattend_domain::FieldIssue;
use faceattend_domain::person::Text;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// How long a pairing code can be used after the admin asked for it.
pub const PAIRING_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// How long a kiosk's device cookie lasts: the device stays paired until revoked.
pub const DEVICE_COOKIE_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

/// How often a kiosk's `last_seen_at` is written at most.
pub const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// What a kiosk is called on its screen and in the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskName(String);

impl KioskName {
    pub const MAX_LEN: usize = 80;

    /// Trimmed, 1 to [`Self::MAX_LEN`] characters, no control characters.
    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        Text::parse(raw, Self::MAX_LEN).map(|text| Self(text.as_str().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which way a person passing the kiosk goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KioskMode {
    /// Every recognition is a check-in.
    Entry,
    /// Every recognition is a check-out.
    Exit,
    /// attendance-worker decides by the person's day (as for a camera of role `both`).
    Both,
    /// The person presses "In" or "Out" first; the frames carry that action.
    Ask,
}

impl KioskMode {
    pub const ALL: [KioskMode; 4] = [
        KioskMode::Entry,
        KioskMode::Exit,
        KioskMode::Both,
        KioskMode::Ask,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KioskMode::Entry => "entry",
            KioskMode::Exit => "exit",
            KioskMode::Both => "both",
            KioskMode::Ask => "ask",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        KioskMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == raw)
            .ok_or_else(|| {
                FieldIssue::new("invalid_choice", "must be one of entry, exit, both, ask")
            })
    }

    /// The camera role a capture of this kiosk carries: the mode itself, or for `ask` the
    /// action the person chose (`None` when they chose none: the frame is refused).
    pub fn camera_role(self, action: Option<KioskAction>) -> Option<&'static str> {
        match (self, action) {
            (KioskMode::Entry, _) => Some("entry"),
            (KioskMode::Exit, _) => Some("exit"),
            (KioskMode::Both, _) => Some("both"),
            (KioskMode::Ask, Some(KioskAction::In)) => Some("entry"),
            (KioskMode::Ask, Some(KioskAction::Out)) => Some("exit"),
            (KioskMode::Ask, None) => None,
        }
    }
}

/// What a person at an `ask` kiosk pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KioskAction {
    In,
    Out,
}

/// Where a kiosk stands with its device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KioskState {
    /// No device was ever paired (or the last pairing code is still unused).
    Unpaired,
    /// A device is paired and may submit frames.
    Paired,
    /// An admin revoked it: no device may use it until a new code is used.
    Revoked,
}

/// A kiosk as the console works with it (never with its device's token hash outside `store`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kiosk {
    pub id: Uuid,
    pub name: String,
    pub camera_id: String,
    pub mode: KioskMode,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub paired_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether a device holds a token for it now.
    pub has_device: bool,
}

impl Kiosk {
    pub fn state(&self) -> KioskState {
        if self.revoked_at.is_some() {
            KioskState::Revoked
        } else if self.has_device {
            KioskState::Paired
        } else {
            KioskState::Unpaired
        }
    }
}

/// A one-time pairing code: 8 characters from an alphabet without the look-alikes 0/O and
/// 1/I, so it can be read off a screen and typed on a tablet. 32 symbols make 40 bits; with
/// its ten-minute life, single use and the per-address throttle, guessing one is hopeless.
#[derive(Clone, PartialEq, Eq)]
pub struct PairingCode(String);

impl PairingCode {
    pub const ALPHABET: &'static [u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    pub const LEN: usize = 8;

    /// A fresh code from the operating system's randomness (32 symbols: no modulo bias).
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; Self::LEN];
        getrandom::fill(&mut bytes)?;
        Ok(Self(
            bytes
                .iter()
                .map(|b| Self::ALPHABET[usize::from(b % 32)] as char)
                .collect(),
        ))
    }

    /// A code as typed: case, spaces and dashes do not matter. Anything else that is not a
    /// code is `None` (answered as any wrong code is).
    pub fn parse(raw: &str) -> Option<Self> {
        let code: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = code.len() == Self::LEN && code.bytes().all(|b| Self::ALPHABET.contains(&b));
        valid.then_some(Self(code))
    }

    /// What the database keys the pairing by.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PairingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PairingCode(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unambiguous_and_read_back_however_typed() {
        for _ in 0..200 {
            let code = PairingCode::generate().unwrap();
            assert_eq!(code.as_str().len(), 8);
            assert!(!code.as_str().contains(['0', 'O', '1', 'I']), "{code:?}");
            let typed = format!(
                "{}-{} ",
                code.as_str()[..4].to_lowercase(),
                &code.as_str()[4..]
            );
            assert_eq!(PairingCode::parse(&typed), Some(code.clone()));
            assert_eq!(PairingCode::parse(&typed).unwrap().hash(), code.hash());
        }
        for bad in [
            "",
            "ABCDEFG",
            "ABCDEFGHJ",
            "ABCDEF0H",
            "ABCDEFIH",
            "ABCDÉFGH",
        ] {
            assert!(PairingCode::parse(bad).is_none(), "{bad:?}");
        }
        assert_eq!(
            format!("{:?}", PairingCode::parse("ABCDEFGH").unwrap()),
            "PairingCode(..)"
        );
    }

    #[test]
    fn a_mode_gives_the_captures_camera_role() {
        assert_eq!(
            KioskMode::Entry.camera_role(Some(KioskAction::Out)),
            Some("entry")
        );
        assert_eq!(KioskMode::Exit.camera_role(None), Some("exit"));
        assert_eq!(KioskMode::Both.camera_role(None), Some("both"));
        assert_eq!(
            KioskMode::Ask.camera_role(Some(KioskAction::In)),
            Some("entry")
        );
        assert_eq!(
            KioskMode::Ask.camera_role(Some(KioskAction::Out)),
            Some("exit")
        );
        assert_eq!(KioskMode::Ask.camera_role(None), None);
        assert!(KioskMode::parse("sideways").is_err());
        assert_eq!(KioskMode::parse("ask").unwrap(), KioskMode::Ask);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(KioskName::parse("  Lobby ").unwrap().as_str(), "Lobby");
        assert!(KioskName::parse(" ").is_err());
        assert!(KioskName::parse(&"x".repeat(81)).is_err());
        assert!(KioskName::parse(&"x".repeat(80)).is_ok());
    }
}
