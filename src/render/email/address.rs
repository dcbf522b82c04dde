//! E-mail addresses as written in `mim.yaml`: `Name <user@example.com>` or `user@example.com`.

use std::fmt;
use std::str::FromStr;

use lettre::Address;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A display name and an address, as in `Service Desk <desk@acme.example>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

impl fmt::Display for Mailbox {
    /// `Name <address>`, quoting the name when it holds characters that need it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            None => f.write_str(&self.address),
            Some(name) if name.chars().any(|c| SPECIALS.contains(c)) => {
                let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
                write!(f, "\"{escaped}\" <{}>", self.address)
            }
            Some(name) => write!(f, "{name} <{}>", self.address),
        }
    }
}

/// Characters an unquoted display name may not contain.
const SPECIALS: &str = "()<>[]:;@\\,\"";

/// Parses `Name <user@example.com>`, `"Name, Team" <user@example.com>` or `user@example.com`.
pub fn parse_address(text: &str) -> Result<Mailbox, String> {
    let fail = |why: &str| {
        format!(
            "invalid address `{}`: {why}; expected `Name <user@example.com>` or `user@example.com`",
            text.escape_debug()
        )
    };
    if text.chars().any(char::is_control) {
        return Err(fail(
            "it contains a line break or another control character",
        ));
    }
    let s = text.trim();
    let (name, address) = match s.strip_suffix('>') {
        Some(rest) => {
            let (name, address) = rest
                .rsplit_once('<')
                .ok_or_else(|| fail("`>` without `<`"))?;
            (display_name(name.trim()).map_err(&fail)?, address)
        }
        None => (None, s),
    };
    if address.is_empty() || address.contains(|c: char| c.is_whitespace() || "<>".contains(c)) {
        return Err(fail("the address part is malformed"));
    }
    Address::from_str(address).map_err(|err| fail(&err.to_string()))?;
    Ok(Mailbox {
        name,
        address: address.to_string(),
    })
}

fn display_name(name: &str) -> Result<Option<String>, &'static str> {
    if name.is_empty() {
        return Ok(None);
    }
    let quoted = name.len() >= 2 && name.starts_with('"') && name.ends_with('"');
    let inner = if quoted {
        &name[1..name.len() - 1]
    } else {
        name
    };
    if quoted && inner.contains(['"', '\\']) {
        return Err("a quoted name may not contain `\"` or `\\`");
    }
    if !quoted && inner.contains(|c| SPECIALS.contains(c)) {
        return Err("put a name with punctuation such as `,` `:` `@` in double quotes");
    }
    Ok(Some(inner.trim().to_string()).filter(|n| !n.is_empty()))
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
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_address(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_strictly() {
        assert_eq!(
            parse_address(" Ops Team <ops@acme.example> "),
            Ok(Mailbox {
                name: Some("Ops Team".into()),
                address: "ops@acme.example".into()
            })
        );
        assert_eq!(
            parse_address("ops@acme.example"),
            Ok(Mailbox {
                name: None,
                address: "ops@acme.example".into()
            })
        );
        assert_eq!(
            parse_address("\"Müller, Jörg\" <joerg@client.example>").map(|m| m.name),
            Ok(Some("Müller, Jörg".into()))
        );
        assert_eq!(
            parse_address("<ops@acme.example>").map(|m| m.name),
            Ok(None)
        );
    }

    #[test]
    fn junk_addresses_are_refused() {
        for text in [
            "",
            "ops@acme.example\r\nBcc: attacker@evil.example",
            "Ops <ops@acme.example>\nBcc: attacker@evil.example",
            "Ops <ops@acme.example> junk",
            "ops@acme.example junk",
            "Ops, Team <ops@acme.example>",
            "\"Ops \"Team\"\" <ops@acme.example>",
            "Ops <>",
            "Ops <ops@>",
            "ops@acme@example",
            "Ops ops@acme.example>",
            "Ops <<ops@acme.example>>",
            "opsacme.example",
        ] {
            let err = parse_address(text).expect_err(text);
            assert!(err.starts_with("invalid address"), "{text}: {err}");
        }
    }

    #[test]
    fn mailbox_display_parses_back() {
        for text in [
            "Ops Team <ops@acme.example>",
            "\"Müller, Jörg\" <j@client.example>",
            "a@b.example",
        ] {
            let mailbox = parse_address(text).expect(text);
            assert_eq!(mailbox.to_string(), text);
            assert_eq!(parse_address(&mailbox.to_string()), Ok(mailbox));
        }
    }

    #[test]
    fn mailbox_deserializes_with_validation() {
        let ok: Mailbox = serde_json::from_str("\"Ops <ops@acme.example>\"").expect("valid");
        assert_eq!(ok.address, "ops@acme.example");
        let err = serde_json::from_str::<Mailbox>("\"ops at acme\"").expect_err("invalid");
        assert!(err.to_string().contains("invalid address"), "{err}");
    }
}
