//! The one table of limits: how long a name may be, how large a text, a file, an e-mail,
//! and how much work and output one template render may take. Each number is enforced
//! where a value enters (the command line, standard input, the editor, `mim.yaml`) and
//! where a file is read, with the same number, so what mim writes, mim can read: a
//! write that would take a file past what mim reads is refused before anything is
//! written. docs/safety.md lists the table.

use std::ffi::OsStr;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;

/// A name-like value (a person, a team, a workstream, a role, a level, a reference, a
/// client's name), in characters: long enough for any real name, short enough to lay
/// out in a table.
pub const NAME_CHARS: usize = 200;

/// A one-line text (a title, a reason, a status line, a time as typed), in characters.
pub const LINE_CHARS: usize = 1_000;

/// A text (an update, a note, a restoral message, the approach, feedback), in bytes.
/// Its e-mails (text and HTML parts) stay below [`EMAIL_BYTES`] for ordinary text.
pub const TEXT_BYTES: u64 = 2 * MIB;

/// Any file mim reads from a repository (incident files, updates, templates, `pir.md`,
/// `mim.yaml`): anything larger is refused before it is read.
pub const FILE_BYTES: u64 = 8 * MIB;

/// One e-mail in `outbox/`, as written and as handed to sendmail: under the 10 MB many
/// mail servers accept.
pub const EMAIL_BYTES: u64 = 8 * MIB;

/// The default instruction and data budget of one template render (minijinja's fuel:
/// one unit per instruction, about one per 64 bytes of data a template makes).
pub const TEMPLATE_FUEL: u64 = 1_000_000;

/// The most `templates.fuel` may be set to: still bounded to seconds of work.
pub const TEMPLATE_FUEL_MAX: u64 = 100_000_000;

/// The default bound on one template render's output.
pub const TEMPLATE_OUTPUT: u64 = 4 * MIB;

/// What one template render may take: minijinja's fuel (an instruction and data budget)
/// and the most output it may write (`templates.fuel`, `templates.max_output` in
/// `mim.yaml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub fuel: u64,
    pub max_output: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            fuel: TEMPLATE_FUEL,
            max_output: TEMPLATE_OUTPUT,
        }
    }
}

/// The most `templates.max_output` may be set to: what mim reads of any file.
pub const TEMPLATE_OUTPUT_MAX: u64 = FILE_BYTES;

/// The most mim reads of the file at `path`: an e-mail's limit for `.eml` files, the
/// file limit for every other.
pub fn read_limit(path: &Path) -> u64 {
    if path.extension().is_some_and(|e| e == "eml") {
        EMAIL_BYTES
    } else {
        FILE_BYTES
    }
}

/// Refuse to write `len` bytes to `path` (shown as `shown`) when mim could not read the
/// file back: called before anything of a change is written.
pub fn check_write(path: &Path, shown: &Path, len: usize) -> anyhow::Result<()> {
    let limit = read_limit(path);
    if len as u64 <= limit {
        return Ok(());
    }
    let what = if limit == EMAIL_BYTES && path.extension().is_some_and(|e| e == "eml") {
        "an e-mail"
    } else {
        "a file"
    };
    anyhow::bail!(
        "{} would be {}, and mim reads {what} of at most {}: nothing was written. \
         Shorten the text, or put the long part in a file of its own in the repository and refer to it",
        shown.display(),
        Size(len as u64),
        Size(limit)
    )
}

fn text_problem(what: &str, len: usize) -> Option<String> {
    (len as u64 > TEXT_BYTES).then(|| {
        format!(
            "{what} is {}: a text has at most {}; shorten it, or put the long part in a file of its own in the repository and refer to it",
            Size(len as u64),
            Size(TEXT_BYTES)
        )
    })
}

/// The problem with a name of `len` characters, if it is too long.
pub fn name_problem(what: &str, len: usize) -> Option<String> {
    (len > NAME_CHARS).then(|| {
        format!(
            "{what} is {len} characters long: a name has at most {NAME_CHARS}; put the detail in a note"
        )
    })
}

fn line_problem(what: &str, len: usize) -> Option<String> {
    (len > LINE_CHARS).then(|| {
        format!(
            "{what} is {len} characters long: a one-line text has at most {LINE_CHARS}; put the detail in a note"
        )
    })
}

