//! Secrets at rest: the site's Twilio auth token, its CRM secrets and its ad platforms'
//! secrets are stored sealed with AES-256-GCM under the deployment's `SECRETS_KEY` (a Worker
//! secret), a random 96-bit nonce per value and the site's id as associated data (a value
//! copied into another site's row does not open). In memory, and to the code that uses them,
//! they are the plain values: only the row in the object's SQLite holds them sealed.
//!
//! A sealed value reads `sealed:v1:{key id}:{base64 of nonce ‖ ciphertext ‖ tag}`; the key id
//! (8 hex digits of a SHA-256 of the key) says which key sealed it. Rotation: the new key goes
//! in `SECRETS_KEY`, the old one in `SECRETS_KEY_PREVIOUS`; a site's secrets sealed with the
//! old key open with it and are sealed again with the new one the next time the site is
//! loaded, as values stored in clear before sealing existed are.

use crate::error::{Error, Result};
use crate::site::SiteConfig;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

const PREFIX: &str = "sealed:v1:";
/// Bytes of a nonce.
pub const NONCE_LEN: usize = 12;

/// One key: its id and its cipher.
struct SecretsKey {
    id: String,
    cipher: Aes256Gcm,
}

impl SecretsKey {
    /// A key as `SECRETS_KEY` holds it: 32 bytes in base64 (`openssl rand -base64 32`).
    fn parse(name: &str, text: &str) -> Result<Self> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| {
            Error::Storage(format!("{name} is not base64; make one with `openssl rand -base64 32`"))
        })?;
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| {
            Error::Storage(format!(
                "{name} must be 32 bytes (it is {}); make one with `openssl rand -base64 32`",
                bytes.len()
            ))
        })?;
        let digest = Sha256::new().chain_update(b"ringtrace secrets key\0").chain_update(&bytes).finalize();
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Ok(SecretsKey { id, cipher })
    }
}

/// The keys a deployment seals and opens secrets with.
pub struct SecretKeys {
    current: SecretsKey,
    previous: Option<SecretsKey>,
}

/// A stored value, opened.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened {
    pub plain: String,
    /// Stored in clear, or sealed with the previous key: to be sealed again with the current.
    pub stale: bool,
}

impl SecretKeys {
    /// The keys from `SECRETS_KEY` and `SECRETS_KEY_PREVIOUS` (`None` without the first).
    pub fn from_vars(current: Option<&str>, previous: Option<&str>) -> Result<Option<Self>> {
        let Some(current) = current.filter(|c| !c.trim().is_empty()) else { return Ok(None) };
        let current = SecretsKey::parse("SECRETS_KEY", current)?;
        let previous = previous
            .filter(|p| !p.trim().is_empty())
            .map(|p| SecretsKey::parse("SECRETS_KEY_PREVIOUS", p))
            .transpose()?;
        Ok(Some(SecretKeys { current, previous }))
    }

    /// `plain` sealed for `site` with the current key and `nonce` (random, never reused).
    pub fn seal(&self, site: &str, plain: &str, nonce: [u8; NONCE_LEN]) -> Result<String> {
        let payload = Payload { msg: plain.as_bytes(), aad: site.as_bytes() };
        let sealed = self
            .current
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| Error::Storage("a secret could not be sealed".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(format!("{PREFIX}{}:{}", self.current.id, STANDARD.encode(bytes)))
    }

    /// A stored value of `site`'s: opened when sealed, as it is when stored in clear.
    pub fn open(&self, site: &str, stored: &str) -> Result<Opened> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(Opened { plain: stored.to_string(), stale: true });
        };
        let (id, data) = rest.split_once(':').ok_or_else(|| unreadable(site, "its form"))?;
        let (key, stale) = if id == self.current.id {
            (&self.current, false)
        } else {
            match &self.previous {
                Some(previous) if previous.id == id => (previous, true),
                _ => {
                    return Err(Error::Storage(format!(
                        "a secret of site {site:?} was sealed with key {id}, which is neither \
                         SECRETS_KEY ({}) nor SECRETS_KEY_PREVIOUS",
                        self.current.id
                    )))
                }
            }
        };
        let bytes = STANDARD.decode(data).map_err(|_| unreadable(site, "its base64"))?;
        if bytes.len() < NONCE_LEN {
            return Err(unreadable(site, "its length"));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = key
            .cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: site.as_bytes() })
            .map_err(|_| unreadable(site, "its tag (altered, or sealed for another site)"))?;
        let plain = String::from_utf8(plain).map_err(|_| unreadable(site, "its text"))?;
        Ok(Opened { plain, stale })
    }
}

