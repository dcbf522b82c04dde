//! E-mail addresses: the one parser for `mim.yaml`, plan stakeholders and the mailer.
//!
//! It is lettre's RFC 5322 mailbox parser, the one that assembles the headers, so an
//! address `mim validate` accepts is one the mailer can use, and one it refuses is refused
//! everywhere the same way. When it refuses, [`parse_address`] says what is wrong and what
//! to write instead: a display name with a comma, a parenthesis or another special
//! character must be quoted (`"Müller, Jörg" <jm@client.example>`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A display name and an address, as in `Service Desk <desk@acme.example>`. Only
/// [`parse_address`] makes one from text, so every `Mailbox` is one the mailer can use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mailbox {
    pub name: Option<String>,
    /// `user@example.com`.
    pub address: String,
}

impl Mailbox {
    fn lettre(&self) -> Option<lettre::message::Mailbox> {
        let address = lettre::Address::from_str(&self.address).ok()?;
        Some(lettre::message::Mailbox::new(self.name.clone(), address))
    }

    /// Whether `other` is the same mailbox, whatever the display names say (addresses
    /// compare without regard to case).
    pub fn same_address(&self, other: &Mailbox) -> bool {
        self.address.eq_ignore_ascii_case(&other.address)
    }
}

impl fmt::Display for Mailbox {
    /// `Name <address>` as RFC 5322 writes it: the name quoted when it needs to be, so
    /// the text parses back to the same mailbox.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.lettre() {
            Some(mailbox) => mailbox.fmt(f),
            None => f.write_str(&self.address),
        }
    }
}

/// Characters that end an unquoted display name (RFC 5322 `specials`, less `.`, which
/// the obsolete syntax allows and mailers accept).
const SPECIALS: &str = "()<>[]:;@\\,\"";

/// Parses `user@example.com`, `Name <user@example.com>` or `"Name, Team" <user@example.com>`:
/// whatever RFC 5322 allows for a mailbox except comments, as lettre does. The error
/// says what is wrong and, where it can, what to write instead.
pub fn parse_address(text: &str) -> Result<Mailbox, String> {
    let fail = |why: String| format!("invalid e-mail address `{}`: {why}", text.escape_debug());
    if text.chars().any(char::is_control) {
        return Err(fail(
            "it contains a line break or another control character".into(),
        ));
    }
    let s = text.trim();
    match lettre::message::Mailbox::from_str(s) {
        Ok(m) => Ok(Mailbox {
            name: m
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            address: m.email.to_string(),
        }),
        Err(_) => Err(fail(diagnose(s))),
    }
}

/// Why lettre refused `s`, in words.
fn diagnose(s: &str) -> String {
    const EXPECTED: &str = "expected `user@example.com` or `Name <user@example.com>`";
    if s.is_empty() {
        return format!("it is empty; {EXPECTED}");
    }
    let Some((name, address)) = s.strip_suffix('>').and_then(|r| r.rsplit_once('<')) else {
        if s.contains(['<', '>']) {
            return format!("`<` and `>` must enclose the address, at the end; {EXPECTED}");
        }
        return format!("it is not an e-mail address; {EXPECTED}");
    };
    let name = name.trim();
    if lettre::Address::from_str(address).is_err() {
        return format!(
            "`{}` is not an e-mail address; {EXPECTED}",
            address.escape_debug()
        );
    }
    if !name.starts_with('"')
        && let Some(c) = name.chars().find(|c| SPECIALS.contains(*c))
    {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        let quoted = format!("\"{escaped}\" <{address}>");
        let what = match c {
            '(' | ')' => "parentheses are a comment in an e-mail header".to_string(),
            _ => format!("`{c}` separates addresses in an e-mail header"),
        };
        if lettre::message::Mailbox::from_str(&quoted).is_ok() {
            return format!(
                "{what}, so a display name containing it must be in double quotes: write `{quoted}` (in YAML, inside single quotes: '{quoted}')"
            );
        }
        return format!("{what}; put the display name in double quotes");
    }
    format!(
        "the display name `{}` is malformed: a quoted name must close its quotes, and `\"` or `\\` inside it is written `\\\"` or `\\\\`",
        name.escape_debug()
    )
}

impl FromStr for Mailbox {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_address(text)
    }
}

