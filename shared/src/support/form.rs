//! `application/x-www-form-urlencoded` decoding, for query strings and webhook bodies.

/// Decodes `a=1&b=x%20y` into ordered pairs. Malformed escapes are kept literally; a pair
/// without `=` has an empty value.
pub fn parse_urlencoded(input: &str) -> Vec<(String, String)> {
    input
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` as space; invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_twilio_style_bodies() {
        let pairs = parse_urlencoded("CallSid=CA1&From=%2B12349013030&Caller=a+b&Empty=&Flag");
        assert_eq!(pairs[1], ("From".into(), "+12349013030".into()));
        assert_eq!(pairs[2], ("Caller".into(), "a b".into()));
        assert_eq!(pairs[3], ("Empty".into(), "".into()));
        assert_eq!(pairs[4], ("Flag".into(), "".into()));
    }

    #[test]
    fn keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%20b+c%zz%4"), "a b c%zz%4");
        assert_eq!(percent_decode("%E2%82%AC%ff"), "€\u{fffd}");
    }
}
