//! Sparse work trees for large repositories (`mim sparse --months N`, docs/scale.md).
//!
//! The work tree is a git sparse-checkout cone (with git's sparse index, so the index
//! holds one entry per folded directory): `mim.yaml` and the other files at the root,
//! the directories beside `incidents/` (templates, schemas, branding), and the
//! incidents of recent months. Every incident outside the cone is read from HEAD's tree
//! objects through one `git cat-file --batch` per reading thread, by [`crate::safe_fs`]
//! (the one reader of repository files), so every command reads the whole repository
//! and says nothing different. A command that changes an incident outside the cone
//! first adds that incident's directory to the cone ([`widen`]), and only that one.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, RwLock};

use super::Kind;

/// At most this many tree listings are kept at once (a few MB)…
const MAX_TREES: usize = 4096;

/// …but always those of directories this deep (`incidents/YYYY/MM`) and above.
const KEPT_DEPTH: usize = 3;

/// What HEAD holds outside the work tree's cone.
pub struct Archive {
    root: PathBuf,
    /// The cone's directories, relative to the root (`templates`, `incidents/2026/11`).
    cone: RwLock<Vec<PathBuf>>,
    /// HEAD when the command started: what is read is one commit's tree.
    head: String,
    /// One `git cat-file --batch` per reading thread, started when first needed.
    pool: Vec<Mutex<Option<Batch>>>,
    /// Tree listings read so far, by directory (relative; empty for the root).
    trees: Mutex<HashMap<PathBuf, Option<Arc<Vec<Entry>>>>>,
}

/// One entry of a tree object.
#[derive(Clone, Debug)]
struct Entry {
    name: String,
    kind: Kind,
    oid: String,
}

