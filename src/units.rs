//! Durations (`15m`, `4h`, `2d`, `1h30m`) and percentages (`75%`) as written in `mim.yaml`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A span of time in whole seconds, written as `2d`, `4h`, `1h30m`, `45s`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    secs: i64,
}

impl Duration {
    pub const ZERO: Duration = Duration { secs: 0 };

    /// The longest duration mim accepts anywhere: ten years (3650d). Longer spans mean
    /// nothing for an incident, and every sum of a time and a duration stays far inside
    /// what the time types can hold.
    pub const MAX: Duration = Duration {
        secs: 3650 * 86_400,
    };

    pub fn from_secs(secs: i64) -> Self {
        Duration { secs }
    }

    #[cfg(test)]
    pub fn from_mins(mins: i64) -> Self {
        Duration { secs: mins * 60 }
    }

    pub fn secs(self) -> i64 {
        self.secs
    }

    pub fn to_chrono(self) -> chrono::TimeDelta {
        chrono::TimeDelta::seconds(self.secs)
    }

    /// `share` of this duration, e.g. 50% of 4h is 2h (rounded down to the second).
    pub fn scaled(self, share: Percent) -> Duration {
        Duration {
            secs: (self.secs as f64 * share.fraction()).floor() as i64,
        }
    }
}

impl From<chrono::TimeDelta> for Duration {
    fn from(d: chrono::TimeDelta) -> Self {
        Duration {
            secs: d.num_seconds(),
        }
    }
}

/// Why a duration did not parse; the message says what would be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    text: String,
    too_long: bool,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.text.escape_debug();
        if self.too_long {
            write!(
                f,
                "invalid duration `{text}`: longer than {} (ten years), the longest mim accepts",
                Duration::MAX
            )
        } else {
            write!(
                f,
                "invalid duration `{text}`: expected a number and a unit (d, h, m, s), like 15m, 4h, 2d or 1h30m"
            )
        }
    }
}

impl std::error::Error for DurationError {}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || DurationError {
            text: text.to_string(),
            too_long: false,
        };
        let too_long = || DurationError {
            text: text.to_string(),
            too_long: true,
        };
        let s = text.trim();
        if s.is_empty() {
            return Err(err());
        }
        if s == "0" {
            return Ok(Duration::ZERO);
        }
        let mut secs: i64 = 0;
        let mut digits = String::new();
        let mut last_unit_rank = usize::MAX;
        for c in s.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let (rank, unit) = match c {
                'd' => (3, 86_400),
                'h' => (2, 3_600),
                'm' => (1, 60),
                's' => (0, 1),
                _ => return Err(err()),
            };
            // Units must come largest first and only once: `1h30m`, not `30m1h`.
            if digits.is_empty() || rank >= last_unit_rank {
                return Err(err());
            }
            last_unit_rank = rank;
            // Digits only, so the one way to fail is a number too big for i64.
            let n: i64 = digits.parse().map_err(|_| too_long())?;
            secs = n
                .checked_mul(unit)
                .and_then(|v| secs.checked_add(v))
                .ok_or_else(too_long)?;
            if secs > Duration::MAX.secs {
                return Err(too_long());
            }
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(err());
        }
        Ok(Duration { secs })
    }
}

impl fmt::Display for Duration {
    /// The canonical form: `1d2h`, `1h30m`, `45s`, `0m`; negative spans get a `-`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.secs == 0 {
            return f.write_str("0m");
        }
        let mut rest = self.secs.unsigned_abs();
        let mut out = String::new();
        if self.secs < 0 {
            out.push('-');
        }
        // From the largest unit present to the smallest, zeros in between written out,
        // so `14h0m20s` cannot be read as 14:20.
        let units = [('d', 86_400u64), ('h', 3_600), ('m', 60), ('s', 1)];
        let mut started = false;
        for (i, (unit, size)) in units.iter().enumerate() {
            let n = rest / size;
            rest %= size;
            let smaller_left = units[i + 1..].iter().any(|(_, s)| rest >= *s) && rest > 0;
            if n > 0 || (started && smaller_left) {
                out.push_str(&format!("{n}{unit}"));
                started = true;
            }
        }
        f.write_str(&out)
    }
}

