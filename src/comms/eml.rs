//! What a rendered message in `outbox/` must be, for `mim validate --deep`: 7-bit
//! RFC 5322 text with the headers mim writes (its Message-ID, incident and audience),
//! and a MIME body whose every part decodes to UTF-8 text. `check` never reads these.

use std::path::Path;

use crate::diag::Diagnostic;

/// The first thing wrong with the message at `path` below `base` (shown as `shown`),
/// written for `incident` to `audience` (`all` for old updates: any audience). It is
/// read as every repository file is: never through a symbolic link, never more than an
/// e-mail's limit.
pub fn problems(
    base: &Path,
    path: &Path,
    shown: &Path,
    incident: &str,
    audience: &str,
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
    check(&raw, stem, incident, audience)
        .err()
        .map(|(line, message)| {
            let d = Diagnostic::new(shown, message);
            if line > 0 { d.at(line, 1) } else { d }
        })
}

/// `Err((line, message))` for the first problem (line 0 when it has none).
type Problem = (usize, String);

/// A message's or part's headers (unfolded), its body, and the body's first line.
type Split<'a> = (Vec<(String, String)>, &'a str, usize);

fn check(raw: &[u8], stem: &str, incident: &str, audience: &str) -> Result<(), Problem> {
    if let Some(at) = raw.iter().position(|b| !b.is_ascii()) {
        let line = raw[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        return Err((
            line,
            "not 7-bit text: mim writes every part quoted-printable or base64; re-render it or restore it from git".into(),
        ));
    }
    let text = std::str::from_utf8(raw).expect("ASCII is UTF-8");
    let (headers, body, body_line) = split(text, 1)?;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
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
    if audience != "all" && header("X-Mim-Audience") != Some(audience) {
        return Err((
            0,
            format!("its X-Mim-Audience header does not say {audience}"),
        ));
    }
    part(
        header("Content-Type").unwrap_or_default(),
        &headers,
        body,
        body_line,
    )
}

/// The headers (unfolded), the body, and the body's first line number, of a message
/// or part that starts on line `first`.
fn split(text: &str, first: usize) -> Result<Split<'_>, Problem> {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        offset += line.len();
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Ok((headers, &text[offset..], first + i + 1));
        }
        if line.starts_with([' ', '\t']) {
            match headers.last_mut() {
                Some((_, value)) => value.push_str(line),
                None => return Err((first + i, "starts with a folded line".into())),
            }
            continue;
        }
        match line.split_once(':') {
            Some((name, value))
                if !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                headers.push((name.to_string(), value.trim().to_string()));
            }
            _ => return Err((first + i, format!("`{line}` is not a header line"))),
        }
    }
    Err((
        0,
        "no blank line after the headers: the message has no body".into(),
    ))
}

/// Check one body of type `content_type`: a multipart's every part, or the text itself.
fn part(
    content_type: &str,
    headers: &[(String, String)],
    body: &str,
    line: usize,
) -> Result<(), Problem> {
    if content_type.to_ascii_lowercase().starts_with("multipart/") {
        let boundary = parameter(content_type, "boundary")
            .ok_or((0, "a multipart message without a boundary".to_string()))?;
        return multipart(&boundary, body, line);
    }
    let encoding = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_else(|| "7bit".into());
    let bytes = match encoding.as_str() {
        "7bit" | "8bit" => body.as_bytes().to_vec(),
        "quoted-printable" => {
            quoted_printable(body).ok_or((line, "broken quoted-printable text".to_string()))?
        }
        "base64" => base64(body).ok_or((line, "broken base64 text".to_string()))?,
        other => return Err((line, format!("unknown Content-Transfer-Encoding `{other}`"))),
    };
    std::str::from_utf8(&bytes)
        .map(|_| ())
        .map_err(|_| (line, "a part that does not decode to UTF-8 text".into()))
}

fn multipart(boundary: &str, body: &str, line: usize) -> Result<(), Problem> {
    let open = format!("--{boundary}");
    let close = format!("--{boundary}--");
    let mut current: Option<(usize, String)> = None;
    let mut parts = 0;
    for (i, l) in body.split_inclusive('\n').enumerate() {
        let bare = l.trim_end_matches(['\r', '\n']);
        if bare == open || bare == close {
            if let Some((start, text)) = current.take() {
                let (headers, inner, inner_line) = split(&text, start)?;
                let ty = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("Content-Type"))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| "text/plain".into());
                part(&ty, &headers, inner, inner_line)?;
                parts += 1;
            }
            if bare == close {
                return if parts == 0 {
                    Err((line + i, "a multipart body without parts".into()))
                } else {
                    Ok(())
                };
            }
            current = Some((line + i + 1, String::new()));
        } else if let Some((_, text)) = &mut current {
            text.push_str(l);
        }
    }
    Err((
        0,
        format!("the multipart body does not end (no `{close}` line): the message is cut short"),
    ))
}

/// A `name="value"` (or `name=value`) parameter of a header value.
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (n, v) = p.trim().split_once('=')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

fn quoted_printable(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        let (line, soft) = match line.strip_suffix('=') {
            Some(l) => (l, true),
            None => (line, false),
        };
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' {
                let hex = line.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        if !soft {
            out.push(b'\n');
        }
    }
    Some(out)
}

fn base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let data = clean
        .strip_suffix(b"==")
        .or_else(|| clean.strip_suffix(b"="))
        .unwrap_or(&clean);
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for chunk in data.chunks(4) {
        let mut n = 0u32;
        for &c in chunk {
            n = (n << 6) | value(c)?;
        }
        n <<= 6 * (4 - chunk.len()) as u32;
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
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
        assert_eq!(
            base64("PHA+Q2Fmw6k8L3A+").unwrap(),
            "<p>Café</p>".as_bytes()
        );
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