/// Read standard input (or any reader) as UTF-8 text of at most [`TEXT_BYTES`], without
/// holding more than that in memory.
pub fn read_text(what: &str, reader: impl std::io::Read) -> anyhow::Result<String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    reader
        .take(TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::anyhow!("reading {what}: {e}"))?;
    if bytes.len() as u64 > TEXT_BYTES {
        anyhow::bail!(
            "{what} is more than {}: a text has at most that; shorten it, or put the long part in a file of its own in the repository and refer to it",
            Size(TEXT_BYTES)
        );
    }
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{what} is not UTF-8 text"))
}

/// What a command-line value is, for its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A name: at most [`NAME_CHARS`] characters, once on one line.
    Name,
    /// Names joined by `separator`, each a name (`--attendees A,B`, `--workstream N:O:V`
    /// with `labels` per part).
    Names {
        separator: char,
        labels: &'static [&'static str],
    },
    /// A one-line text: at most [`LINE_CHARS`] characters.
    Line,
    /// A text: at most [`TEXT_BYTES`].
    Text,
}

/// A clap value parser that refuses a value over its limit (exit 2), naming the flag and
/// the limit without echoing the value.
#[derive(Clone, Copy, Debug)]
pub struct Bounded(Kind);

/// A name-like flag (`--to`, `--owner`, `--manager`, `--by`).
pub fn name() -> Bounded {
    Bounded(Kind::Name)
}

/// Several names separated by `separator`, each checked alone; `labels` name the parts
/// by position (`--workstream NAME`, `--workstream OWNER`), else all are the flag's.
pub fn names(separator: char, labels: &'static [&'static str]) -> Bounded {
    Bounded(Kind::Names { separator, labels })
}

/// A one-line text flag (`--title`, `--reason`, `--status-line`).
pub fn line() -> Bounded {
    Bounded(Kind::Line)
}

/// A text flag (`-m`, a note's TEXT, `--feedback`).
pub fn text() -> Bounded {
    Bounded(Kind::Text)
}

/// The length in characters of `text` once on one line, as [`crate::text::one_line`]
/// stores it: words (split at spaces and control characters) joined by single spaces.
fn one_line_chars(text: &str) -> usize {
    let (chars, words) = text
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .fold((0usize, 0usize), |(chars, words), w| {
            (chars + w.chars().count(), words + 1)
        });
    chars + words.saturating_sub(1)
}

impl Bounded {
    /// The problem with `value` given as `flag`, if any.
    fn problem(self, flag: &str, value: &str) -> Option<String> {
        let chars = one_line_chars;
        match self.0 {
            Kind::Name => name_problem(flag, chars(value)),
            Kind::Line => line_problem(flag, chars(value)),
            Kind::Text => text_problem(flag, value.len()),
            Kind::Names { separator, labels } => {
                let parts: Vec<&str> = if labels.is_empty() {
                    value.split(separator).collect()
                } else {
                    value.splitn(labels.len(), separator).collect()
                };
                parts.iter().enumerate().find_map(|(i, part)| {
                    let what = match labels.get(i) {
                        Some(label) => format!("{flag} {label}"),
                        None => flag.to_string(),
                    };
                    name_problem(&what, chars(part))
                })
            }
        }
    }
}

impl clap::builder::TypedValueParser for Bounded {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let Some(text) = value.to_str() else {
            return Err(clap::Error::new(clap::error::ErrorKind::InvalidUtf8).with_cmd(cmd));
        };
        let Some(problem) = self.problem(&flag_name(arg), text) else {
            return Ok(text.to_string());
        };
        Err(cmd
            .clone()
            .error(clap::error::ErrorKind::ValueValidation, problem))
    }
}

/// `--to`, `-m`, `--by (MIM_USER)`, `the TEXT argument`: how a value is named in errors.
fn flag_name(arg: Option<&clap::Arg>) -> String {
    let Some(arg) = arg else {
        return "the value".to_string();
    };
    let mut name = match (arg.get_long(), arg.get_short()) {
        (Some(long), _) => format!("--{long}"),
        (None, Some(short)) => format!("-{short}"),
        (None, None) => {
            let names: Vec<String> = arg
                .get_value_names()
                .map(|n| n.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            match names.last() {
                Some(n) => format!("the {n} argument"),
                None => format!("the {} argument", arg.get_id().as_str().to_uppercase()),
            }
        }
    };
    if let Some(env) = arg.get_env() {
        name.push_str(&format!(" ({})", env.to_string_lossy()));
    }
    name
}

/// A size in bytes, written `512KiB`, `4MiB` or a number of bytes (`65536`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(pub u64);

impl Size {
    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n >= MIB && n.is_multiple_of(MIB) {
            write!(f, "{}MiB", n / MIB)
        } else if n >= MIB {
            write!(f, "{:.1}MiB", n as f64 / MIB as f64)
        } else if n >= KIB && n.is_multiple_of(KIB) {
            write!(f, "{}KiB", n / KIB)
        } else {
            write!(f, "{n} bytes")
        }
    }
}

