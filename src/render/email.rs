//! E-mail assembly: RFC 5322 messages (multipart/alternative, text and HTML) as `.eml` bytes.

use std::str::FromStr;
use std::time::SystemTime;

use anyhow::{Context, bail};
use chrono::{DateTime, FixedOffset};
use lettre::Address;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Message, MessageBuilder, MultiPart, SinglePart};

pub use crate::address::Mailbox;

/// One message, ready to be written to `outbox/` or piped to sendmail.
#[derive(Debug, Clone)]
pub struct Email {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: String,
    pub date: DateTime<FixedOffset>,
    /// `id@host`, without the angle brackets.
    pub message_id: String,
    /// The message this one answers, without angle brackets.
    pub in_reply_to: Option<String>,
    /// The thread so far, oldest first, without angle brackets.
    pub references: Vec<String>,
    pub text: String,
    pub html: String,
    /// More headers such as `X-Mim-Incident`; values are plain text.
    pub extra_headers: Vec<(String, String)>,
}

/// Headers that `Email` sets itself and `extra_headers` must not replace.
const RESERVED: &[&str] = &[
    "From",
    "Sender",
    "To",
    "Cc",
    "Bcc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
];

impl Email {
    /// The message in RFC 5322 form with CRLF line ends. The same `Email` always
    /// gives the same bytes: nothing here reads the clock or a random source.
    pub fn to_bytes(&self) -> anyhow::Result<Vec<u8>> {
        let message = self
            .message()
            .with_context(|| format!("assembling the e-mail `{}`", self.subject))?;
        Ok(message.formatted())
    }

    fn message(&self) -> anyhow::Result<Message> {
        let body = MultiPart::alternative()
            .boundary(boundary(&self.message_id, &self.text, &self.html))
            .singlepart(SinglePart::plain(crlf(&self.text)))
            .singlepart(SinglePart::html(crlf(&self.html)));
        let mut message = self.headers()?.multipart(body)?;
        // lettre writes dates in UTC; keep the sender's offset, as mail clients do.
        // RFC 2822 dates from chrono are plain ASCII, so no encoding is needed.
        let date = self.date.to_rfc2822();
        message
            .headers_mut()
            .insert_raw(HeaderValue::dangerous_new_pre_encoded(
                HeaderName::new_from_ascii_str("Date"),
                date.clone(),
                date,
            ));
        Ok(message)
    }

    fn headers(&self) -> anyhow::Result<MessageBuilder> {
        let mut builder = Message::builder()
            .from(to_lettre(&self.from)?)
            .subject(header_line(&self.subject))
            .date(system_time(self.date)?)
            .message_id(Some(angle(&self.message_id)?));
        for mailbox in &self.to {
            builder = builder.to(to_lettre(mailbox)?);
        }
        for mailbox in &self.cc {
            builder = builder.cc(to_lettre(mailbox)?);
        }
        if let Some(id) = &self.in_reply_to {
            builder = builder.in_reply_to(angle(id)?);
        }
        if !self.references.is_empty() {
            let ids: anyhow::Result<Vec<String>> =
                self.references.iter().map(|id| angle(id)).collect();
            builder = builder.references(ids?.join(" "));
        }
        for (name, value) in &self.extra_headers {
            builder = builder.raw_header(extra_header(name, value)?);
        }
        Ok(builder)
    }
}

fn to_lettre(mailbox: &Mailbox) -> anyhow::Result<lettre::message::Mailbox> {
    let address = Address::from_str(&mailbox.address).with_context(|| {
        format!(
            "invalid e-mail address `{}`",
            mailbox.address.escape_debug()
        )
    })?;
    let name = mailbox
        .name
        .as_deref()
        .map(header_line)
        .filter(|n| !n.is_empty());
    Ok(lettre::message::Mailbox::new(name, address))
}

/// `text` with CRLF line ends, in one pass. lettre converts a body's bare LFs itself,
/// but by inserting a CR before each one in place, which takes time in the square of
/// the text's length (5 s for a message of 160,000 lines); given CRLF it has nothing to
/// insert.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous = '\0';
    for c in text.chars() {
        if c == '\n' && previous != '\r' {
            out.push('\r');
        }
        out.push(c);
        previous = c;
    }
    out
}

/// `text` on one line: CR, LF and other control characters become spaces, so user
/// text can never start a header of its own. Header lines can only be folded at
/// spaces, so a word too long for a 998-octet line is broken with a space.
fn header_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c == ' ')
        .filter(|word| !word.is_empty())
        .flat_map(|word| word_chunks(word, MAX_WORD))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The longest unbroken run of characters `one_line` lets through.
const MAX_WORD: usize = 900;

fn word_chunks(word: &str, max: usize) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut rest = word;
    while rest.len() > max {
        let mut cut = max;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        chunks.push(head);
        rest = tail;
    }
    chunks.push(rest);
    chunks
}

/// `<id>` after checking `id` is a plain `left@right` message identifier (RFC 5322 3.6.4).
fn angle(id: &str) -> anyhow::Result<String> {
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    let valid = match id.split_once('@') {
        Some((left, right)) => {
            !left.is_empty() && !right.is_empty() && left.chars().chain(right.chars()).all(atext)
        }
        None => false,
    };
    if !valid || id.len() > 250 {
        bail!(
            "invalid message ID `{}`: expected `unique-part@host`, without angle brackets",
            id.escape_debug()
        );
    }
    Ok(format!("<{id}>"))
}

fn extra_header(name: &str, value: &str) -> anyhow::Result<HeaderValue> {
    let token = |c: char| c.is_ascii_graphic() && c != ':';
    let valid = !name.is_empty() && name.len() <= 76 && name.chars().all(token);
    if !valid || RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        bail!(
            "invalid extra header name `{}`: expected a name like X-Mim-Incident that mim does not set itself",
            name.escape_debug()
        );
    }
    let name = HeaderName::new_from_ascii(name.to_string())
        .map_err(|err| anyhow::anyhow!("invalid extra header name `{name}`: {err}"))?;
    Ok(HeaderValue::new(name, header_line(value)))
}

/// lettre takes a `SystemTime` and can only format 1970 to 9999.
fn system_time(date: DateTime<FixedOffset>) -> anyhow::Result<SystemTime> {
    const YEAR_10000: i64 = 253_402_300_800;
    if !(0..YEAR_10000).contains(&date.timestamp()) {
        bail!("cannot date an e-mail {date}: the date must lie between 1970 and 9999");
    }
    Ok(SystemTime::from(date))
}

/// A multipart boundary that depends only on the message, so the same message gives
/// the same bytes. `=_` cannot occur in quoted-printable or base64 text, and a 7-bit
/// part that happens to contain the candidate gets the next one.
fn boundary(message_id: &str, text: &str, html: &str) -> String {
    let seed = fnv1a(message_id.as_bytes());
    (0u64..)
        .map(|n| format!("=_mim_{:016x}", seed.wrapping_add(n)))
        .find(|b| !text.contains(b.as_str()) && !html.contains(b.as_str()))
        .unwrap_or_else(|| "=_mim_boundary".to_string())
}

/// FNV-1a, 64 bits: stable across Rust releases, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests;