impl Serialize for Mailbox {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mailbox {
    /// Refused addresses are errors of the value, so `mim.yaml` reports them at their
    /// line and column.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_address(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(name: Option<&str>, address: &str) -> Mailbox {
        Mailbox {
            name: name.map(String::from),
            address: address.to_string(),
        }
    }

    #[test]
    fn every_display_name_form_parses() {
        for (text, name, address) in [
            (
                " Ops Team <ops@acme.example> ",
                Some("Ops Team"),
                "ops@acme.example",
            ),
            ("ops@acme.example", None, "ops@acme.example"),
            ("<ops@acme.example>", None, "ops@acme.example"),
            (
                "\"Müller, Jörg\" <joerg@client.example>",
                Some("Müller, Jörg"),
                "joerg@client.example",
            ),
            (
                "\"Service Desk, EMEA\" <sd@msp.example>",
                Some("Service Desk, EMEA"),
                "sd@msp.example",
            ),
            (
                "\"Service Desk (24x7)\" <sd@msp.example>",
                Some("Service Desk (24x7)"),
                "sd@msp.example",
            ),
            (
                "Jörg Müller <jm@client.example>",
                Some("Jörg Müller"),
                "jm@client.example",
            ),
            (
                "\"Say \\\"hi\\\"\" <a@b.example>",
                Some("Say \"hi\""),
                "a@b.example",
            ),
            (
                "J. R. Smith <jrs@b.example>",
                Some("J. R. Smith"),
                "jrs@b.example",
            ),
        ] {
            assert_eq!(parse_address(text), Ok(mailbox(name, address)), "{text}");
        }
    }

    #[test]
    fn what_the_mailer_cannot_use_is_refused() {
        for text in [
            "",
            "ops@acme.example\r\nBcc: attacker@evil.example",
            "Ops <ops@acme.example>\nBcc: attacker@evil.example",
            "Ops <ops@acme.example> junk",
            "ops@acme.example junk",
            "Ops, Team <ops@acme.example>",
            "Service Desk (24x7) <sd@msp.example>",
            "\"Ops <ops@acme.example>",
            "Ops <>",
            "Ops <ops@>",
            "ops@acme@example",
            "Ops ops@acme.example>",
            "Ops <<ops@acme.example>>",
            "opsacme.example",
            "a b@c.d",
            "<a@b.c",
        ] {
            let err = parse_address(text).expect_err(text);
            assert!(err.starts_with("invalid e-mail address"), "{text}: {err}");
        }
    }

    #[test]
    fn refusals_say_what_to_write() {
        let err = parse_address("Müller, Jörg <jm@client.example>").unwrap_err();
        assert!(
            err.contains("write `\"Müller, Jörg\" <jm@client.example>`"),
            "{err}"
        );
        let err = parse_address("Service Desk (24x7) <sd@msp.example>").unwrap_err();
        assert!(err.contains("parentheses are a comment"), "{err}");
        assert!(
            err.contains("`\"Service Desk (24x7)\" <sd@msp.example>`"),
            "{err}"
        );
        let err = parse_address("Ops <ops@>").unwrap_err();
        assert!(err.contains("`ops@` is not an e-mail address"), "{err}");
    }

    #[test]
    fn display_parses_back_to_the_same_mailbox() {
        for text in [
            "Ops Team <ops@acme.example>",
            "\"Müller, Jörg\" <j@client.example>",
            "Jörg Müller <jm@client.example>",
            "\"Say \\\"hi\\\"\" <a@b.example>",
            "a@b.example",
        ] {
            let mailbox = parse_address(text).expect(text);
            assert_eq!(parse_address(&mailbox.to_string()), Ok(mailbox), "{text}");
        }
        assert_eq!(
            parse_address("\"Müller, Jörg\" <j@client.example>")
                .unwrap()
                .to_string(),
            "\"Müller, Jörg\" <j@client.example>"
        );
    }

    #[test]
    fn mailbox_deserializes_with_validation() {
        let ok: Mailbox = serde_json::from_str("\"Ops <ops@acme.example>\"").expect("valid");
        assert_eq!(ok.address, "ops@acme.example");
        let err = serde_json::from_str::<Mailbox>("\"ops at acme\"").expect_err("invalid");
        assert!(err.to_string().contains("invalid e-mail address"), "{err}");
    }
}
