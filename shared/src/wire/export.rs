//! A site's data as NDJSON, a line each: `GET /v1/sites/{site}/export?from&to` (a backup, or a
//! move to another tool) streams a header line, then its calls, its visitor sessions and its
//! ad spend in that order, each page read from the site's object as the stream is consumed
//! (nothing is built in memory); `POST /v1/sites/{site}/import` with `application/x-ndjson`
//! reads such lines back (a file larger than one request is split at line ends).

use crate::calls::CallRecord;
use crate::error::{Error, Result};
use crate::money::SpendDay;
use crate::pool::Lease;
use crate::support::{parse_time, Timestamp};
use serde::{Deserialize, Serialize};

/// The format's version, in the header line.
pub const EXPORT_VERSION: u32 = 1;
/// Rows one page of the export reads from the site's object.
pub const EXPORT_PAGE: usize = 500;
/// The largest NDJSON import request (a longer file is sent in parts, split at line ends).
pub const MAX_NDJSON_IMPORT: usize = 4 * 1024 * 1024;

/// One line of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExportLine {
    /// The first line: whose data, which range, and the currency spend amounts are in.
    Export {
        version: u32,
        site: String,
        from: Timestamp,
        to: Timestamp,
        currency: String,
    },
    Call {
        call: Box<CallRecord>,
    },
    Session {
        session: Box<Lease>,
    },
    Spend {
        spend: SpendDay,
    },
}

/// `?from&to` of an export, checked: dates or RFC 3339 times, `to`'s day included; by
/// default everything the site holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportQuery {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl ExportQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self> {
        let mut query = ExportQuery { from: Timestamp::MIN, to: Timestamp::MAX };
        for (key, value) in pairs {
            match key.as_str() {
                "from" => query.from = parse_time("from", value, false).map_err(|e| e.at("from"))?,
                "to" => query.to = parse_time("to", value, true).map_err(|e| e.at("to"))?,
                other => {
                    return Err(Error::invalid(format!(
                        "unknown query parameter {other:?}; this endpoint takes from and to"
                    ))
                    .at(other))
                }
            }
        }
        if query.to <= query.from {
            return Err(Error::invalid("to must be after from").at("to"));
        }
        Ok(query)
    }
}

/// Where an export stands: which part it is reading, and the last row it read of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportCursor {
    pub part: ExportPart,
    /// The last row's key (`[ms, id]`; for spend `[day, source, medium, campaign]`); `None`
    /// at the part's start.
    pub after: Option<Vec<serde_json::Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportPart {
    Calls,
    Sessions,
    Spend,
}

/// One page: its NDJSON text (each line ending in `\n`), and where the next starts (`None`:
/// the export is complete).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPage {
    pub ndjson: String,
    pub next: Option<ExportCursor>,
}

/// What an NDJSON import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NdjsonImported {
    /// Calls added, and calls the site already had (kept as they were).
    pub calls: u64,
    pub skipped: u64,
    pub sessions: u64,
    pub spend_days: u64,
}
