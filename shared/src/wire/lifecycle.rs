//! The data lifecycle's answers: an erasure (`DELETE …/visitors/{id}`, `…/callers/{number}`)
//! and the audit log (`GET …/audit`).

use crate::calls::AuditEntry;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Most audit entries one page holds.
pub const MAX_AUDIT_PAGE: usize = 200;
const DEFAULT_AUDIT_PAGE: usize = 50;

/// `GET …/audit`: entries newest first; `next_before` asks for the page after this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<u64>,
}

/// `GET …/audit?limit&before`, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditQuery {
    pub limit: usize,
    pub before: Option<u64>,
}

impl AuditQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self> {
        let mut query = AuditQuery { limit: DEFAULT_AUDIT_PAGE, before: None };
        for (key, value) in pairs {
            match key.as_str() {
                "limit" => {
                    query.limit =
                        value.parse().ok().filter(|n| (1..=MAX_AUDIT_PAGE).contains(n)).ok_or_else(|| {
                            Error::invalid(format!("limit must be 1 to {MAX_AUDIT_PAGE}")).at("limit")
                        })?
                }
                "before" => {
                    query.before = Some(value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        Error::invalid("before must be an entry's seq (a positive integer)").at("before")
                    })?)
                }
                other => {
                    return Err(Error::invalid(format!(
                        "unknown query parameter {other:?}; this endpoint takes limit and before"
                    ))
                    .at(other))
                }
            }
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_audit_query_is_checked() {
        assert_eq!(AuditQuery::parse(&[]).expect("default"), AuditQuery { limit: 50, before: None });
        let q = AuditQuery::parse(&pairs(&[("limit", "5"), ("before", "9")])).expect("given");
        assert_eq!(q, AuditQuery { limit: 5, before: Some(9) });
        for (bad, field) in
            [("limit", "0"), ("limit", "201"), ("before", "-1"), ("before", "x"), ("sort", "asc")]
        {
            let e = AuditQuery::parse(&pairs(&[(bad, field)])).expect_err("refused");
            assert_eq!(e.field(), Some(bad), "{e}");
        }
    }
}
