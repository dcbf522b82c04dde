//! What a cache in git's directory (`.git/mim/`) is valid for besides an incident's own
//! files: this mim (its version and the SHA-256 of its executable, so a rebuild with
//! other code is another mim), the cache's format, `mim.yaml` and every file under
//! `templates/`, byte for byte. `check`'s cache and the settled index share it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::repo::Repo;

/// The file `name` in `.git/mim/` for the mim repository at `prefix` in the work tree
/// (`git rev-parse --show-prefix`): one per mim repository, as a repository below the
/// top gets its own, named after where it is.
pub fn file(git_dir: &Path, prefix: &str, name: &str) -> PathBuf {
    match prefix {
        "" => git_dir.join("mim").join(name),
        p => git_dir
            .join("mim")
            .join(format!("{name}-{}", &hex(&Sha256::digest(p))[..16])),
    }
}

/// An executable by what the file system says of it, with the SHA-256 of its bytes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Binary {
    len: u64,
    modified_ns: i128,
    changed_ns: i128,
    inode: u64,
    sha256: String,
}

/// The running executable, hashed unless `known` is the same file by what the file
/// system says (its length, times and inode).
pub fn binary(known: Option<&Binary>) -> Option<Binary> {
    let path = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&path).ok()?;
    let mut b = Binary {
        len: meta.len(),
        modified_ns: nanos(meta.modified().ok()?),
        ..Binary::default()
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        b.changed_ns = i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec());
        b.inode = meta.ino();
    }
    b.sha256 = match known {
        Some(k)
            if Binary {
                sha256: k.sha256.clone(),
                ..b.clone()
            } == *k =>
        {
            k.sha256.clone()
        }
        _ => {
            use std::io::Read as _;
            let mut file = std::fs::File::open(&path).ok()?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0; 1 << 20];
            loop {
                match file.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => hasher.update(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return None,
                }
            }
            hex(&hasher.finalize())
        }
    };
    Some(b)
}

fn nanos(t: std::time::SystemTime) -> i128 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// What every kept outcome depends on besides the incident's own files: this mim, the
/// format, `mim.yaml` and every file under `templates/` (by name and bytes; a symbolic
/// link or other non-file by name and kind, as it is never read).
pub fn key(repo: &Repo, format: u32, binary: &Binary) -> Option<String> {
    let mut h = Sha256::new();
    let mut part = |name: &str, bytes: &[u8]| {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    part("format", &format.to_le_bytes());
    part("version", env!("CARGO_PKG_VERSION").as_bytes());
    part("binary", binary.sha256.as_bytes());
    let config = repo.root.join(crate::config::FILE_NAME);
    part("mim.yaml", &crate::safe_fs::read(&repo.root, &config).ok()?);
    // Templates outside a sparse work tree's cone are read from HEAD: HEAD's tree of
    // them is part of what was read.
    if let Some(archive) = crate::safe_fs::archive()
        && archive.root() == repo.root
    {
        let rel = Path::new(crate::repo::TEMPLATES_DIR);
        if archive.outside(rel) {
            part(
                "templates in HEAD",
                archive.oid(rel).unwrap_or_default().as_bytes(),
            );
        }
    }
    let templates = repo.templates_dir();
    let walk = walkdir::WalkDir::new(&templates)
        .follow_links(false)
        .follow_root_links(false)
        .sort_by_file_name();
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            // No templates/ at all: nothing to add.
            Err(e) if e.depth() == 0 && !templates.exists() => break,
            Err(_) => return None,
        };
        let name = slashes(repo.relative(entry.path()));
        let kind = entry.file_type();
        if kind.is_file() {
            part(&name, &crate::safe_fs::read(&repo.root, entry.path()).ok()?);
        } else if kind.is_dir() {
            part(&name, b"dir");
        } else {
            part(&name, b"not a file");
        }
    }
    Some(hex(&h.finalize()))
}

/// A path with `/` separators, as git writes it.
pub fn slashes(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