impl Duration {
    /// For people: rounded to the nearest minute, written as [`Display`] writes durations
    /// (`8d6h5m`, `1h30m`, `45m`, `2h`), so one page never shows `1h03m` beside `1h3m`.
    /// Files keep the exact [`Display`] form, seconds included.
    ///
    /// [`Display`]: fmt::Display
    pub fn human(self) -> String {
        let mins = (self.secs.abs() + 30) / 60;
        let sign = if self.secs < 0 && mins > 0 { "-" } else { "" };
        let (d, h, m) = (mins / 1440, mins % 1440 / 60, mins % 60);
        let text = match (d, h, m) {
            (0, 0, m) => format!("{m}m"),
            (0, h, 0) => format!("{h}h"),
            (0, h, m) => format!("{h}h{m}m"),
            (d, 0, 0) => format!("{d}d"),
            (d, h, 0) => format!("{d}d{h}h"),
            (d, 0, m) => format!("{d}d0h{m}m"),
            (d, h, m) => format!("{d}d{h}h{m}m"),
        };
        format!("{sign}{text}")
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A share written as `75%` (0% to 1000%).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Percent(f64);

impl Percent {
    pub fn from_fraction(f: f64) -> Self {
        Percent(f)
    }

    pub fn fraction(self) -> f64 {
        self.0
    }
}

impl FromStr for Percent {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err =
            || format!("invalid percentage `{text}`: expected a number followed by %, like 75%");
        let number = text.trim().strip_suffix('%').ok_or_else(err)?;
        let value: f64 = number.trim().parse().map_err(|_| err())?;
        if !value.is_finite() || !(0.0..=1000.0).contains(&value) {
            return Err(err());
        }
        Ok(Percent(value / 100.0))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = self.0 * 100.0;
        if (pct - pct.round()).abs() < 1e-9 {
            write!(f, "{}%", pct.round() as i64)
        } else {
            write!(f, "{pct}%")
        }
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The duration syntax for editors: `15m`, `4h`, `2d`, `1h30m`, `45s` or `0`.
impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^(0|(?=[0-9])([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?)$",
            "description": "A duration: a number and a unit (d, h, m, s), largest first, like 15m, 4h, 2d or 1h30m",
            "examples": ["15m", "4h", "1h30m"]
        })
    }
}

impl schemars::JsonSchema for Percent {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Percent".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?%$",
            "description": "A share written with a percent sign, like 75%",
            "examples": ["75%"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_are_rounded_to_minutes() {
        let h = |secs| Duration::from_secs(secs).human();
        assert_eq!(h(8 * 86_400 + 6 * 3600 + 5 * 60 + 48), "8d6h6m");
        assert_eq!(h(8 * 86_400 + 6 * 3600 + 5 * 60 + 12), "8d6h5m");
        assert_eq!(h(90 * 60), "1h30m");
        assert_eq!(h(45 * 60 + 10), "45m");
        assert_eq!(h(2 * 3600), "2h");
        assert_eq!(h(86_400 + 5 * 60), "1d0h5m");
        assert_eq!(h(20), "0m");
        assert_eq!(h(-(5 * 60)), "-5m");
    }

    fn d(s: &str) -> i64 {
        s.parse::<Duration>().unwrap().secs()
    }

    #[test]
    fn parses_the_forms_of_the_configuration() {
        assert_eq!(d("15m"), 900);
        assert_eq!(d("4h"), 14_400);
        assert_eq!(d("2d"), 172_800);
        assert_eq!(d("1h30m"), 5_400);
        assert_eq!(d("45s"), 45);
        assert_eq!(d("0"), 0);
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for bad in [
            "",
            "15x",
            "15",
            "h",
            "30m1h",
            "1h1h",
            "1.5h",
            "-1h",
            "1 h",
            "99999999999999999d",
        ] {
            assert!(
                bad.parse::<Duration>().is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn huge_durations_are_refused_naming_the_value() {
        assert_eq!(d("3650d"), Duration::MAX.secs());
        for huge in [
            "3651d",
            "99999999999h",
            "99999999d",
            "87601h",
            "99999999999999999999999s",
        ] {
            let err = huge.parse::<Duration>().unwrap_err().to_string();
            assert!(err.contains(&format!("`{huge}`")), "{err}");
            assert!(err.contains("ten years"), "{err}");
        }
        let err = "1.5h".parse::<Duration>().unwrap_err().to_string();
        assert!(err.contains("expected a number and a unit"), "{err}");
    }

    #[test]
    fn prints_the_canonical_form() {
        assert_eq!(Duration::from_secs(5_400).to_string(), "1h30m");
        assert_eq!(Duration::from_secs(93_600).to_string(), "1d2h");
        assert_eq!(Duration::from_secs(0).to_string(), "0m");
        assert_eq!(Duration::from_secs(-600).to_string(), "-10m");
        assert_eq!(Duration::from_secs(14 * 3600 + 20).to_string(), "14h0m20s");
        assert_eq!(Duration::from_secs(86_400 + 1800).to_string(), "1d0h30m");
        assert_eq!(Duration::from_secs(86_400).to_string(), "1d");
        assert_eq!(Duration::from_secs(3 * 3600).to_string(), "3h");
    }

    #[test]
    fn percentages() {
        let p: Percent = "75%".parse().unwrap();
        assert_eq!(p.fraction(), 0.75);
        assert_eq!(p.to_string(), "75%");
        assert!("75".parse::<Percent>().is_err());
        assert!("abc%".parse::<Percent>().is_err());
        assert_eq!(Duration::from_secs(14_400).scaled(p).secs(), 10_800);
    }
}