fn unreadable(site: &str, what: &str) -> Error {
    Error::Storage(format!("a sealed secret of site {site:?} does not open: check {what}"))
}

/// Whether a stored value is sealed.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

impl SiteConfig {
    /// Every secret the settings hold, in one place: what is sealed at rest.
    fn secrets_mut(&mut self) -> Vec<&mut String> {
        let mut out = Vec::new();
        if let Some(token) = self.twilio_auth_token.as_mut() {
            out.push(token);
        }
        if let Some(webhook) = self.crm_webhook.as_mut() {
            out.push(&mut webhook.secret);
        }
        if let Some(crm) = self.caller_identification.as_mut().and_then(|c| c.crm.as_mut()) {
            out.push(&mut crm.secret);
        }
        if let Some(ga4) = self.money.ga4.as_mut() {
            out.push(&mut ga4.api_secret);
        }
        if let Some(meta) = self.money.meta.as_mut() {
            out.push(&mut meta.access_token);
        }
        out
    }

    /// The settings as stored: every secret sealed (`nonce` draws a fresh nonce for each).
    /// Without keys, settings that hold a secret are refused: none is stored in clear.
    pub fn sealed(
        &self,
        keys: Option<&SecretKeys>,
        mut nonce: impl FnMut() -> Result<[u8; NONCE_LEN]>,
    ) -> Result<SiteConfig> {
        let mut stored = self.clone();
        let site = stored.id.clone();
        for secret in stored.secrets_mut().into_iter().filter(|s| !s.is_empty() && !is_sealed(s)) {
            let keys = keys.ok_or_else(|| {
                Error::Storage(format!(
                    "site {site:?} holds a secret and SECRETS_KEY is not set: set it with \
                     `wrangler secret put SECRETS_KEY` (32 random bytes in base64)"
                ))
            })?;
            *secret = keys.seal(&site, secret, nonce()?)?;
        }
        Ok(stored)
    }

