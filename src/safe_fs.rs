//! Files inside the repository, read and written without following symbolic links.
//!
//! A repository is data from anyone who can open a pull request: a committed
//! `timeline.yaml -> /proc/self/environ` must not make `mim check` print the CI job's
//! secrets, and a symlinked `outbox/` must not make mim write outside the repository.
//! Every path is checked component by component below a trusted base (the repository
//! root, which is canonical, or an incident directory already checked): no component may
//! be a symbolic link, the file must be a regular file, and the final open refuses a
//! symbolic link too (`O_NOFOLLOW`), so a swap after the check is caught. A symlink's
//! target is never read, printed or written.

pub(crate) mod archive;

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Component, Path};

/// What is at a path, without following symbolic links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Missing,
    File,
    Dir,
    /// A symbolic link: never followed.
    Symlink,
    /// A FIFO, socket or device: never opened.
    Other,
}

/// What a sparse work tree lacks, read from HEAD (see [`archive`]): set once, when
/// the repository is found to be a sparse checkout.
static ARCHIVE: std::sync::OnceLock<archive::Archive> = std::sync::OnceLock::new();

/// Read what the work tree at `root` lacks from HEAD, if it is a sparse checkout (one
/// `stat` when it is not). The first repository of the process is the one.
pub fn use_archive_of(root: &Path) {
    if ARCHIVE.get().is_none()
        && let Some(archive) = archive::Archive::open(root)
    {
        let _ = ARCHIVE.set(archive);
    }
}

/// The archive of a sparse work tree, once [`use_archive_of`] found one.
pub fn archive() -> Option<&'static archive::Archive> {
    ARCHIVE.get()
}

/// The archive and `path` relative to its root, where `path` is outside the work tree's
/// cone (so what is not on disk there is read from HEAD).
fn archived(path: &Path) -> Option<(&'static archive::Archive, &Path)> {
    let archive = ARCHIVE.get()?;
    let rel = path.strip_prefix(archive.root()).ok()?;
    (!rel.as_os_str().is_empty() && archive.outside(rel)).then_some((archive, rel))
}

fn on_disk(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// The error for a symbolic link at `rel` (relative to the base; empty for the file itself).
fn symlink_error(rel: &Path, is_self: bool) -> io::Error {
    if is_self {
        refused(
            "is a symbolic link: mim never follows symbolic links in a repository; replace it with the file itself"
                .to_string(),
        )
    } else {
        refused(format!(
            "`{}` is a symbolic link: mim never follows symbolic links in a repository; replace it with the directory itself",
            rel.display()
        ))
    }
}

fn kind_of(meta: &std::fs::Metadata) -> Kind {
    let t = meta.file_type();
    if t.is_symlink() {
        Kind::Symlink
    } else if t.is_file() {
        Kind::File
    } else if t.is_dir() {
        Kind::Dir
    } else {
        Kind::Other
    }
}

/// What is at `path`, after checking that no directory between `base` and it is a
/// symbolic link. `path` must be `base` or below it, without `..`.
pub fn kind(base: &Path, path: &Path) -> io::Result<Kind> {
    let rel = path.strip_prefix(base).map_err(|_| {
        refused(format!(
            "{} is outside the repository ({}): mim reads and writes only inside it",
            path.display(),
            base.display()
        ))
    })?;
    let mut at = base.to_path_buf();
    let mut so_far = std::path::PathBuf::new();
    let parts: Vec<Component> = rel.components().collect();
    if parts.is_empty() {
        return Ok(match std::fs::symlink_metadata(base) {
            Ok(meta) => kind_of(&meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Kind::Missing,
            Err(e) => return Err(e),
        });
    }
    for (i, part) in parts.iter().enumerate() {
        let Component::Normal(name) = part else {
            return Err(refused(format!(
                "{} leaves the repository: only plain names are allowed under it",
                rel.display()
            )));
        };
        at.push(name);
        so_far.push(name);
        let last = i + 1 == parts.len();
        let meta = match std::fs::symlink_metadata(&at) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(archived(path).map_or(Kind::Missing, |(a, rel)| a.kind(rel)));
            }
            Err(e) => return Err(e),
        };
        match kind_of(&meta) {
            Kind::Symlink if last => return Ok(Kind::Symlink),
            Kind::Symlink => return Err(symlink_error(&so_far, false)),
            Kind::Dir => {}
            other if last => return Ok(other),
            _ => {
                return Err(refused(format!(
                    "`{}` is not a directory",
                    so_far.display()
                )));
            }
        }
        if last {
            return Ok(Kind::Dir);
        }
    }
    unreachable!("the loop returns at the last component")
}

