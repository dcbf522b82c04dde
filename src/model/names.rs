//! One name or several: `client: acme` for an incident of one client, `client: [acme,
//! globex]` for a shared platform failing for several. One key either way, so a file
//! written before incidents could affect several clients stays valid and reads the same.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Names in the order given, without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names(Vec<String>);

impl Names {
    pub fn new(names: impl IntoIterator<Item = String>) -> Names {
        let mut out = Names::default();
        for name in names {
            out.push(name);
        }
        out
    }

    /// Add `name` unless it is there already.
    pub fn push(&mut self, name: String) {
        if !self.0.contains(&name) {
            self.0.push(name);
        }
    }

    pub fn first(&self) -> Option<&str> {
        self.0.first().map(String::as_str)
    }

    /// The only name, when there is exactly one.
    #[cfg(test)]
    pub fn single(&self) -> Option<&str> {
        match self.0.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `mail, backup`: for a line people read.
    pub fn joined(&self) -> String {
        self.0.join(", ")
    }
}

impl From<&str> for Names {
    fn from(name: &str) -> Names {
        Names(vec![name.to_string()])
    }
}

impl From<Option<String>> for Names {
    fn from(name: Option<String>) -> Names {
        Names(name.into_iter().collect())
    }
}

impl fmt::Display for Names {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.joined())
    }
}

impl Serialize for Names {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => s.serialize_str(one),
            many => many.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OneOrMany;
        impl<'de> Visitor<'de> for OneOrMany {
            type Value = Names;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a name or a list of names")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Names, E> {
                named(v).map(|n| Names(vec![n]))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Names, E> {
                self.visit_str(&v.to_string())
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Names, E> {
                self.visit_str(&v.to_string())
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Names, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    let v = named(&v)?;
                    if out.contains(&v) {
                        return Err(de::Error::custom(format!("`{v}` is listed twice")));
                    }
                    out.push(v);
                }
                Ok(Names(out))
            }
        }
        d.deserialize_any(OneOrMany)
    }
}

/// For a key that must name at least one thing (an incident's `service`).
pub fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Names, D::Error> {
    let names = Names::deserialize(d)?;
    if names.is_empty() {
        return Err(de::Error::custom("at least one name is needed"));
    }
    Ok(names)
}

fn named<E: de::Error>(v: &str) -> Result<String, E> {
    let v = v.trim();
    if v.is_empty() {
        return Err(E::custom("a name cannot be empty"));
    }
    Ok(v.to_string())
}

impl schemars::JsonSchema for Names {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Names".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "One name, or a list of names when there are several",
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_reads_and_writes_as_a_string() {
        let n: Names = serde_yaml::from_str("acme").unwrap();
        assert_eq!(n.single(), Some("acme"));
        assert_eq!(serde_yaml::to_string(&n).unwrap(), "acme\n");
    }

    #[test]
    fn several_names_are_a_list() {
        let n: Names = serde_yaml::from_str("[acme, globex]").unwrap();
        assert_eq!(n.iter().collect::<Vec<_>>(), ["acme", "globex"]);
        assert_eq!(n.joined(), "acme, globex");
        assert_eq!(serde_yaml::to_string(&n).unwrap(), "- acme\n- globex\n");
    }

    #[test]
    fn repeats_and_empty_names_are_refused() {
        assert!(serde_yaml::from_str::<Names>("[acme, acme]").is_err());
        assert!(serde_yaml::from_str::<Names>("''").is_err());
        assert!(serde_yaml::from_str::<Names>("{a: 1}").is_err());
    }
}
