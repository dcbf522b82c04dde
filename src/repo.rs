//! The incident repository: finding `mim.yaml` upward from a directory, and turning
//! what users type into incident IDs and paths that cannot leave `incidents/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::config::{self, Config};
use crate::error::Error;

pub const INCIDENTS_DIR: &str = "incidents";
pub const TEMPLATES_DIR: &str = "templates";

/// Longest slug kept from a title, so IDs stay usable in shells and file systems.
const SLUG_MAX: usize = 48;

/// How many of the incidents an ambiguous prefix matches are named in the error.
const SHOWN_MATCHES: usize = 20;

#[derive(Debug, Clone)]
pub struct Repo {
    pub root: PathBuf,
    pub config: Config,
}

impl Repo {
    /// Walk up from `start` to the first directory holding `mim.yaml`, and load it.
    pub fn discover(start: &Path) -> anyhow::Result<Repo> {
        let start = start
            .canonicalize()
            .with_context(|| format!("cannot use directory {}", start.display()))?;
        // A symbolic link named mim.yaml marks a repository too, and is refused below.
        let root = start
            .ancestors()
            .find(|dir| {
                std::fs::symlink_metadata(dir.join(config::FILE_NAME)).is_ok_and(|m| !m.is_dir())
            })
            .ok_or_else(|| Error::NotARepository(start.clone()))?
            .to_path_buf();
        let path = root.join(config::FILE_NAME);
        let shown = Path::new(config::FILE_NAME);
        // A configuration that cannot be read is a configuration error (exit 2), like
        // one that does not parse; it is never read through a symbolic link.
        let text = crate::diag::read_text(&root, &path, shown)
            .map_err(|d| Error::Config(crate::diag::Diagnostics(vec![d])))?;
        let config = Config::parse(shown, &text).map_err(Error::Config)?;
        Ok(Repo { root, config })
    }

    /// A repository at `root` with the default configuration, for `init` before
    /// `mim.yaml` exists.
    pub fn discover_unchecked(root: &Path) -> Repo {
        let config = Config::parse(Path::new(config::FILE_NAME), config::DEFAULT_CONFIG)
            .expect("the default configuration is valid");
        Repo {
            root: root.to_path_buf(),
            config,
        }
    }

    pub fn incidents_dir(&self) -> PathBuf {
        self.root.join(INCIDENTS_DIR)
    }

    pub fn templates_dir(&self) -> PathBuf {
        self.root.join(TEMPLATES_DIR)
    }

    fn incident_dir_unchecked(&self, name: &str) -> PathBuf {
        self.incidents_dir().join(name)
    }

    pub fn incident_dir(&self, id: &str) -> PathBuf {
        debug_assert!(is_id(id), "{id}");
        self.incidents_dir().join(id)
    }

    /// The IDs of all incidents, sorted (which is also by date reported). Reads the
    /// names in `incidents/` only, never the incidents' files. A symbolic link is never
    /// an incident (`mim validate` reports it); a symlinked `incidents/` is an error.
    pub fn incident_ids(&self) -> anyhow::Result<Vec<String>> {
        let mut ids: Vec<String> = self
            .entries()?
            .into_iter()
            .filter(|(name, dir)| *dir && is_id(name))
            .map(|(name, _)| name)
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Every name in `incidents/` and whether it is a directory (from the directory
    /// entry's type where the file system gives it, so a listing costs no `stat`).
    pub fn entries(&self) -> anyhow::Result<Vec<(String, bool)>> {
        let dir = self.incidents_dir();
        // Never through a symbolic link: a linked entry is not a directory here.
        let entries = crate::safe_fs::list_dir(&self.root, &dir)
            .with_context(|| format!("reading {}", self.relative(&dir).display()))?;
        Ok(entries
            .into_iter()
            .map(|(name, kind)| (name, kind == crate::safe_fs::Kind::Dir))
            .collect())
    }

    /// Resolve a full ID, a unique prefix, or (with `None`) the incident directory `cwd` is in.
    pub fn resolve(&self, given: Option<&str>, cwd: &Path) -> anyhow::Result<String> {
        let Some(given) = given else {
            return self.incident_at(cwd).ok_or_else(|| {
                anyhow::anyhow!(
                    "which incident? give its ID (see `mim list`), or run this inside its directory"
                )
            });
        };
        if given.is_empty()
            || !given
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            bail!(
                "`{}` is not an incident ID: IDs look like 2026-11-24-payments-api-outage (see `mim list`)",
                given.escape_debug()
            );
        }
        // A full ID is one lookup; only a prefix needs the names in `incidents/`.
        if is_id(given)
            && crate::safe_fs::kind(&self.root, &self.incident_dir(given))
                .is_ok_and(|k| k == crate::safe_fs::Kind::Dir)
        {
            return Ok(given.to_string());
        }
        let ids = self.incident_ids()?;
        let mut matches: Vec<&String> = ids.iter().filter(|id| id.starts_with(given)).collect();
        // No ID starts so: a part of the slug (`citrix`) names one too.
        if matches.is_empty() && given.len() >= 3 {
            matches = ids.iter().filter(|id| id[11..].contains(given)).collect();
        }
        match matches.as_slice() {
            [one] => Ok(one.to_string()),
            [] if crate::safe_fs::kind(&self.root, &self.incident_dir_unchecked(given))
                .is_ok_and(|k| k == crate::safe_fs::Kind::Symlink) =>
            {
                bail!(
                    "{INCIDENTS_DIR}/{given} is a symbolic link: mim never follows symbolic links in a repository; replace it with the incident's directory itself"
                )
            }
            [] => Err(NoSuchIncident {
                given: given.to_string(),
                closest: closest(given, &ids),
                open: None,
            }
            .into()),
            many => {
                let names: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
                bail!(
                    "`{given}` matches {} incidents: {}; give more of the ID",
                    many.len(),
                    match names.len().saturating_sub(SHOWN_MATCHES) {
                        0 => names.join(", "),
                        more => format!("{}, … and {more} more", names[..SHOWN_MATCHES].join(", ")),
                    }
                )
            }
        }
    }

    /// The incident whose directory contains `cwd`, if any.
    fn incident_at(&self, cwd: &Path) -> Option<String> {
        let cwd = cwd.canonicalize().ok()?;
        let rel = cwd
            .strip_prefix(self.incidents_dir().canonicalize().ok()?)
            .ok()?;
        let first = rel.components().next()?.as_os_str().to_str()?;
        (is_id(first) && crate::safe_fs::is_dir(&self.root, &self.incident_dir(first)))
            .then(|| first.to_string())
    }

    /// A new, unused ID for a title reported on `date`: `-2`, `-3` … when taken.
    pub fn new_id(&self, date: chrono::NaiveDate, title: &str) -> String {
        let base = format!("{}-{}", date.format("%Y-%m-%d"), slug(title));
        let mut id = base.clone();
        let mut n = 2;
        // Taken when something is there; a path that cannot be checked (a symlinked
        // incidents/) ends the search, and writing there is refused.
        while matches!(
            crate::safe_fs::kind(&self.root, &self.incidents_dir().join(&id)),
            Ok(kind) if kind != crate::safe_fs::Kind::Missing
        ) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    /// A path relative to the repository root, for messages and git.
    pub fn relative<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }
}

/// No incident has the ID, prefix or slug part given: the closest IDs, and (filled in by
/// the command, which loads incidents) how many are open.
#[derive(Debug)]
pub struct NoSuchIncident {
    pub given: String,
    pub closest: Vec<String>,
    pub open: Option<usize>,
}

impl std::fmt::Display for NoSuchIncident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no incident `{}`", self.given)?;
        match self.closest.as_slice() {
            [] => {}
            [one] => write!(f, "; did you mean {one}?")?,
            many => write!(f, "; did you mean one of {}?", many.join(", "))?,
        }
        match self.open {
            Some(0) => write!(f, " (no incident is open; see `mim list`)"),
            Some(1) => write!(f, " (1 incident is open: `mim list --status open`)"),
            Some(n) => write!(f, " ({n} incidents are open: `mim list --status open`)"),
            None => write!(f, " (see `mim list`)"),
        }
    }
}