/// Whether `path` is a regular file reached without symbolic links.
pub fn is_file(base: &Path, path: &Path) -> bool {
    matches!(kind(base, path), Ok(Kind::File))
}

/// Whether `path` is a directory reached without symbolic links.
pub fn is_dir(base: &Path, path: &Path) -> bool {
    matches!(kind(base, path), Ok(Kind::Dir))
}

/// Whether anything (a file, a directory, a symbolic link) is at `path`.
pub fn exists(base: &Path, path: &Path) -> bool {
    !matches!(kind(base, path), Ok(Kind::Missing))
}

/// Open a regular file whose directories are known to be safe (checked with [`kind`] or
/// listed with [`list_dir`]): never through a symbolic link at its own name, never a
/// FIFO or device. For reading only a part of it (a header, front matter).
pub fn open_regular(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    if let Some((archive, rel)) = archived(path)
        && !on_disk(path)
    {
        let bytes = archive.read(rel, crate::limits::read_limit(path))?;
        return Ok(Box::new(io::Cursor::new(bytes)));
    }
    let file = open_no_follow(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return symlink_error(Path::new(""), true);
        }
        e
    })?;
    if !file.metadata()?.is_file() {
        return Err(refused(
            "is not a regular file: mim does not read it".to_string(),
        ));
    }
    Ok(Box::new(file))
}

