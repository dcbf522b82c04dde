use chrono::DateTime;
use mail_parser::MessageParser;

use super::*;
use crate::address::parse_address;

fn mailbox(text: &str) -> Mailbox {
    parse_address(text).expect("test address")
}

fn sample() -> Email {
    Email {
        from: mailbox("ACME Service Desk <desk@acme.example>"),
        to: vec![
            mailbox("Ops <ops@acme.example>"),
            mailbox("cto@acme.example"),
        ],
        cc: vec![mailbox("\"Müller, Jörg\" <joerg@client.example>")],
        subject: "[P1][ACME] Payments API outage — Update 3".to_string(),
        date: DateTime::parse_from_rfc3339("2026-11-24T09:00:00+01:00").expect("date"),
        message_id: "2026-11-24-payments.3@mim.acme.example".to_string(),
        in_reply_to: Some("2026-11-24-payments.0@mim.acme.example".to_string()),
        references: vec![
            "2026-11-24-payments.0@mim.acme.example".to_string(),
            "2026-11-24-payments.2@mim.acme.example".to_string(),
        ],
        text: "Payments are **restored** — monitoring.\n\nNext update 10:00.\n".to_string(),
        html: "<p>Payments are <strong>restored</strong> — monitoring.</p>\n".to_string(),
        extra_headers: vec![(
            "X-Mim-Incident".to_string(),
            "2026-11-24-payments".to_string(),
        )],
    }
}

fn bytes(email: &Email) -> Vec<u8> {
    email.to_bytes().expect("to_bytes")
}

fn head(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    text.split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_string()
}

/// lettre sends text with CRLF line ends, as MIME wants.
fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

fn assert_lines_fit(raw: &[u8]) {
    for line in raw.split(|&b| b == b'\n') {
        assert!(line.len() <= 998, "line of {} octets", line.len());
    }
}

#[test]
fn headers_parts_and_recipients_round_trip() {
    let raw = bytes(&sample());
    let msg = MessageParser::default().parse(&raw).expect("parse");
    assert_eq!(
        msg.subject(),
        Some("[P1][ACME] Payments API outage — Update 3")
    );
    let from = msg.from().and_then(|a| a.first()).expect("from");
    assert_eq!(from.name(), Some("ACME Service Desk"));
    assert_eq!(from.address(), Some("desk@acme.example"));
    let to: Vec<_> = msg
        .to()
        .expect("to")
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["ops@acme.example", "cto@acme.example"]);
    let cc = msg.cc().and_then(|a| a.first()).expect("cc");
    assert_eq!(cc.name(), Some("Müller, Jörg"));
    assert_eq!(
        msg.date().map(|d| d.to_rfc3339()).as_deref(),
        Some("2026-11-24T09:00:00+01:00")
    );
    assert_eq!(msg.mime_version().as_text(), Some("1.0"));
    assert_eq!(msg.body_text(0), Some(crlf(&sample().text).into()));
    assert_eq!(msg.body_html(0), Some(crlf(&sample().html).into()));
    let incident = msg.header("X-Mim-Incident").and_then(|v| v.as_text());
    assert_eq!(incident, Some("2026-11-24-payments"));
    let head = head(&raw);
    assert!(
        head.contains("Content-Type: multipart/alternative;"),
        "{head}"
    );
    assert!(!head.contains("Bcc"), "{head}");
}

#[test]
fn parts_declare_utf8_text_and_html() {
    let raw = String::from_utf8(bytes(&sample())).expect("ascii output");
    assert!(
        raw.contains("Content-Type: text/plain; charset=utf-8\r\n"),
        "{raw}"
    );
    assert!(
        raw.contains("Content-Type: text/html; charset=utf-8\r\n"),
        "{raw}"
    );
    assert!(
        raw.contains("Content-Transfer-Encoding: quoted-printable\r\n"),
        "{raw}"
    );
    assert!(raw.is_ascii(), "non-ASCII must be encoded");
}

#[test]
fn threading_headers_are_set_as_given() {
    let raw = bytes(&sample());
    let msg = MessageParser::default().parse(&raw).expect("parse");
    assert_eq!(
        msg.message_id(),
        Some("2026-11-24-payments.3@mim.acme.example")
    );
    assert_eq!(
        msg.in_reply_to().as_text(),
        Some("2026-11-24-payments.0@mim.acme.example")
    );
    let refs = msg.references().as_text_list().expect("references");
    assert_eq!(
        refs,
        [
            "2026-11-24-payments.0@mim.acme.example",
            "2026-11-24-payments.2@mim.acme.example"
        ]
    );
}

#[test]
fn output_is_deterministic() {
    let first = bytes(&sample());
    assert_eq!(first, bytes(&sample()));
    let head = head(&first);
    assert!(
        head.contains("\r\nDate: Tue, 24 Nov 2026 09:00:00 +0100\r\n"),
        "{head}"
    );
    assert!(head.contains("boundary=\"=_mim_"), "{head}");
    let mut other = sample();
    other.message_id = "other@mim.acme.example".to_string();
    assert_ne!(boundary_of(&first), boundary_of(&bytes(&other)));
}

fn boundary_of(raw: &[u8]) -> String {
    let msg = MessageParser::default().parse(raw).expect("parse");
    let ct = msg.header("Content-Type").and_then(|v| v.as_content_type());
    ct.and_then(|ct| ct.attribute("boundary"))
        .expect("boundary")
        .to_string()
}

