//! What the fuzz targets (`shared/fuzz`, `make fuzz`) check on arbitrary input: the shared
//! parsers never panic, and the properties each one promises hold. The same functions replay
//! the inputs fuzzing once found (`shared/fuzz/regressions/<target>/`) as host tests.

use crate::traffic::{strip_tracking_params, TrafficSource, Visit};
use phone::{occurrences, swap_text, PhoneNumber, Shown, Where};

/// Up to `n` strings cut from `data` at zero bytes (lossy UTF-8).
fn fields(data: &[u8], n: usize) -> Vec<String> {
    data.splitn(n, |b| *b == 0).map(|f| String::from_utf8_lossy(f).into_owned()).collect()
}

/// The traffic source of a visit: a lease body as JSON, and a visit's fields as they come.
pub fn traffic_source(data: &[u8]) {
    let _ = crate::wire::LeaseBody::parse(data);
    let f = fields(data, 7);
    let get = |i: usize| f.get(i).cloned().filter(|s| !s.is_empty());
    let visit = Visit {
        utm_source: get(0),
        utm_medium: get(1),
        utm_campaign: get(2),
        utm_term: get(3),
        utm_content: get(4),
        referrer: get(5),
        landing_page: get(6),
        ..Visit::default()
    };
    let source = TrafficSource::from_visit(&visit);
    assert_eq!(source, TrafficSource::from_visit(&visit), "classification is a function of the visit");
    let _ = visit.is_internal_navigation();
    if let Some(page) = &visit.landing_page {
        let once = strip_tracking_params(page);
        assert_eq!(strip_tracking_params(&once), once, "stripping tracking parameters twice changes nothing");
    }
}

/// Phone numbers: parsing, its round trip, finding and replacing printed numbers.
pub fn phone_numbers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(n) = PhoneNumber::parse(&text) {
        assert_eq!(PhoneNumber::parse(n.e164()).as_ref(), Ok(&n), "E.164 parses back to itself");
        assert_eq!(PhoneNumber::parse(&n.formatted()).as_ref(), Ok(&n), "the formatted number parses back");
    }
    let (from, to) = (Shown::from_dialled("+15550100100"), Shown::from_dialled("+15550100201,042"));
    let (Some(from), Some(to)) = (from, to) else { panic!("valid numbers") };
    for place in [Where::Text { label: "ext." }, Where::Tel] {
        let found: Vec<_> = occurrences(&text, from.number, place).collect();
        for (start, end) in &found {
            assert!(text.is_char_boundary(*start) && text.is_char_boundary(*end) && start < end);
        }
        match swap_text(&text, &[(from, to)], place) {
            Some(out) => assert!(
                !found.is_empty() && occurrences(&out, from.number, place).next().is_none(),
                "every printing replaced"
            ),
            None => assert!(found.is_empty(), "nothing to replace only when nothing was found"),
        }
        // Swapped back, the text is what it was (a same-length number is written in place,
        // its extension after it and taken away with it), unless it showed the tracking
        // number already.
        if let Some(out) = swap_text(&text, &[(from, to)], place) {
            if occurrences(&text, to.number, place).next().is_none() {
                assert_eq!(swap_text(&out, &[(to, from)], place).as_deref(), Some(&*text), "swapping back");
            }
        }
    }
}

/// Twilio's form bodies: decoding, the voice webhook and every callback's events.
pub fn twilio_form(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let params = crate::support::parse_urlencoded(&text);
    let _ = crate::support::percent_decode(&text);
    let _ = crate::providers::twilio::VoiceWebhook::from_params(&params);
    let tn = PhoneNumber::parse("+15550100201").expect("a number");
    // What a caller keys is kept within bounds, whatever a request carries; a gather URL's
    // step and attempt are read or refused.
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if let Some(keys) = get("Digits").and_then(crate::calls::keyed_digits) {
        assert!(
            keys.len() <= crate::calls::MAX_KEYS
                && keys.bytes().all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
        );
    }
    let _ = crate::providers::twilio::GatherState::parse(get("step"), get("attempt"));
    // A CRM's answer (the same bytes) is read to a decision: identified, or a known reason.
    crm_answer(&text);
    for hook in ["voice", "status", "dial", "recording", "transcription", "gather"] {
        if let Some(hook) = crate::providers::twilio::Hook::from_path_segment(hook) {
            for voicemail in [false, true] {
                let _ = crate::providers::twilio::events(
                    hook,
                    &params,
                    &tn,
                    voicemail,
                    crate::Timestamp(1_795_000_000_000),
                );
            }
        }
    }
}

