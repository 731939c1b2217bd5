//! What a call earned: `PATCH /v1/sites/{site}/calls/{id}` sets its value, whether it
//! converted, a note and tags (from the call page, or a CRM once the sale is known). Each
//! change is an event in the call's timeline.

use super::record::CallRecord;
use crate::error::{Error, Result};
use crate::money::{Currency, Money};
use crate::site::AmountText;
use serde::{Deserialize, Deserializer, Serialize};

/// Largest body of a call's change.
pub const MAX_CALL_PATCH_BODY: usize = 16 * 1024;
const MAX_NOTE: usize = 2000;
const MAX_LABELS: usize = 20;
const MAX_LABEL: usize = 64;

/// A field a patch may set or clear: absent (unchanged), `null` (cleared) or a value.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The body of `PATCH …/calls/{id}`: the fields it names change, `null` clears one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallPatch {
    /// `"120.00"` or `120`, in the site's currency.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub value: Option<Option<AmountText>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub converted: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub note: Option<Option<String>>,
    /// Replaces the tags people set (the transcript's keywords stay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

impl CallPatch {
    /// Parses a body, naming the field of any problem; an empty change is refused.
    pub fn parse(body: &[u8]) -> Result<CallPatch> {
        if body.len() > MAX_CALL_PATCH_BODY {
            return Err(Error::PayloadTooLarge(MAX_CALL_PATCH_BODY));
        }
        if !matches!(body.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{')) {
            return Err(Error::invalid(
                "body must be a JSON object: a call change such as {\"value\": \"120.00\"}",
            ));
        }
        let patch: CallPatch = crate::support::parse_json(body, "call change")?;
        if patch == CallPatch::default() {
            return Err(Error::invalid("name at least one of value, converted, note, tags"));
        }
        if let Some(Some(note)) = &patch.note {
            if note.chars().count() > MAX_NOTE {
                return Err(Error::invalid(format!("note is longer than {MAX_NOTE} characters")).at("note"));
            }
        }
        if let Some(tags) = &patch.tags {
            if tags.len() > MAX_LABELS {
                return Err(Error::invalid(format!("at most {MAX_LABELS} tags")).at("tags"));
            }
            for (i, t) in tags.iter().enumerate() {
                let t = t.trim();
                if t.is_empty() || t.chars().count() > MAX_LABEL || t.chars().any(char::is_control) {
                    return Err(Error::invalid(format!("tags[{i}] must be 1 to {MAX_LABEL} characters"))
                        .at(format!("tags[{i}]")));
                }
            }
        }
        // Amounts are checked for shape here (any currency's decimals); the site checks them
        // in its own currency.
        if let Some(Some(v)) = &patch.value {
            Currency::widest().parse_amount(&v.0, "value")?;
        }
        Ok(patch)
    }

    /// Applies the change to `call` in the site's `currency`: the changes in words (empty:
    /// nothing changed), for the timeline. `keywords`: the site's, to keep the transcript's
    /// tags beside the new ones.
    pub fn apply(
        &self,
        call: &mut CallRecord,
        currency: Currency,
        keywords: &[String],
    ) -> Result<Vec<String>> {
        let mut changes = Vec::new();
        let money_on_masked = self.value.is_some() || self.converted.is_some();
        if money_on_masked && call.masking.is_some() {
            return Err(Error::Conflict(
                "a masked call is between an order's parties, not a marketing call: it has no value".into(),
            )
            .at(if self.value.is_some() { "value" } else { "converted" }));
        }
        if let Some(value) = &self.value {
            let new = value
                .as_ref()
                .map(|v| currency.parse_amount(&v.0, "value").map(|minor| Money { minor, currency }))
                .transpose()?;
            if new != call.value {
                changes.push(match &new {
                    Some(m) => format!("value {} {}", m.amount(), m.currency.code()),
                    None => "value cleared".into(),
                });
                call.value = new;
            }
        }
        if let Some(converted) = self.converted {
            if converted != call.converted {
                changes.push(match converted {
                    Some(true) => "marked converted".into(),
                    Some(false) => "marked not converted".into(),
                    None => "conversion cleared".into(),
                });
                call.converted = converted;
            }
        }
        if let Some(note) = &self.note {
            let note = note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
            if note != call.note {
                changes.push(if note.is_some() { "note changed".into() } else { "note cleared".into() });
                call.note = note;
            }
        }
        if let Some(tags) = &self.tags {
            let mut labels: Vec<String> = Vec::new();
            for t in tags.iter().map(|t| t.trim().to_string()) {
                if !labels.contains(&t) {
                    labels.push(t);
                }
            }
            if labels != call.labels {
                changes.push(if labels.is_empty() {
                    "tags cleared".into()
                } else {
                    format!("tags {}", labels.join(", "))
                });
                call.labels = labels;
                call.tags = tags_of(call.transcript.as_deref(), keywords, &call.labels);
            }
        }
        Ok(changes)
    }
}

/// A call's tags: the site's keywords its transcript says, then the ones people set.
pub fn tags_of(transcript: Option<&str>, keywords: &[String], labels: &[String]) -> Vec<String> {
    let mut tags = transcript.map(|t| super::keyword_tags(t, keywords)).unwrap_or_default();
    for l in labels {
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(l)) {
            tags.push(l.clone());
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallRecord {
        let incoming = crate::IncomingCall {
            call_sid: "CA1".into(),
            from: "+15557654321".into(),
            to: phone::PhoneNumber::parse("+15550100201").unwrap(),
            at: crate::Timestamp(0),
        };
        crate::attribute("demo", incoming, &crate::Pool::default(), 0, false)
    }

    #[test]
    fn a_patch_sets_and_clears_what_it_names() {
        let mut c = call();
        c.transcript = Some("what's the price".into());
        let keywords = vec!["price".to_string()];
        let p = CallPatch::parse(
            br#"{"value": "120.5", "converted": true, "note": " sold ", "tags": ["vip", "vip"]}"#,
        )
        .unwrap();
        let changes = p.apply(&mut c, Currency::USD, &keywords).unwrap();
        assert_eq!(changes, ["value 120.50 USD", "marked converted", "note changed", "tags vip"]);
        assert_eq!(c.value.map(|v| v.minor), Some(12_050));
        assert_eq!(
            (c.converted, c.note.as_deref(), c.tags.clone()),
            (Some(true), Some("sold"), vec!["price".to_string(), "vip".into()])
        );
        assert!(
            p.apply(&mut c, Currency::USD, &keywords).unwrap().is_empty(),
            "the same change twice changes nothing"
        );
        let clear = CallPatch::parse(br#"{"value": null, "converted": null}"#).unwrap();
        assert_eq!(
            clear.apply(&mut c, Currency::USD, &keywords).unwrap(),
            ["value cleared", "conversion cleared"]
        );
        assert_eq!((c.value, c.converted), (None, None));
        assert_eq!(c.note.as_deref(), Some("sold"), "a field left out is kept");
    }

    #[test]
    fn bad_changes_name_their_field() {
        for (body, field, needle) in [
            (&br#"{"value": "12,50"}"#[..], Some("value"), "comma"),
            (br#"{"value": -3}"#, Some("value"), "negative"),
            (br#"{"value": true}"#, Some("value"), "amount"),
            (br#"{"worth": 3}"#, None, "unknown field `worth`"),
            (br#"{}"#, None, "at least one"),
            (br#"{"tags": [""]}"#, Some("tags[0]"), "1 to 64"),
            (br#"{"converted": "yes"}"#, Some("converted"), "invalid type"),
            (br#"[1]"#, None, "call change"),
        ] {
            let err = CallPatch::parse(body).unwrap_err();
            assert_eq!(err.http_status(), 400, "{err}");
            if let Some(f) = field {
                assert_eq!(err.field(), Some(f), "{err}");
            }
            assert!(err.to_string().contains(needle), "{err} should say {needle}");
        }
        let jpy = Currency::parse("JPY", "c").unwrap();
        let err =
            CallPatch::parse(br#"{"value": "10.50"}"#).unwrap().apply(&mut call(), jpy, &[]).unwrap_err();
        assert_eq!(err.field(), Some("value"));
        let mut masked = call();
        masked.masking = Some(crate::calls::MaskedCall::default());
        let err =
            CallPatch::parse(br#"{"value": 5}"#).unwrap().apply(&mut masked, Currency::USD, &[]).unwrap_err();
        assert_eq!(err.http_status(), 409);
        assert!(CallPatch::parse(br#"{"note": "ok"}"#)
            .unwrap()
            .apply(&mut masked, Currency::USD, &[])
            .is_ok());
    }

    #[test]
    fn the_record_and_its_stored_row_earn_the_same() {
        use crate::calls::{CallOutcome, CallRow, Recording};
        let money = |minor| Money { minor, currency: Currency::USD };
        for value in [None, Some(money(700))] {
            for converted in [None, Some(true), Some(false)] {
                for (talk, voicemail, answered) in
                    [(0, false, false), (30, false, true), (90, false, true), (90, true, true)]
                {
                    let mut c = call();
                    c.value = value;
                    c.converted = converted;
                    c.outcome = answered.then_some(CallOutcome::Answered);
                    c.talk_secs = Some(talk);
                    if voicemail {
                        c.recordings.push(Recording {
                            url: "https://r.example/1".into(),
                            duration_secs: Some(90),
                            voicemail,
                        });
                    }
                    for default in [None, Some(5000)] {
                        let case = format!(
                            "{value:?} {converted:?} {talk}s voicemail={voicemail} default={default:?}"
                        );
                        assert_eq!(c.revenue(60, default), CallRow::of(&c).revenue(60, default), "{case}");
                    }
                }
            }
        }
    }

    #[test]
    fn revenue_is_the_value_else_the_default_for_a_converting_call() {
        let mut c = call();
        assert_eq!(c.revenue(60, Some(5000)), 0, "not answered, not converted");
        c.converted = Some(true);
        assert_eq!(c.revenue(60, Some(5000)), 5000);
        c.value = Some(Money { minor: 120, currency: Currency::USD });
        assert_eq!(c.revenue(60, Some(5000)), 120);
        c.value = None;
        c.converted = Some(false);
        assert_eq!(c.revenue(60, Some(5000)), 0);
    }
}