    /// The settings as read from storage, their secrets opened; `true` when one was stored
    /// in clear or under the previous key (the settings are then to be written again).
    pub fn opened(&self, keys: Option<&SecretKeys>) -> Result<(SiteConfig, bool)> {
        let mut config = self.clone();
        let site = config.id.clone();
        let mut stale = false;
        for secret in config.secrets_mut() {
            match keys {
                Some(keys) => {
                    let opened = keys.open(&site, secret)?;
                    stale |= opened.stale && !secret.is_empty();
                    *secret = opened.plain;
                }
                None if is_sealed(secret) => {
                    return Err(Error::Storage(format!(
                        "site {site:?} has sealed secrets and SECRETS_KEY is not set"
                    )))
                }
                None => {}
            }
        }
        Ok((config, stale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes
    const OTHER: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

    fn keys(current: &str, previous: Option<&str>) -> SecretKeys {
        SecretKeys::from_vars(Some(current), previous).expect("keys").expect("a key")
    }

    fn counter() -> impl FnMut() -> Result<[u8; NONCE_LEN]> {
        let mut n = 0u8;
        move || {
            n += 1;
            Ok([n; NONCE_LEN])
        }
    }

    #[test]
    fn a_sealed_value_opens_only_for_its_site_and_unaltered() {
        let k = keys(KEY, None);
        let sealed = k.seal("shop", "twilio-token-123", [7; NONCE_LEN]).expect("sealed");
        assert!(is_sealed(&sealed) && !sealed.contains("twilio-token-123"), "{sealed}");
        assert_eq!(
            k.open("shop", &sealed).expect("opens"),
            Opened { plain: "twilio-token-123".into(), stale: false }
        );
        assert!(k.open("other-shop", &sealed).is_err(), "the site id is associated data");
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(k.open("shop", &String::from_utf8(altered).expect("text")).is_err());
        // A fresh nonce per value: the same secret seals differently.
        let again = k.seal("shop", "twilio-token-123", [8; NONCE_LEN]).expect("sealed");
        assert_ne!(sealed, again);
    }

    #[test]
    fn keys_are_checked_and_rotation_opens_the_old_and_marks_it_stale() {
        assert!(SecretKeys::from_vars(None, None).expect("no key").is_none());
        assert!(SecretKeys::from_vars(Some("  "), None).expect("no key").is_none());
        let short = SecretKeys::from_vars(Some("c2hvcnQ="), None).err().expect("refused");
        assert!(short.to_string().contains("32 bytes"), "{short}");
        assert!(SecretKeys::from_vars(Some("not base64!"), None).is_err());
        let old = keys(OTHER, None).seal("shop", "s3cret-value-0000", [1; NONCE_LEN]).expect("sealed");
        let rotated = keys(KEY, Some(OTHER));
        assert_eq!(
            rotated.open("shop", &old).expect("opens"),
            Opened { plain: "s3cret-value-0000".into(), stale: true }
        );
        let lost = keys(KEY, None).open("shop", &old).expect_err("unknown key");
        assert!(lost.to_string().contains("SECRETS_KEY_PREVIOUS"), "{lost}");
        // A value stored before sealing existed reads as it is, to be sealed.
        assert_eq!(
            rotated.open("shop", "clear").expect("clear"),
            Opened { plain: "clear".into(), stale: true }
        );
    }

    fn setup(secrets: bool) -> SiteConfig {
        let mut setup = serde_json::json!({
            "business_number": "+1 555 010 0100", "pool": ["+15550100201"], "api_token": "a-long-enough-token",
        });
        if secrets {
            let more = serde_json::json!({
                "twilio_auth_token": "twiliotoken123",
                "crm_webhook": {"url": "https://crm.example/hook", "secret": "crm-secret-0123456"},
                "caller_identification": {"digits": 6, "mode": "check", "crm_url": "https://crm.example/who",
                                          "crm_secret": "crm-lookup-secret-01"},
                "currency": "eur",
                "ga4": {"measurement_id": "G-ACME1234", "api_secret": "ga4-secret-acme"},
                "meta": {"pixel_id": "1234567890", "access_token": "meta-token-acme-0123456789"},
            });
            setup.as_object_mut().expect("object").extend(more.as_object().expect("object").clone());
        }
        SiteConfig::from_setup("shop", serde_json::from_value(setup).expect("setup")).expect("config")
    }

    #[test]
    fn settings_are_stored_sealed_and_read_back_plain() {
        let config = setup(true);
        assert_eq!(config.clone().secrets_mut().len(), 5, "every secret the setup names");
        let k = keys(KEY, None);
        let stored = config.sealed(Some(&k), counter()).expect("sealed");
        let text = serde_json::to_string(&stored).expect("json");
        for plain in
            ["twiliotoken123", "crm-secret-0123456", "crm-lookup-secret-01", "ga4-secret", "meta-token"]
        {
            assert!(!text.contains(plain), "{plain} in clear: {text}");
        }
        assert_eq!(stored.opened(Some(&k)).expect("opened"), (config.clone(), false));
        // Stored in clear before: read as it is, and stale; sealing it again is idempotent.
        assert_eq!(config.opened(Some(&k)).expect("clear"), (config.clone(), true));
        assert_eq!(stored.sealed(Some(&k), counter()).expect("again"), stored);
        // No key: a secret is not stored, nor a sealed one read; settings without one are.
        assert!(config.sealed(None, counter()).is_err());
        assert!(stored.opened(None).is_err());
        let plain = setup(false);
        assert_eq!(plain.sealed(None, counter()).expect("nothing to seal"), plain);
    }
}