impl std::error::Error for NoSuchIncident {}

/// The IDs closest to `given` by edit distance (on the slug, when `given` has no date),
/// at most three, when close enough to be a typo.
fn closest(given: &str, ids: &[String]) -> Vec<String> {
    let dated = given.len() > 10 && is_id(given);
    let mut scored: Vec<(usize, &String)> = ids
        .iter()
        .map(|id| {
            let against = if dated { id.as_str() } else { &id[11..] };
            // A typo of the start of a longer slug counts as one of the start.
            let start = &against[..against.len().min(given.len())];
            let d = edit_distance(given, against).min(edit_distance(given, start));
            (d, id)
        })
        .filter(|(d, _)| *d <= (given.len() / 3).max(1))
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(a.1)));
    scored
        .into_iter()
        .take(3)
        .map(|(_, id)| id.clone())
        .collect()
}

/// Levenshtein distance of two ASCII strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `[a-z0-9-]` only, dashes collapsed, at most SLUG_MAX characters cut at a dash; never empty.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut slug = out.trim_end_matches('-').to_string();
    if slug.len() > SLUG_MAX {
        let cut = slug[..SLUG_MAX]
            .rfind('-')
            .filter(|&i| i >= SLUG_MAX / 2)
            .unwrap_or(SLUG_MAX);
        slug.truncate(cut);
    }
    if slug.is_empty() {
        "incident".to_string()
    } else {
        slug
    }
}

/// The plain letter behind common accented Latin letters, so `Café` slugs to `cafe`.
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Whether `s` has the shape of an incident ID: `YYYY-MM-DD-slug`, `[a-z0-9-]`, bounded length.
pub fn is_id(s: &str) -> bool {
    s.len() > 11
        && s.len() <= 11 + SLUG_MAX + 8
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && chrono::NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").is_ok()
        && s.as_bytes()[10] == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe() {
        assert_eq!(slug("Payments API outage"), "payments-api-outage");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("Café  —  DNS\n\0 down!"), "cafe-dns-down");
        assert_eq!(slug("!!!"), "incident");
        assert_eq!(slug("???\u{202e}"), "incident");
        let long = slug(&"word ".repeat(100));
        assert!(long.len() <= SLUG_MAX && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn a_typo_finds_the_closest_ids() {
        let ids: Vec<String> = [
            "2026-11-20-citrix-gateway-down",
            "2026-11-21-payments-api-outage",
            "2026-11-22-payroll-export-failing",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(closest("citrx", &ids), ["2026-11-20-citrix-gateway-down"]);
        assert_eq!(
            closest("2026-11-21-paymnets-api-outage", &ids),
            ["2026-11-21-payments-api-outage"]
        );
        assert!(closest("zzzzzzzz", &ids).is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn ids_have_a_date_and_a_slug() {
        assert!(is_id("2026-11-24-payments-api-outage"));
        assert!(!is_id("2026-11-24"));
        assert!(!is_id("2026-13-24-x"));
        assert!(!is_id("../2026-11-24-x"));
        assert!(!is_id("2026-11-24-X"));
    }
}