impl FromStr for Size {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || {
            format!(
                "invalid size `{text}`: expected a whole number of bytes, KiB or MiB, like 512KiB or 4MiB"
            )
        };
        let t = text.trim();
        let (number, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
            Some(i) => (&t[..i], t[i..].trim()),
            None => (t, ""),
        };
        let factor = match unit {
            "" | "B" => 1,
            "KiB" => KIB,
            "MiB" => MIB,
            _ => return Err(err()),
        };
        let n: u64 = number.parse().map_err(|_| err())?;
        n.checked_mul(factor).map(Size).ok_or_else(err)
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Bytes(u64),
            Text(String),
        }
        match Written::deserialize(d)? {
            Written::Bytes(n) => Ok(Size(n)),
            Written::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

impl schemars::JsonSchema for Size {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Size".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": "^[0-9]+ ?(B|KiB|MiB)?$"}
            ],
            "description": "A size: a number of bytes, or a number followed by KiB or MiB, like 512KiB or 4MiB",
            "examples": ["1MiB", "512KiB"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::builder::TypedValueParser;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!("4MiB".parse::<Size>().unwrap(), Size(4 * MIB));
        assert_eq!("512KiB".parse::<Size>().unwrap(), Size(512 * KIB));
        assert_eq!("65536".parse::<Size>().unwrap(), Size(65_536));
        assert_eq!("1 MiB".parse::<Size>().unwrap(), Size(MIB));
        for bad in ["", "4MB", "-1", "1.5MiB", "MiB", "99999999999999999999MiB"] {
            assert!(bad.parse::<Size>().is_err(), "{bad}");
        }
        assert_eq!(Size(4 * MIB).to_string(), "4MiB");
        assert_eq!(Size(MIB + MIB / 2).to_string(), "1.5MiB");
        assert_eq!(Size(12).to_string(), "12 bytes");
    }

    #[test]
    fn values_over_their_limit_name_the_flag_not_the_value() {
        let cmd = clap::Command::new("mim");
        let arg = clap::Arg::new("to").long("to");
        let long = "x".repeat(NAME_CHARS + 1);
        let err = name()
            .parse_ref(&cmd, Some(&arg), OsStr::new(&long))
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let shown = err.to_string();
        assert!(shown.contains("--to is 201 characters long"), "{shown}");
        assert!(!shown.contains(&long), "{shown}");
        assert!(
            name()
                .parse_ref(&cmd, Some(&arg), OsStr::new("Dana"))
                .is_ok()
        );
        let spec = format!("net:{long}");
        let err = names(':', &["NAME", "OWNER", "VENDOR"])
            .parse_ref(&cmd, Some(&arg), OsStr::new(&spec))
            .unwrap_err()
            .to_string();
        assert!(err.contains("--to OWNER is 201"), "{err}");
        let big = "x".repeat(TEXT_BYTES as usize + 1);
        let err = text()
            .parse_ref(&cmd, Some(&arg), OsStr::new(&big))
            .unwrap_err()
            .to_string();
        assert!(err.contains("a text has at most 2MiB"), "{err}");
    }

    #[test]
    fn names_are_measured_as_they_are_stored() {
        for text in ["  a  b ", "a\0b\n\tc", "", "  ", "é  ü", "x\u{2028}y"] {
            assert_eq!(
                one_line_chars(text),
                crate::text::one_line(text).chars().count(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn writes_mim_could_not_read_back_are_refused() {
        let p = Path::new("incidents/x/timeline.yaml");
        assert!(check_write(p, p, FILE_BYTES as usize).is_ok());
        let err = check_write(p, p, FILE_BYTES as usize + 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most 8MiB"), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        let e = Path::new("x.eml");
        assert!(check_write(e, e, EMAIL_BYTES as usize + 1).is_err());
    }

    #[test]
    fn long_input_is_refused_without_reading_it_all() {
        let big = vec![b'x'; TEXT_BYTES as usize + 10];
        let err = read_text("standard input", &big[..])
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than 2MiB"), "{err}");
        assert_eq!(read_text("stdin", &b"ok"[..]).unwrap(), "ok");
    }
}