#[test]
fn boundary_avoids_text_that_contains_it() {
    let mut email = sample();
    let taken = boundary(&email.message_id, "", "");
    email.text = format!("--{taken}\nnot a part\n");
    let raw = bytes(&email);
    assert_ne!(boundary_of(&raw), taken);
    let msg = MessageParser::default().parse(&raw).expect("parse");
    assert_eq!(msg.body_text(0), Some(crlf(&email.text).into()));
}

#[test]
fn header_injection_is_inert() {
    let mut email = sample();
    email.subject = "Outage\r\nBcc: attacker@evil.example".to_string();
    email.from.name = Some("Desk\r\nBcc: attacker@evil.example".to_string());
    email.to[0].name = Some("Ops\nBcc: attacker@evil.example".to_string());
    email.extra_headers[0].1 = "x\r\nBcc: attacker@evil.example".to_string();
    let raw = bytes(&email);
    let msg = MessageParser::default().parse(&raw).expect("parse");
    assert!(msg.bcc().is_none());
    assert!(
        msg.headers()
            .iter()
            .all(|h| !h.name().eq_ignore_ascii_case("bcc"))
    );
    assert_eq!(msg.subject(), Some("Outage Bcc: attacker@evil.example"));
    let to: Vec<_> = msg
        .to()
        .expect("to")
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["ops@acme.example", "cto@acme.example"]);
    let head = head(&raw);
    assert!(
        !head
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc")),
        "{head}"
    );
}

#[test]
fn non_ascii_subject_is_encoded_and_round_trips() {
    let mut email = sample();
    email.subject = "Störung: Zahlungen — 支付中断 ✅".to_string();
    let raw = bytes(&email);
    let head = head(&raw);
    assert!(head.is_ascii(), "{head}");
    assert!(head.contains("Subject: =?utf-8?"), "{head}");
    let msg = MessageParser::default().parse(&raw).expect("parse");
    assert_eq!(msg.subject(), Some(email.subject.as_str()));
}

#[test]
fn long_lines_are_wrapped_or_encoded() {
    let mut email = sample();
    email.subject = format!("{} {}", "word ".repeat(200), "x".repeat(1500));
    email.to[0].name = Some("N".repeat(1200));
    email.text = format!("{}\n{}\n", "a".repeat(5000), "ü".repeat(2000));
    email.html = format!("<p>{}</p>\n", "b ".repeat(3000));
    email.references = (0..80)
        .map(|n| format!("{n}.update@mim.acme.example"))
        .collect();
    let raw = bytes(&email);
    assert_lines_fit(&raw);
    let msg = MessageParser::default().parse(&raw).expect("parse");
    let long_word = format!("{} {}", "x".repeat(900), "x".repeat(600));
    assert_eq!(
        msg.subject(),
        Some(format!("{}{long_word}", "word ".repeat(200)).as_str())
    );
    assert_eq!(msg.body_text(0), Some(crlf(&email.text).into()));
    assert_eq!(msg.body_html(0), Some(crlf(&email.html).into()));
    assert_eq!(msg.references().as_text_list().map(<[_]>::len), Some(80));
}

#[test]
fn bad_message_ids_are_refused() {
    for id in [
        "<a@b.example>",
        "a b@c.example",
        "nohost",
        "@b",
        "a@b\r\nBcc: x@evil.example",
    ] {
        let mut email = sample();
        email.message_id = id.to_string();
        let err = email.to_bytes().expect_err(id);
        assert!(
            format!("{err:#}").contains("invalid message ID"),
            "{id}: {err:#}"
        );
        let mut email = sample();
        email.references.push(id.to_string());
        assert!(email.to_bytes().is_err(), "reference {id}");
    }
}

#[test]
fn reserved_or_malformed_extra_headers_are_refused() {
    for name in ["Bcc", "subject", "X Mim", "X-Mim:", "", "X-Mim\r\nBcc"] {
        let mut email = sample();
        email.extra_headers = vec![(name.to_string(), "v".to_string())];
        let err = email.to_bytes().expect_err(name);
        assert!(
            format!("{err:#}").contains("invalid extra header"),
            "{name}: {err:#}"
        );
    }
}

#[test]
fn a_message_needs_recipients() {
    let mut email = sample();
    email.to.clear();
    email.cc.clear();
    let err = email.to_bytes().expect_err("no recipients");
    assert!(
        format!("{err:#}").contains("assembling the e-mail"),
        "{err:#}"
    );
}

#[test]
fn unencodable_dates_are_refused() {
    let mut email = sample();
    email.date = DateTime::parse_from_rfc3339("1969-12-31T23:00:00Z").expect("date");
    assert!(email.to_bytes().is_err());
}

#[test]
fn sample_eml_snapshot() {
    let raw = String::from_utf8(bytes(&sample())).expect("ascii output");
    assert!(raw.split_inclusive('\n').all(|line| line.ends_with("\r\n")));
    insta::assert_snapshot!(raw.replace("\r\n", "\n"));
}

#[test]
fn bodies_get_crlf_line_ends_in_one_pass() {
    assert_eq!(super::crlf("a\nb\r\nc\n\n"), "a\r\nb\r\nc\r\n\r\n");
    assert_eq!(super::crlf("é\n"), "é\r\n");
    assert_eq!(super::crlf(""), "");
}