struct Batch {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Drop for Batch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn git(root: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(root)
        .env("LC_ALL", "C")
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .stdin(Stdio::null());
    cmd
}

fn output(root: &Path, args: &[&str]) -> Option<String> {
    let out = git(root).args(args).stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The git directory of a work tree whose root is `root`, without starting git.
fn git_dir(root: &Path) -> Option<PathBuf> {
    let dot = root.join(".git");
    let meta = std::fs::symlink_metadata(&dot).ok()?;
    if meta.is_dir() {
        return Some(dot);
    }
    let text = std::fs::read_to_string(&dot).ok()?;
    let target = text.trim().strip_prefix("gitdir:")?.trim();
    Some(root.join(target))
}

/// The cone of the sparse checkout at `root`, when it is one (in cone mode): its
/// directories, relative to the root. `None` for a full work tree, at the cost of one
/// `stat` (git runs only where a sparse-checkout file is there).
pub fn cone(root: &Path) -> Option<Vec<PathBuf>> {
    let dir = git_dir(root)?;
    if !dir.join("info").join("sparse-checkout").is_file() {
        return None;
    }
    let enabled = output(root, &["config", "--bool", "core.sparseCheckout"])?;
    if enabled.trim() != "true" {
        return None;
    }
    let cone = output(root, &["config", "--bool", "core.sparseCheckoutCone"]);
    if cone.as_deref().map(str::trim) == Some("false") {
        return None;
    }
    let listed = output(root, &["sparse-checkout", "list"])?;
    Some(listed.lines().map(PathBuf::from).collect())
}

impl Archive {
    /// The archive of the repository at `root` (its top directory, canonical), when
    /// its work tree is a sparse checkout in cone mode with a commit.
    pub fn open(root: &Path) -> Option<Archive> {
        let cone = cone(root)?;
        let head = output(root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])?;
        let threads = rayon::current_num_threads().clamp(1, 8);
        Some(Archive {
            root: root.to_path_buf(),
            cone: RwLock::new(cone),
            head: head.trim().to_string(),
            pool: (0..threads).map(|_| Mutex::new(None)).collect(),
            trees: Mutex::new(HashMap::new()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The commit whose tree is read (HEAD when the command started).
    pub fn head(&self) -> &str {
        &self.head
    }

    /// The object HEAD has at `rel` (its hash), if any.
    pub fn oid(&self, rel: &Path) -> Option<String> {
        self.entry(rel).map(|e| e.oid)
    }

    /// Whether `rel` (relative to the root) is outside the cone's directories, so that
    /// what the work tree lacks there is read from HEAD.
    pub fn outside(&self, rel: &Path) -> bool {
        let cone = self.cone.read().unwrap_or_else(|e| e.into_inner());
        !cone.iter().any(|dir| rel.starts_with(dir))
    }

    /// What HEAD has at `rel`.
    pub fn kind(&self, rel: &Path) -> Kind {
        self.entry(rel).map_or(Kind::Missing, |e| e.kind)
    }

    /// The entries of directory `rel` in HEAD (none when it is not a directory there).
    pub fn list(&self, rel: &Path) -> Vec<(String, Kind)> {
        self.tree(rel)
            .map(|t| t.iter().map(|e| (e.name.clone(), e.kind)).collect())
            .unwrap_or_default()
    }

    /// The content of file `rel` in HEAD; `NotFound` when HEAD has no file there.
    pub fn read(&self, rel: &Path, limit: u64) -> io::Result<Vec<u8>> {
        let Some(entry) = self.entry(rel).filter(|e| e.kind == Kind::File) else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such file"));
        };
        let (kind, bytes) = self.object(&entry.oid, limit)?;
        if kind != "blob" {
            return Err(io::Error::other(format!(
                "HEAD:{} is a {kind}",
                rel.display()
            )));
        }
        Ok(bytes)
    }

    fn entry(&self, rel: &Path) -> Option<Entry> {
        let name = rel.file_name()?.to_str()?;
        let parent = rel.parent().unwrap_or(Path::new(""));
        self.tree(parent)?.iter().find(|e| e.name == name).cloned()
    }

    fn tree(&self, rel: &Path) -> Option<Arc<Vec<Entry>>> {
        if let Some(known) = self.lock_trees().get(rel) {
            return known.clone();
        }
        let tree = self.read_tree(rel).map(Arc::new);
        let mut trees = self.lock_trees();
        // Memory stays bounded however many incidents a command reads: past the limit,
        // the listings inside incidents go (the months' and those above stay), and an
        // incident still being read lists its directory again.
        if trees.len() >= MAX_TREES {
            trees.retain(|dir, _| dir.components().count() <= KEPT_DEPTH);
        }
        trees.insert(rel.to_path_buf(), tree.clone());
        tree
    }

    fn lock_trees(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Option<Arc<Vec<Entry>>>>> {
        self.trees.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read_tree(&self, rel: &Path) -> Option<Vec<Entry>> {
        let oid = if rel.as_os_str().is_empty() {
            format!("{}^{{tree}}", self.head)
        } else {
            let parent = rel.parent().unwrap_or(Path::new(""));
            let name = rel.file_name()?.to_str()?;
            let entry = self.tree(parent)?.iter().find(|e| e.name == name)?.clone();
            if entry.kind != Kind::Dir {
                return None;
            }
            entry.oid
        };
        let (kind, bytes) = self.object(&oid, u64::MAX).ok()?;
        (kind == "tree").then(|| parse_tree(&bytes))
    }

    /// One object through this thread's `git cat-file --batch`.
    fn object(&self, oid: &str, limit: u64) -> io::Result<(String, Vec<u8>)> {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.pool.len();
        let mut guard = self.pool[slot].lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(self.start()?);
        }
        let batch = guard.as_mut().expect("started");
        let result = ask(batch, oid, limit);
        if result.is_err() {
            // A batch out of step is not asked again.
            *guard = None;
        }
        result
    }

    fn start(&self) -> io::Result<Batch> {
        let mut child = git(&self.root)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let input = child
            .stdin
            .take()
            .ok_or_else(|| io::Error::other("git's input"))?;
        let output = BufReader::new(
            child
                .stdout
                .take()
                .ok_or_else(|| io::Error::other("git's output"))?,
        );
        Ok(Batch {
            child,
            input,
            output,
        })
    }

    /// Add the directories of `dirs` (relative) to the cone, so that a command can write
    /// there: git checks their files out. Nothing happens for those inside it already.
    pub fn widen(&self, dirs: &[PathBuf]) -> anyhow::Result<()> {
        let new: Vec<&PathBuf> = dirs.iter().filter(|d| self.outside(d)).collect();
        if new.is_empty() {
            return Ok(());
        }
        let out = git(&self.root)
            .args(["sparse-checkout", "add", "--"])
            .args(&new)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()?;
        if !out.status.success() {
            anyhow::bail!(
                "git sparse-checkout add failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let mut cone = self.cone.write().unwrap_or_else(|e| e.into_inner());
        cone.extend(new.into_iter().cloned());
        Ok(())
    }
}

fn ask(batch: &mut Batch, oid: &str, limit: u64) -> io::Result<(String, Vec<u8>)> {
    writeln!(batch.input, "{oid}")?;
    batch.input.flush()?;
    let mut header = String::new();
    batch.output.read_line(&mut header)?;
    let mut parts = header.split_whitespace();
    let (Some(_), Some(kind), Some(size)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(io::Error::new(io::ErrorKind::NotFound, "not in HEAD"));
    };
    let size: u64 = size
        .parse()
        .map_err(|_| io::Error::other("git cat-file: a size that is not a number"))?;
    let mut bytes = vec![0; usize::try_from(size).map_err(io::Error::other)?];
    batch.output.read_exact(&mut bytes)?;
    let mut newline = [0u8; 1];
    batch.output.read_exact(&mut newline)?;
    if size > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "is too large ({size} bytes; mim reads files of at most {})",
                crate::limits::Size(limit)
            ),
        ));
    }
    Ok((kind.to_string(), bytes))
}

/// The entries of a tree object: `<mode> <name>\0<20-byte id>` each.
fn parse_tree(bytes: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some(space) = rest.iter().position(|&b| b == b' ') {
        let mode = &rest[..space];
        let after = &rest[space + 1..];
        let Some(nul) = after.iter().position(|&b| b == 0) else {
            break;
        };
        let name = String::from_utf8_lossy(&after[..nul]).into_owned();
        let Some(id) = after.get(nul + 1..nul + 21) else {
            break;
        };
        let kind = match mode {
            b"40000" => Kind::Dir,
            b"100644" | b"100755" => Kind::File,
            b"120000" => Kind::Symlink,
            _ => Kind::Other,
        };
        out.push(Entry {
            name,
            kind,
            oid: id.iter().map(|b| format!("{b:02x}")).collect(),
        });
        rest = &after[nul + 21..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_object_parses_into_its_entries() {
        let mut bytes = b"100644 incident.yaml\0".to_vec();
        bytes.extend([0xab; 20]);
        bytes.extend(b"40000 outbox\0");
        bytes.extend([0x01; 20]);
        bytes.extend(b"120000 link\0");
        bytes.extend([0x02; 20]);
        let entries = parse_tree(&bytes);
        let names: Vec<(&str, Kind)> = entries.iter().map(|e| (e.name.as_str(), e.kind)).collect();
        assert_eq!(
            names,
            [
                ("incident.yaml", Kind::File),
                ("outbox", Kind::Dir),
                ("link", Kind::Symlink)
            ]
        );
        assert_eq!(entries[0].oid, "ab".repeat(20));
        // A truncated object ends the listing instead of reading past it.
        assert_eq!(parse_tree(&bytes[..50]).len(), 1);
    }
}