/// Read a regular file below `base`: never through a symbolic link, never a FIFO or
/// device (which could block forever), never more than its limit
/// ([`crate::limits::read_limit`]). A missing file is `NotFound`, as with `std::fs::read`.
pub fn read(base: &Path, path: &Path) -> io::Result<Vec<u8>> {
    let limit = crate::limits::read_limit(path);
    match kind(base, path)? {
        Kind::File => {}
        Kind::Missing => return Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
        Kind::Symlink => return Err(symlink_error(Path::new(""), true)),
        Kind::Dir => return Err(refused("is a directory, not a file".to_string())),
        Kind::Other => {
            return Err(refused(
                "is not a regular file (a FIFO, socket or device): mim does not read it"
                    .to_string(),
            ));
        }
    }
    if let Some((archive, rel)) = archived(path)
        && !on_disk(path)
    {
        return archive.read(rel, limit);
    }
    let file = open_no_follow(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refused(
            "is not a regular file: mim does not read it".to_string(),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

fn too_large(len: u64, limit: u64) -> io::Error {
    refused(format!(
        "is too large ({len} bytes; mim reads files of at most {})",
        crate::limits::Size(limit)
    ))
}

/// [`read`] as UTF-8 text; text that is not UTF-8 is an error saying where.
pub fn read_to_string(base: &Path, path: &Path) -> io::Result<String> {
    let bytes = read(base, path)?;
    String::from_utf8(bytes).map_err(|e| not_utf8(e.as_bytes(), e.utf8_error()))
}

/// [`read_to_string`], with a missing file as `None`.
pub fn read_optional(base: &Path, path: &Path) -> io::Result<Option<String>> {
    match read_to_string(base, path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The error for bytes that are not UTF-8, with the line and column of the first bad byte.
pub fn not_utf8(bytes: &[u8], err: std::str::Utf8Error) -> io::Error {
    let good = &bytes[..err.valid_up_to()];
    let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&good[start..]).chars().count() + 1;
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("is not UTF-8 text (line {line}, column {column}): mim's files are UTF-8"),
    )
}

/// The names in directory `path` (below `base`, reached without symbolic links), sorted;
/// a missing directory has none.
pub fn list_dir(base: &Path, path: &Path) -> io::Result<Vec<(String, Kind)>> {
    match kind(base, path)? {
        Kind::Dir => {}
        Kind::Missing => return Ok(Vec::new()),
        Kind::Symlink => return Err(symlink_error(Path::new(""), true)),
        _ => return Err(refused("is not a directory".to_string())),
    }
    let mut out = Vec::new();
    if on_disk(path) {
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let kind = match entry.file_type() {
                Ok(t) if t.is_symlink() => Kind::Symlink,
                Ok(t) if t.is_file() => Kind::File,
                Ok(t) if t.is_dir() => Kind::Dir,
                Ok(_) => Kind::Other,
                Err(e) => return Err(e),
            };
            out.push((entry.file_name().to_string_lossy().into_owned(), kind));
        }
    }
    // Outside a sparse work tree's cone, what HEAD has beside what is on disk.
    if let Some((archive, rel)) = archived(path) {
        for (name, kind) in archive.list(rel) {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, kind));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Check that mim may write the file `path`: below `base`, no symbolic link on the way,
/// and the file itself absent or a regular file.
pub fn check_writable(base: &Path, path: &Path) -> io::Result<()> {
    match kind(base, path)? {
        Kind::Missing | Kind::File => Ok(()),
        Kind::Symlink => Err(symlink_error(Path::new(""), true)),
        Kind::Dir => Err(refused("is a directory, not a file".to_string())),
        Kind::Other => Err(refused("is not a regular file".to_string())),
    }
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .read(true)
        // A symlink swapped in after the check fails here; O_NONBLOCK keeps a FIFO swapped
        // in from blocking the open (it is then refused as not a regular file).
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_files_are_read_and_missing_ones_are_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        std::fs::create_dir(base.join("a")).unwrap();
        std::fs::write(base.join("a/f.yaml"), "x: 1\n").unwrap();
        assert_eq!(
            read_to_string(&base, &base.join("a/f.yaml")).unwrap(),
            "x: 1\n"
        );
        let missing = read(&base, &base.join("a/g.yaml")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        assert_eq!(read_optional(&base, &base.join("b/g.yaml")).unwrap(), None);
        assert!(is_file(&base, &base.join("a/f.yaml")));
        assert!(is_dir(&base, &base.join("a")));
        let outside = read(&base, Path::new("/etc/hostname")).unwrap_err();
        assert!(
            outside.to_string().contains("outside the repository"),
            "{outside}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_refused_without_reading_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let secret = base.join("secret");
        std::fs::write(&secret, "TOKEN=hunter2\n").unwrap();
        std::fs::create_dir(base.join("real")).unwrap();
        std::os::unix::fs::symlink(&secret, base.join("real/file.yaml")).unwrap();
        std::os::unix::fs::symlink(base.join("real"), base.join("linked")).unwrap();
        std::fs::write(base.join("real/ok.yaml"), "ok").unwrap();
        for path in ["real/file.yaml", "linked/ok.yaml"] {
            let err = read_to_string(&base, &base.join(path))
                .unwrap_err()
                .to_string();
            assert!(err.contains("symbolic link"), "{path}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
        let err = read(&base, &base.join("linked/ok.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`linked`"), "{err}");
        assert!(check_writable(&base, &base.join("linked/new.yaml")).is_err());
        assert!(check_writable(&base, &base.join("real/file.yaml")).is_err());
        assert!(check_writable(&base, &base.join("real/new.yaml")).is_ok());
        assert_eq!(
            kind(&base, &base.join("real/file.yaml")).unwrap(),
            Kind::Symlink
        );
        assert!(!is_file(&base, &base.join("real/file.yaml")));
        assert!(list_dir(&base, &base.join("linked")).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let fifo = base.join("pipe.yaml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path and mode.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let err = read(&base, &fifo).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[test]
    fn text_that_is_not_utf8_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        std::fs::write(base.join("f"), b"a: 1\nb: \xff\n").unwrap();
        let err = read_to_string(&base, &base.join("f"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2, column 4"), "{err}");
    }
}
