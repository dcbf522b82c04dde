//! The incident repository: finding `mim.yaml` upward from a directory, and turning
//! what users type into incident IDs and paths that cannot leave `incidents/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

pub use crate::config::Layout;
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

/// `mim.yaml` parsed, or the configuration this thread parsed last from the same
/// text: a process that runs many commands (`examples/synth.rs` runs a few hundred
/// thousand) parses it once, not once a command.
fn parsed(shown: &Path, text: &str) -> Result<Config, crate::diag::Diagnostics> {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(String, Config)>> =
            const { std::cell::RefCell::new(None) };
    }
    if let Some(config) = LAST.with_borrow(|last| {
        last.as_ref()
            .filter(|(seen, _)| seen == text)
            .map(|(_, config)| config.clone())
    }) {
        return Ok(config);
    }
    let config = Config::parse(shown, text)?;
    LAST.set(Some((text.to_string(), config.clone())));
    Ok(config)
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
        // A sparse work tree: what it lacks is read from HEAD (archive).
        crate::safe_fs::use_archive_of(&root);
        let path = root.join(config::FILE_NAME);
        let shown = Path::new(config::FILE_NAME);
        // A configuration that cannot be read is a configuration error (exit 2), like
        // one that does not parse; it is never read through a symbolic link.
        let text = crate::diag::read_text(&root, &path, shown)
            .map_err(|d| Error::Config(crate::diag::Diagnostics(vec![d])))?;
        let config = parsed(shown, &text).map_err(Error::Config)?;
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

    pub fn templates_dir(&self) -> PathBuf {
        self.root.join(TEMPLATES_DIR)
    }

    /// The directory of incident `id`: where it is, in either layout; for an incident
    /// not there yet, where the configured layout puts it. One `lstat` when the incident
    /// is where the layout says.
    pub fn incident_dir(&self, id: &str) -> PathBuf {
        debug_assert!(is_id(id), "{id}");
        let [first, other] = match self.config.layout {
            Layout::Flat => [Layout::Flat, Layout::Monthly],
            Layout::Monthly => [Layout::Monthly, Layout::Flat],
        }
        .map(|layout| self.root.join(incident_path(layout, id)));
        if !self.missing(&first) || self.missing(&other) {
            first
        } else {
            other
        }
    }

    fn missing(&self, path: &Path) -> bool {
        crate::safe_fs::kind(&self.root, path).is_ok_and(|k| k == crate::safe_fs::Kind::Missing)
    }

    /// The IDs of all incidents, sorted (which is also by date reported). Reads the
    /// names under `incidents/` only, never the incidents' files. A symbolic link is
    /// never an incident (`mim validate` reports it); a symlinked `incidents/` is an
    /// error.
    pub fn incident_ids(&self) -> anyhow::Result<Vec<String>> {
        Ok(self.listing()?.ids)
    }

    /// [`incident_ids`](Self::incident_ids) of the incidents reported on or after `day`
    /// (`YYYY-MM-DD`), by their IDs' dates: the monthly layout's earlier months are not
    /// listed (in a sparse work tree, not read from git).
    pub fn incident_ids_from(&self, day: &str) -> anyhow::Result<Vec<String>> {
        let mut ids = self.listing_from(day.get(..7))?.ids;
        ids.retain(|id| id.as_str() >= day);
        Ok(ids)
    }

    /// What `incidents/` holds, in both layouts: the incidents, and the directories
    /// that are not incidents. Directory types come from the directory entries where the
    /// file system gives them, so a listing costs no `stat`.
    pub fn listing(&self) -> anyhow::Result<Listing> {
        self.listing_from(None)
    }

    /// [`listing`](Self::listing), of the months from `from` (`YYYY-MM`) on only.
    fn listing_from(&self, from: Option<&str>) -> anyhow::Result<Listing> {
        let mut listing = Listing::default();
        for (name, dir) in self.list(Path::new(INCIDENTS_DIR))? {
            if !dir {
                continue;
            }
            if is_id(&name) {
                listing.ids.push(name);
            } else if is_year(&name) {
                if from.is_some_and(|from| name.as_str() < &from[..4]) {
                    continue;
                }
                self.list_year(&name, from, &mut listing)?;
            } else {
                listing.strays.push(Path::new(INCIDENTS_DIR).join(name));
            }
        }
        listing.ids.sort();
        // An incident in both layouts (a copy left by hand) is read once, from where
        // `incident_dir` finds it, and named by `mim validate`.
        for pair in listing.ids.windows(2) {
            if pair[0] == pair[1] {
                listing.twice.push(pair[0].clone());
            }
        }
        listing.ids.dedup();
        listing.strays.sort();
        Ok(listing)
    }

    fn list_year(
        &self,
        year: &str,
        from: Option<&str>,
        listing: &mut Listing,
    ) -> anyhow::Result<()> {
        let year_dir = Path::new(INCIDENTS_DIR).join(year);
        for (month, dir) in self.list(&year_dir)? {
            if !dir || !is_month(&month) {
                if dir {
                    listing.strays.push(year_dir.join(month));
                }
                continue;
            }
            if from.is_some_and(|from| format!("{year}-{month}").as_str() < from) {
                continue;
            }
            let month_dir = year_dir.join(&month);
            for (name, dir) in self.list(&month_dir)? {
                if !dir {
                    continue;
                }
                if is_id(&name) && name[..4] == *year && name[5..7] == *month {
                    listing.ids.push(name);
                } else {
                    listing.strays.push(month_dir.join(name));
                }
            }
        }
        Ok(())
    }

    /// Every name in the directory `rel` and whether it is a directory.
    fn list(&self, rel: &Path) -> anyhow::Result<Vec<(String, bool)>> {
        // Never through a symbolic link: a linked entry is not a directory here.
        let entries = crate::safe_fs::list_dir(&self.root, &self.root.join(rel))
            .with_context(|| format!("reading {}", rel.display()))?;
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
            [] if let Some(link) = self.symlinked(given) => {
                bail!(
                    "{} is a symbolic link: mim never follows symbolic links in a repository; replace it with the incident's directory itself",
                    link.display()
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

    /// Where `given` (an ID or not) is a symbolic link under `incidents/`, in either
    /// layout: that path, relative to the root.
    fn symlinked(&self, given: &str) -> Option<PathBuf> {
        let mut places = vec![Path::new(INCIDENTS_DIR).join(given)];
        if is_id(given) {
            places.push(incident_path(Layout::Monthly, given));
        }
        places.into_iter().find(|rel| {
            crate::safe_fs::kind(&self.root, &self.root.join(rel))
                .is_ok_and(|k| k == crate::safe_fs::Kind::Symlink)
        })
    }

    /// The incident whose directory contains `cwd`, if any.
    fn incident_at(&self, cwd: &Path) -> Option<String> {
        let cwd = cwd.canonicalize().ok()?;
        let rel = cwd.strip_prefix(self.root.canonicalize().ok()?).ok()?;
        let rel = rel.to_str()?.replace('\\', "/");
        let rel = format!("{rel}/");
        let (id, _) = incident_of_path(&rel)?;
        crate::safe_fs::is_dir(&self.root, &self.incident_dir(id)).then(|| id.to_string())
    }

    /// A new, unused ID for a title reported on `date`: `-2`, `-3` … when taken.
    pub fn new_id(&self, date: chrono::NaiveDate, title: &str) -> String {
        let base = format!("{}-{}", date.format("%Y-%m-%d"), slug(title));
        let mut id = base.clone();
        let mut n = 2;
        // Taken when something is there; a path that cannot be checked (a symlinked
        // incidents/) ends the search, and writing there is refused.
        // (A path that cannot be checked is not taken: the write there is refused.)
        let taken = |id: &str| {
            [Layout::Flat, Layout::Monthly].into_iter().any(|layout| {
                matches!(
                    crate::safe_fs::kind(&self.root, &self.root.join(incident_path(layout, id))),
                    Ok(kind) if kind != crate::safe_fs::Kind::Missing
                )
            })
        };
        while taken(&id) {
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

/// What `incidents/` holds: see [`Repo::listing`].
#[derive(Debug, Default)]
pub struct Listing {
    /// Every incident's ID, sorted, once.
    pub ids: Vec<String>,
    /// Directories (relative to the root) that are not incidents.
    pub strays: Vec<PathBuf>,
    /// IDs with a directory in both layouts.
    pub twice: Vec<String>,
}

/// `.gitattributes` patterns of an older mim, which match only the flat layout.
const FLAT_PATTERN: &str = "incidents/*/";

/// `text` with mim's union-merge patterns matching both layouts (`incidents/**/…`).
pub fn both_layouts(text: &str) -> String {
    text.lines()
        .map(|line| match line.strip_prefix(FLAT_PATTERN) {
            Some(rest) if rest.ends_with("merge=union") => format!("incidents/**/{rest}"),
            _ => line.to_string(),
        })
        .map(|line| line + "\n")
        .collect()
}

/// `mim.yaml`'s text with its top-level `layout:` set to `layout`: the line replaced
/// where there is one, else added at the end (comments and the rest kept as they are).
/// Flat is the default, so a configuration without the line is flat already.
pub fn with_layout(text: &str, layout: Layout) -> String {
    let line = match layout {
        Layout::Flat => "layout: flat                        # incidents/<ID>/ (docs/scale.md)",
        Layout::Monthly => {
            "layout: monthly                     # incidents/YYYY/MM/<ID>/ (docs/scale.md)"
        }
    };
    let mut found = false;
    let mut out: String = text
        .lines()
        .map(|l| {
            if l.starts_with("layout:") {
                found = true;
                format!("{line}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    if !found && layout != Layout::Flat {
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    if !text.ends_with('\n') && !found && layout == Layout::Flat {
        out.pop();
    }
    out
}

/// The directory of incident `id` in `layout`, relative to the repository root.
pub fn incident_path(layout: Layout, id: &str) -> PathBuf {
    match layout {
        Layout::Flat => Path::new(INCIDENTS_DIR).join(id),
        Layout::Monthly => Path::new(INCIDENTS_DIR)
            .join(&id[..4])
            .join(&id[5..7])
            .join(id),
    }
}

/// The incident a path relative to the root (with `/`) is in, in either layout, and the
/// rest of the path: `incidents/<ID>/timeline.yaml` and
/// `incidents/2026/11/<ID>/timeline.yaml` → (`<ID>`, `timeline.yaml`).
pub fn incident_of_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(INCIDENTS_DIR)?.strip_prefix('/')?;
    let (first, after) = rest.split_once('/').unwrap_or((rest, ""));
    if is_id(first) {
        return Some((first, after));
    }
    let (month, after) = after.split_once('/')?;
    let (id, after) = after.split_once('/').unwrap_or((after, ""));
    (is_year(first) && is_month(month) && is_id(id) && id[..4] == *first && id[5..7] == *month)
        .then_some((id, after))
}

/// The directory of the incident a path is in (`incident_of_path`), as written in it:
/// `incidents/2026/11/<ID>/pir.md` → `incidents/2026/11/<ID>`.
pub fn incident_dir_of_path(path: &str) -> Option<&str> {
    let (id, rest) = incident_of_path(path)?;
    let end = path.len() - rest.len();
    let dir = path[..end].trim_end_matches('/');
    dir.ends_with(id).then_some(dir)
}

/// Where incident `id`'s directory is under `root`, relative to it: in the monthly
/// layout when it is there, else the flat path (whether or not it exists). For code
/// that has the root but not the configuration.
pub fn found_incident_path(root: &Path, id: &str) -> PathBuf {
    let monthly = incident_path(Layout::Monthly, id);
    match crate::safe_fs::kind(root, &root.join(&monthly)) {
        Ok(crate::safe_fs::Kind::Missing) | Err(_) => incident_path(Layout::Flat, id),
        Ok(_) => monthly,
    }
}

/// Every incident the paths are in or name: each of their parts that is an ID.
pub fn ids_in<'a>(paths: impl IntoIterator<Item = &'a Path>) -> std::collections::HashSet<String> {
    paths
        .into_iter()
        .flat_map(Path::components)
        .filter_map(|c| c.as_os_str().to_str())
        .filter(|name| is_id(name))
        .map(String::from)
        .collect()
}

pub fn is_year(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

pub fn is_month(s: &str) -> bool {
    s.len() == 2
        && s.bytes().all(|b| b.is_ascii_digit())
        && (1..=12).contains(&s.parse::<u8>().unwrap_or(0))
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
    fn the_ids_from_a_day_list_no_earlier_month() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::discover_unchecked(dir.path());
        for id in [
            "incidents/2025-11-30-flat-old",
            "incidents/2026-01-03-flat-new",
            "incidents/2025/12/2025-12-30-december",
            "incidents/2026/01/2026-01-01-new-year",
            "incidents/2026/01/2026-01-04-january",
            "incidents/2026/02/2026-02-01-february",
        ] {
            std::fs::create_dir_all(dir.path().join(id)).unwrap();
        }
        assert_eq!(
            repo.incident_ids_from("2026-01-02").unwrap(),
            [
                "2026-01-03-flat-new",
                "2026-01-04-january",
                "2026-02-01-february"
            ]
        );
        assert_eq!(repo.incident_ids_from("2025-12-30").unwrap().len(), 5);
        assert_eq!(repo.incident_ids().unwrap().len(), 6);
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