/// Reads `body` as a CRM's answer to caller identification in both CRM modes: never a panic,
/// and an unidentified caller always has one of the documented reasons.
fn crm_answer(body: &str) {
    use crate::site::{CallerIdentification, CallerIdentificationSetup, IdentificationMode};
    let destinations: std::collections::BTreeMap<String, PhoneNumber> =
        [("gold".to_string(), PhoneNumber::parse("+15550100500").expect("a number"))].into_iter().collect();
    for mode in [IdentificationMode::Check, IdentificationMode::Destination] {
        let setup = CallerIdentificationSetup {
            digits: 6,
            mode,
            crm_url: Some("https://crm.example/identify".into()),
            crm_secret: Some("crm-secret-0123456789".into()),
            ..CallerIdentificationSetup::default()
        };
        let Ok(setup) = CallerIdentification::from_setup(&setup, &destinations, None) else { continue };
        let reply = crate::calls::CrmReply::Answered { status: 200, body: body.to_string() };
        let d = crate::calls::decide(&setup, &destinations, Some(&reply));
        let known = ["not_found", "crm_fail", "crm_malformed", "unknown_destination"];
        assert!(d.identified || d.reason.as_deref().is_some_and(|r| known.contains(&r)), "{d:?}");
    }
}

/// Signatures: arbitrary presented signatures and headers never verify (nor panic); what we
/// sign verifies.
pub fn signatures(data: &[u8]) {
    let f = fields(data, 4);
    let get = |i: usize| f.get(i).cloned().unwrap_or_default();
    let (token, url, presented, header) = (get(0), get(1), get(2), get(3));
    let params = crate::support::parse_urlencoded(&header);
    let urls = crate::providers::twilio_url_candidates(&url, None, None, None);
    let _ = crate::providers::verify_twilio(&token, &urls, &params, &presented);
    if !token.is_empty() {
        let signed = crate::providers::twilio_signature(&token, &url, &params);
        assert!(
            crate::providers::verify_twilio(&token, std::slice::from_ref(&url), &params, &signed),
            "our signature verifies"
        );
    }
    let now = 1_795_000_000;
    let _ = crate::webhooks::verify_webhook(&token, &header, data, now, 300);
    let made = crate::webhooks::webhook_signature_header(&token, now, data);
    assert!(
        token.is_empty() || crate::webhooks::verify_webhook(&token, &made, data, now, 300),
        "our header verifies"
    );
}

#[cfg(test)]
mod tests {
    /// Every input fuzzing found (kept under `shared/fuzz/regressions/<target>/`), replayed.
    #[test]
    fn inputs_fuzzing_found_stay_fixed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
        type Check = fn(&[u8]);
        let targets: [(&str, Check); 4] = [
            ("traffic_source", super::traffic_source),
            ("phone_numbers", super::phone_numbers),
            ("twilio_form", super::twilio_form),
            ("signatures", super::signatures),
        ];
        let mut replayed = 0;
        for (name, check) in targets {
            let Ok(dir) = std::fs::read_dir(root.join(name)) else { continue };
            for file in dir.flatten() {
                let data = std::fs::read(file.path()).expect("read a regression input");
                check(&data);
                replayed += 1;
            }
        }
        // Plus inputs of the kinds that matter, so each check runs even before any is found.
        for data in [
            &b""[..],
            b"\0\0\0",
            b"+1 (555) 010-0100",
            b"CallSid=CA1&To=%2B1555&From=x",
            "\u{202e}555".as_bytes(),
        ] {
            for (_, check) in targets {
                check(data);
            }
        }
        assert!(replayed >= 3, "the kept inputs are found ({replayed} in {})", root.display());
    }
}
