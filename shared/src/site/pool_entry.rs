//! One tracking number of a site's pool: as its owner writes it and as stored.

use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// One pool number as a site owner writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum PoolEntrySetup {
    Number(String),
    Detailed {
        number: String,
        #[serde(default)]
        region: Option<String>,
        /// Which business number it replaces (default: the main one).
        #[serde(default)]
        business_number: Option<String>,
    },
}

/// One pool number as stored: a valid number and its normalised region code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredEntry")]
pub struct PoolEntry {
    pub number: PhoneNumber,
    pub region: Option<String>,
    /// Calls to it forward here (`None`: the site's main business number).
    pub business_number: Option<PhoneNumber>,
}

/// Configurations stored before numbers had regions list bare numbers.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredEntry {
    Bare(PhoneNumber),
    Full {
        number: PhoneNumber,
        #[serde(default)]
        region: Option<String>,
        #[serde(default)]
        business_number: Option<PhoneNumber>,
    },
}

impl From<StoredEntry> for PoolEntry {
    fn from(e: StoredEntry) -> Self {
        match e {
            StoredEntry::Bare(number) => PoolEntry { number, region: None, business_number: None },
            StoredEntry::Full { number, region, business_number } => {
                PoolEntry { number, region, business_number }
            }
        }
    }
}
