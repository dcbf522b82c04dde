//! What a rendered message in `outbox/` must be, for `mim validate --deep`: 7-bit
//! RFC 5322 text with the headers mim writes (its Message-ID, incident and audience),
//! and a MIME body whose every part decodes to UTF-8 text. `check` never reads these.
//! The message is read with `mail-parser` (structure, headers, transfer encodings);
//! what is checked here is only what mim requires of it.

use std::path::Path;

use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

use crate::diag::Diagnostic;
use crate::model::Audience;

/// The first thing wrong with the message at `path` below `base` (shown as `shown`),
/// written for `incident` to `audience`. It is read as every repository file is: never
/// through a symbolic link, never more than an e-mail's limit.
pub fn problems(
    base: &Path,
    path: &Path,
    shown: &Path,
    incident: &str,
    audience: Audience,
) -> Option<Diagnostic> {
    let raw = match crate::safe_fs::read(base, path) {
        Ok(raw) => raw,
        Err(e) => return Some(Diagnostic::new(shown, format!("cannot read: {e}"))),
    };
    let stem = shown
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".eml"))
        .unwrap_or_default();
    check(&raw, stem, incident, audience.as_str())
        .err()
        .map(|(line, message)| {
            let d = Diagnostic::new(shown, message);
            if line > 0 { d.at(line, 1) } else { d }
        })
}

/// `Err((line, message))` for the first problem (line 0 when it has none).
type Problem = (usize, String);

fn check(raw: &[u8], stem: &str, incident: &str, audience: &str) -> Result<(), Problem> {
    if let Some(at) = raw.iter().position(|b| !b.is_ascii()) {
        return Err((
            line_at(raw, at),
            "not 7-bit text: mim writes every part quoted-printable or base64; re-render it or restore it from git".into(),
        ));
    }
    let message = MessageParser::default().parse(raw).ok_or((
        0,
        "no headers: this is not the message mim wrote".to_string(),
    ))?;
    let header = |name: &str| message.header_raw(name.to_string()).map(str::trim);
    for name in [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "Content-Type",
    ] {
        if header(name).is_none() {
            return Err((
                0,
                format!("no {name} header: this is not the message mim wrote"),
            ));
        }
    }
    let id = header("Message-ID").unwrap_or_default();
    if !id.starts_with(&format!("<{stem}.{incident}@")) {
        return Err((
            0,
            format!("its Message-ID {id} is not this message's (<{stem}.{incident}@…>)"),
        ));
    }
    if header("X-Mim-Incident") != Some(incident) {
        return Err((
            0,
            format!("its X-Mim-Incident header does not say {incident}"),
        ));
    }
    if header("X-Mim-Audience") != Some(audience) {
        return Err((
            0,
            format!("its X-Mim-Audience header does not say {audience}"),
        ));
    }
    message
        .parts
        .iter()
        .try_for_each(|part| check_part(&message, part))
}

/// One part: a multipart's closing boundary and parts, or a leaf's encoding and text.
fn check_part(message: &Message, part: &MessagePart) -> Result<(), Problem> {
    let raw = message.raw_message();
    let line = line_at(raw, part.raw_body_offset() as usize);
    let content_type = part.content_type();
    if content_type.is_some_and(|t| t.ctype().eq_ignore_ascii_case("multipart")) {
        let boundary = content_type
            .and_then(|t| t.attribute("boundary"))
            .ok_or((0, "a multipart message without a boundary".to_string()))?;
        let close = format!("--{boundary}--");
        let body = &raw[part.raw_body_offset() as usize..];
        let ends = body
            .split(|&b| b == b'\n')
            .any(|l| l.strip_suffix(b"\r").unwrap_or(l) == close.as_bytes());
        if !ends {
            return Err((
                0,
                format!(
                    "the multipart body does not end (no `{close}` line): the message is cut short"
                ),
            ));
        }
        return match &part.body {
            PartType::Multipart(parts) if !parts.is_empty() => Ok(()),
            _ => Err((line, "a multipart body without parts".into())),
        };
    }
    let encoding = part
        .content_transfer_encoding()
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| "7bit".into());
    let body = &raw[part.raw_body_offset() as usize..part.raw_end_offset() as usize];
    let bytes = match encoding.as_str() {
        "7bit" | "8bit" => Some(body.to_vec()),
        "quoted-printable" => quoted_printable_decode(body),
        // mail-parser forgives a last group cut short; a message mim wrote has none.
        "base64" => base64_decode(body).filter(|_| {
            let significant = body.iter().filter(|b| !b.is_ascii_whitespace()).count();
            significant.is_multiple_of(4)
        }),
        other => return Err((line, format!("unknown Content-Transfer-Encoding `{other}`"))),
    };
    match bytes {
        _ if part.is_encoding_problem => Err((line, format!("broken {encoding} text"))),
        None => Err((line, format!("broken {encoding} text"))),
        Some(bytes) => std::str::from_utf8(&bytes)
            .map(|_| ())
            .map_err(|_| (line, "a part that does not decode to UTF-8 text".into())),
    }
}

/// The 1-based line of byte `at` of `raw`.
fn line_at(raw: &[u8], at: usize) -> usize {
    raw[..at.min(raw.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &str = "From: a@msp.example\r\nTo: b@client.example\r\nSubject: x\r\n\
        Date: Mon, 23 Nov 2026 14:45:00 +0000\r\nMessage-ID: <s1.i1@msp.example>\r\n\
        X-Mim-Incident: i1\r\nX-Mim-Audience: client\r\n\
        Content-Type: multipart/alternative;\r\n boundary=\"=_b\"\r\n\r\n\
        --=_b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
        Caf=C3=A9 =E2=80=94 soft=\r\n break\r\n--=_b\r\nContent-Type: text/html; charset=utf-8\r\n\
        Content-Transfer-Encoding: base64\r\n\r\nPHA+Q2Fmw6k8L3A+\r\n--=_b--\r\n";

    #[test]
    fn a_message_as_mim_writes_it_passes() {
        assert_eq!(check(MESSAGE.as_bytes(), "s1", "i1", "client"), Ok(()));
    }

    #[test]
    fn broken_messages_say_what_is_wrong() {
        let problem = |text: &str| check(text.as_bytes(), "s1", "i1", "client").unwrap_err().1;
        assert!(problem(&MESSAGE.replace("--=_b--\r\n", "")).contains("does not end"));
        assert!(problem(&MESSAGE.replace("=C3=A9", "=C3")).contains("UTF-8"));
        assert!(problem(&MESSAGE.replace("Q2Fm", "Q2F")).contains("base64"));
        assert!(problem(&MESSAGE.replace("i1@", "i2@")).contains("Message-ID"));
        assert!(
            problem(&MESSAGE.replace("Audience: client", "Audience: internal"))
                .contains("X-Mim-Audience")
        );
        let mut raw = MESSAGE.as_bytes().to_vec();
        raw.extend_from_slice(&[0xff, 0xfe]);
        assert!(
            check(&raw, "s1", "i1", "client")
                .unwrap_err()
                .1
                .contains("7-bit")
        );
    }
}
