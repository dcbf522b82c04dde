//! A commit whose cost is the change, not the repository.
//!
//! `git commit --only PATHS` refreshes the whole index (it stats every file of the work
//! tree) and writes it twice. Here the commit is built with git's plumbing instead: the
//! changed files are hashed, only the trees on their paths are rewritten (`ls-tree` of
//! the old tree, `mktree` of the new one), `commit-tree` makes the commit and
//! `update-ref HEAD NEW OLD` moves the branch only if nobody else moved it since it was
//! read. A HEAD moved by another process is detected, and the commit is rebuilt on top
//! of it; it is never overwritten. The user's index is brought in line for just these
//! paths, so whatever else is staged stays staged, and as `git commit` does it: the new
//! index is written under git's `index.lock` before the branch moves, and the lock is
//! released only after (see [`super::index`]), so the user's own `git commit` at the same
//! time never commits an index older than mim's commit, which would undo it.
//!
//! What `git commit` would do is kept: the repository's `pre-commit`,
//! `prepare-commit-msg`, `commit-msg` and `post-commit` hooks run (`git hook run`, with
//! an index of the new tree for `pre-commit`, built only when that hook exists), and
//! `commit.gpgSign` is honoured (`commit-tree` ignores it, so it is read here).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use super::index::IndexLock;
use super::{Message, commit_of, failed, git, output};

/// How often a commit is rebuilt on a HEAD that another process moved meanwhile.
const ATTEMPTS: usize = 5;

/// One path's new content: `None` when the file is gone from the work tree.
struct Edit {
    path: String,
    blob: Option<String>,
}

/// Commit exactly `paths` (relative to `root`, as they are in the work tree now) on top
/// of HEAD, and stage just them in the user's index.
/// `wait`: how long to wait for another git's `index.lock`; `lock`: that lock, when the
/// caller holds it already.
pub fn commit_paths(
    root: &Path,
    git_dir: &Path,
    paths: &[PathBuf],
    message: &Message,
    wait: std::time::Duration,
    lock: Option<IndexLock>,
) -> anyhow::Result<()> {
    let (top, prefix) = top_and_prefix(root)?;
    let root = top.as_path();
    let paths: Vec<PathBuf> = paths.iter().map(|p| prefix.join(p)).collect();
    let edits = hash_files(root, &paths)?;
    crate::fault::fault("after-add");
    let hooks = Hooks::find(root);
    let sign = super::signs_commits(root);
    // git's index lock: taken (unless the caller holds it) just before the new index is
    // written, and held until the branch has moved, as `git commit` holds it. After an
    // attempt lost the race for HEAD to another commit, it is kept from one attempt to
    // the next, so that another git cannot start a commit in between.
    let mut held = lock;
    for _ in 0..ATTEMPTS {
        let head = commit_of(root, "HEAD");
        let base = match &head {
            Some(h) => Some(tree_of(root, h)?),
            None => None,
        };
        let mut tree = build_tree(root, base.as_deref(), &tree_edits(&edits))?;
        let mut text = message.render();
        if hooks.any() {
            (tree, text) = hooks.before(root, git_dir, &tree, text)?;
        }
        let commit = commit_tree(root, git_dir, &tree, head.as_deref(), &text, message, sign)?;
        let mut index = match held.take() {
            Some(lock) => lock,
            None => IndexLock::acquire(root, git_dir, wait)?,
        };
        index.write(root, &index_info(root, &tree, &edits)?)?;
        match update_head(root, &commit, head.as_deref(), &text) {
            Ok(()) => {
                crate::fault::fault("after-update-ref");
                // The commit is made: whatever follows only tidies up, and says so.
                if let Err(e) = index.commit() {
                    let paths: Vec<&str> = edits.iter().map(|e| e.path.as_str()).collect();
                    eprintln!(
                        "warning: committed, but git's index was not updated for the incident's files ({e:#}); \
                         `git reset -q -- {}` brings it in line",
                        paths.join(" ")
                    );
                }
                hooks.after(root);
                housekeeping(root);
                return Ok(());
            }
            Err(e) => {
                if commit_of(root, "HEAD") == head {
                    return Err(e);
                }
                // Another process committed meanwhile: build again on its commit.
                held = Some(index);
            }
        }
    }
    bail!(
        "HEAD kept moving while mim committed ({ATTEMPTS} attempts): another program is committing in this repository"
    )
}

/// Hash the files into git's object store (through git's filters, as `git add` would).
fn hash_files(root: &Path, paths: &[PathBuf]) -> anyhow::Result<Vec<Edit>> {
    let mut present = Vec::new();
    let mut edits = Vec::new();
    for path in paths {
        let name = git_path(path)?;
        match std::fs::symlink_metadata(root.join(path)) {
            Ok(m) if m.is_file() => present.push(name),
            Ok(_) => bail!("{name} is not a regular file; mim commits only its own files"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => edits.push(Edit {
                path: name,
                blob: None,
            }),
            Err(e) => return Err(e).with_context(|| format!("reading {name}")),
        }
    }
    if !present.is_empty() {
        let mut input = present.join("\n");
        input.push('\n');
        let mut cmd = git(root);
        cmd.args(["hash-object", "-w", "--stdin-paths"]);
        let out = run_with_input(cmd, input.as_bytes(), "git hash-object")?;
        let out = String::from_utf8_lossy(&out);
        let ids: Vec<&str> = out.lines().collect();
        if ids.len() != present.len() {
            bail!(
                "git hash-object returned {} ids for {} files",
                ids.len(),
                present.len()
            );
        }
        for (path, id) in present.into_iter().zip(ids) {
            edits.push(Edit {
                path,
                blob: Some(id.to_string()),
            });
        }
    }
    Ok(edits)
}

/// A path as git names it in a tree: relative, `/`-separated, UTF-8.
fn git_path(path: &Path) -> anyhow::Result<String> {
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::Normal(p) => parts.push(
                p.to_str()
                    .with_context(|| format!("{} is not UTF-8", path.display()))?,
            ),
            _ => bail!("{} is not a path inside the repository", path.display()),
        }
    }
    if parts.is_empty() {
        bail!("an empty path cannot be committed");
    }
    Ok(parts.join("/"))
}

/// The edits as a tree of directories.
#[derive(Default)]
struct Dir<'a> {
    files: BTreeMap<&'a str, Option<&'a str>>,
    dirs: BTreeMap<&'a str, Dir<'a>>,
}

fn tree_edits(edits: &[Edit]) -> Dir<'_> {
    let mut top = Dir::default();
    for edit in edits {
        let mut parts: Vec<&str> = edit.path.split('/').collect();
        let file = parts.pop().unwrap_or_default();
        let mut dir = &mut top;
        for part in parts {
            dir = dir.dirs.entry(part).or_default();
        }
        dir.files.insert(file, edit.blob.as_deref());
    }
    top
}

/// One entry of a tree: its mode as git writes it (`100644`, `40000`, …) and its id.
#[derive(Clone)]
struct Entry {
    mode: String,
    id: String,
}

impl Entry {
    fn is_tree(&self) -> bool {
        // Old tools wrote `040000`; git reads both.
        self.mode.trim_start_matches('0') == TREE_MODE
    }
}

const TREE_MODE: &str = "40000";

/// The tree `base` with `edit` applied, written to the object store (an empty tree
/// when nothing is left).
fn build_tree(root: &Path, base: Option<&str>, edit: &Dir) -> anyhow::Result<String> {
    Ok(match build_subtree(root, base, edit)? {
        Some(id) => id,
        None => write_tree(root, &BTreeMap::new())?,
    })
}

/// `None` when the tree has no entries left: git keeps no empty directories.
fn build_subtree(root: &Path, base: Option<&str>, edit: &Dir) -> anyhow::Result<Option<String>> {
    let mut entries = match base {
        Some(tree) => read_tree(root, tree)?,
        None => BTreeMap::new(),
    };
    for (name, blob) in &edit.files {
        match blob {
            None => {
                entries.remove(name.as_bytes());
            }
            Some(id) => {
                // An executable file stays executable; anything else becomes a file.
                let mode = match entries.get(name.as_bytes()) {
                    Some(e) if e.mode == "100755" => "100755",
                    _ => "100644",
                };
                entries.insert(
                    name.as_bytes().to_vec(),
                    Entry {
                        mode: mode.to_string(),
                        id: (*id).to_string(),
                    },
                );
            }
        }
    }
    for (name, sub) in &edit.dirs {
        let old = entries
            .get(name.as_bytes())
            .filter(|e| e.is_tree())
            .map(|e| e.id.clone());
        match build_subtree(root, old.as_deref(), sub)? {
            Some(id) => {
                entries.insert(
                    name.as_bytes().to_vec(),
                    Entry {
                        mode: TREE_MODE.to_string(),
                        id,
                    },
                );
            }
            None => {
                entries.remove(name.as_bytes());
            }
        }
    }
    if entries.is_empty() {
        return Ok(None);
    }
    write_tree(root, &entries).map(Some)
}

/// The entries of tree `tree`, from its raw object (`<mode> <name>\0<id bytes>`…).
/// (`git cat-file` reads the one object; `ls-tree` and `mktree` would look up every
/// entry's object too, which costs milliseconds in a directory of a thousand e-mails.)
fn read_tree(root: &Path, tree: &str) -> anyhow::Result<BTreeMap<Vec<u8>, Entry>> {
    let id_len = tree.len() / 2;
    let mut cmd = git(root);
    cmd.args(["cat-file", "tree", tree]);
    let raw = run_with_input(cmd, b"", "git cat-file")?;
    let bad = || anyhow::anyhow!("git cat-file tree {tree}: not a tree object as git writes it");
    let mut entries = BTreeMap::new();
    let mut rest = raw.as_slice();
    while !rest.is_empty() {
        let space = rest.iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let nul = rest.iter().position(|&b| b == 0).ok_or_else(bad)?;
        if nul < space || rest.len() < nul + 1 + id_len {
            return Err(bad());
        }
        let mode = std::str::from_utf8(&rest[..space]).map_err(|_| bad())?;
        // Names are bytes to git: kept as they are, whatever their encoding.
        let name = rest[space + 1..nul].to_vec();
        let id = crate::fingerprint::hex(&rest[nul + 1..nul + 1 + id_len]);
        entries.insert(
            name,
            Entry {
                mode: mode.to_string(),
                id,
            },
        );
        rest = &rest[nul + 1 + id_len..];
    }
    Ok(entries)
}

/// Write a tree object of `entries`, in git's order (a directory sorts as if its name
/// ended in `/`), with `git hash-object -t tree`, which checks its format.
fn write_tree(root: &Path, entries: &BTreeMap<Vec<u8>, Entry>) -> anyhow::Result<String> {
    let mut sorted: Vec<(&Vec<u8>, &Entry)> = entries.iter().collect();
    let key = |(name, e): &(&Vec<u8>, &Entry)| {
        let mut k = name.to_vec();
        if e.is_tree() {
            k.push(b'/');
        }
        k
    };
    sorted.sort_by_key(key);
    let mut raw = Vec::new();
    for (name, e) in sorted {
        raw.extend_from_slice(e.mode.as_bytes());
        raw.push(b' ');
        raw.extend_from_slice(name);
        raw.push(0);
        raw.extend(unhex(&e.id)?);
    }
    let mut cmd = git(root);
    cmd.args(["hash-object", "-t", "tree", "-w", "--stdin"]);
    let out = run_with_input(cmd, &raw, "git hash-object")?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

fn unhex(id: &str) -> anyhow::Result<Vec<u8>> {
    if !id.len().is_multiple_of(2) || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("`{id}` is not an object id");
    }
    (0..id.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&id[i..i + 2], 16).map_err(Into::into))
        .collect()
}

fn tree_of(root: &Path, commit: &str) -> anyhow::Result<String> {
    let mut cmd = git(root);
    cmd.args(["rev-parse", "--verify"])
        .arg(format!("{commit}^{{tree}}"));
    Ok(output(cmd, "git rev-parse")?.trim().to_string())
}

/// Whether `commit.gpgSign` asks for signed commits.
fn commit_tree(
    root: &Path,
    git_dir: &Path,
    tree: &str,
    parent: Option<&str>,
    text: &str,
    message: &Message,
    sign: bool,
) -> anyhow::Result<String> {
    let mut cmd = git(root);
    if let Some(author) = &message.author {
        cmd.envs(author.env());
    }
    cmd.arg("commit-tree");
    if sign {
        cmd.arg("-S");
    }
    if let Some(p) = parent {
        cmd.args(["-p", p]);
    }
    // The message goes through a file, as `git commit -F` would read it.
    let file = git_dir.join("MIM_COMMIT_MSG");
    std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
    cmd.arg("-F").arg(&file).arg(tree);
    let result = output(cmd, "git commit-tree");
    let _ = std::fs::remove_file(&file);
    Ok(result?.trim().to_string())
}

/// Move HEAD (the branch it names, or HEAD itself when detached) from `old` to `new`;
/// refused by git when HEAD is no longer `old`.
fn update_head(root: &Path, new: &str, old: Option<&str>, text: &str) -> anyhow::Result<()> {
    let subject = text.lines().next().unwrap_or_default();
    let what = if old.is_some() {
        "commit"
    } else {
        "commit (initial)"
    };
    let mut cmd = git(root);
    cmd.args(["update-ref", "-m"])
        .arg(format!("{what}: {subject}"))
        .args(["HEAD", new]);
    match old {
        Some(old) => cmd.arg(old),
        // On an unborn branch: only if the branch still does not exist.
        None => cmd.arg("0".repeat(new.len())),
    };
    output(cmd, "git update-ref").map(drop)
}

/// The top of the work tree, and where `root` is inside it: trees and the index name
/// paths from the top.
fn top_and_prefix(root: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let mut cmd = git(root);
    cmd.args(["rev-parse", "--show-toplevel", "--show-prefix"]);
    let out = output(cmd, "git rev-parse")?;
    let mut lines = out.lines();
    let top = lines
        .next()
        .context("git rev-parse --show-toplevel said nothing")?;
    let prefix = lines.next().unwrap_or_default();
    Ok((PathBuf::from(top), PathBuf::from(prefix)))
}

/// What brings the user's index in line with the commit's tree for just these paths
/// (`git update-index -z --index-info` input): their entries as the tree has them (mode
/// and content, after any hook), or out of the index.
fn index_info(root: &Path, tree: &str, edits: &[Edit]) -> anyhow::Result<Vec<u8>> {
    let mut ls = git(root);
    ls.args(["ls-tree", "-z", "--full-tree", tree, "--"]);
    ls.args(edits.iter().map(|e| e.path.as_str()));
    let listed = output(ls, "git ls-tree")?;
    let mut input = String::new();
    let mut kept = std::collections::HashSet::new();
    for record in listed.split('\0').filter(|r| !r.is_empty()) {
        // `<mode> blob <id>\t<path>` → `<mode> <id>\t<path>`
        let (meta, path) = record
            .split_once('\t')
            .with_context(|| format!("unexpected git ls-tree output: {record}"))?;
        let mut meta = meta.split(' ');
        let (Some(mode), Some(_), Some(id)) = (meta.next(), meta.next(), meta.next()) else {
            bail!("unexpected git ls-tree output: {record}");
        };
        input.push_str(&format!("{mode} {id}\t{path}\0"));
        kept.insert(path.to_string());
    }
    for edit in edits.iter().filter(|e| !kept.contains(&e.path)) {
        input.push_str(&format!("0 {}\t{}\0", "0".repeat(tree.len()), edit.path));
    }
    Ok(input.into_bytes())
}

/// What `git commit` does after a commit: `git maintenance run --auto`, which packs
/// loose objects once there are many (and does nothing, quickly, until then).
fn housekeeping(root: &Path) {
    let _ = git(root)
        .args(["maintenance", "run", "--auto", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The repository's commit hooks that exist.
struct Hooks {
    pre_commit: bool,
    prepare_msg: bool,
    commit_msg: bool,
    post_commit: bool,
    /// Where each hook is (`core.hooksPath` or `.git/hooks`), in the order above: run
    /// directly by a git older than 2.36, which has no `git hook run`.
    paths: Vec<PathBuf>,
}

impl Hooks {
    fn find(root: &Path) -> Hooks {
        let names = [
            "pre-commit",
            "prepare-commit-msg",
            "commit-msg",
            "post-commit",
        ];
        let mut cmd = git(root);
        cmd.arg("rev-parse");
        for name in names {
            cmd.arg("--git-path").arg(format!("hooks/{name}"));
        }
        let paths: Vec<PathBuf> = match cmd.stderr(Stdio::null()).output() {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|p| root.join(p))
                .collect(),
            _ => Vec::new(),
        };
        let has = |i: usize| paths.get(i).is_some_and(|p| is_executable(p));
        Hooks {
            pre_commit: has(0),
            prepare_msg: has(1),
            commit_msg: has(2),
            post_commit: has(3),
            paths,
        }
    }

    /// The command that runs hook `name` (number `i` of [`Hooks::find`]'s order) with
    /// `args`: `git hook run`, or the hook itself where git has no `git hook`.
    fn command(&self, root: &Path, i: usize, name: &str, args: &[&std::ffi::OsStr]) -> Command {
        if git_has_hook_run(root) {
            let mut cmd = git(root);
            cmd.args(["hook", "run", name]);
            if !args.is_empty() {
                cmd.arg("--").args(args);
            }
            return cmd;
        }
        let mut cmd = Command::new(&self.paths[i]);
        cmd.current_dir(root).stdin(Stdio::null()).args(args);
        cmd
    }

    fn any(&self) -> bool {
        self.pre_commit || self.prepare_msg || self.commit_msg
    }

    /// Run the hooks that come before the commit: `pre-commit` sees an index of the new
    /// tree (and may change it), the message hooks may edit the message. Their tree and
    /// message; an error with what the hook said when one refuses.
    fn before(
        &self,
        root: &Path,
        git_dir: &Path,
        tree: &str,
        text: String,
    ) -> anyhow::Result<(String, String)> {
        // The hooks see an index of the new commit, as under `git commit --only`.
        let index = git_dir.join(format!("mim-index-{}", std::process::id()));
        let result = self.run_before(root, git_dir, &index, tree, text);
        let _ = std::fs::remove_file(&index);
        result
    }

    fn run_before(
        &self,
        root: &Path,
        git_dir: &Path,
        index: &Path,
        tree: &str,
        text: String,
    ) -> anyhow::Result<(String, String)> {
        let mut read = git(root);
        read.env("GIT_INDEX_FILE", index).args(["read-tree", tree]);
        output(read, "git read-tree")?;
        let hook = |i: usize, name: &str, args: &[&std::ffi::OsStr]| {
            let mut cmd = self.command(root, i, name, args);
            cmd.env("GIT_INDEX_FILE", index);
            cmd
        };
        let mut tree = tree.to_string();
        if self.pre_commit {
            run_hook(hook(0, "pre-commit", &[]), "pre-commit")?;
            // The hook may have staged changes of its own (a formatter's).
            let mut write = git(root);
            write.env("GIT_INDEX_FILE", index).arg("write-tree");
            tree = output(write, "git write-tree")?.trim().to_string();
        }
        if !(self.prepare_msg || self.commit_msg) {
            return Ok((tree, text));
        }
        let file = git_dir.join("COMMIT_EDITMSG");
        std::fs::write(&file, &text).with_context(|| format!("writing {}", file.display()))?;
        if self.prepare_msg {
            let args = [file.as_os_str(), "message".as_ref()];
            run_hook(hook(1, "prepare-commit-msg", &args), "prepare-commit-msg")?;
        }
        if self.commit_msg {
            run_hook(hook(2, "commit-msg", &[file.as_os_str()]), "commit-msg")?;
        }
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        if text.trim().is_empty() {
            bail!("the commit-msg hook left an empty commit message");
        }
        Ok((tree, text))
    }

    fn after(&self, root: &Path) {
        if self.post_commit {
            // git commit ignores post-commit's exit status too.
            let _ = self
                .command(root, 3, "post-commit", &[])
                .stdout(Stdio::null())
                .status();
        }
    }
}

/// Whether this git has `git hook run` (2.36 and later).
fn git_has_hook_run(root: &Path) -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| {
        // `git hook run` with no hook name is a usage error (129) where it exists; an
        // unknown command is 1.
        git(root)
            .args(["hook", "run"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.code() == Some(129))
            .unwrap_or(false)
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Run a hook; its refusal carries what it printed.
fn run_hook(mut cmd: Command, name: &str) -> anyhow::Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("running the {name} hook"))?;
    if out.status.success() {
        return Ok(());
    }
    let mut said = String::from_utf8_lossy(&out.stderr).trim().to_string();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.trim().is_empty() {
        if !said.is_empty() {
            said.push('\n');
        }
        said.push_str(stdout.trim());
    }
    bail!("the repository's {name} hook refused the commit: {said}")
}

/// Run a git command with `input` on its standard input; its standard output.
pub(super) fn run_with_input(
    mut cmd: Command,
    input: &[u8],
    what: &str,
) -> anyhow::Result<Vec<u8>> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("running {what} (is git installed?)"))?;
    let mut stdin = child.stdin.take().context("git's standard input")?;
    // Written from a thread, so a git that answers while reading cannot deadlock us.
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .with_context(|| format!("waiting for {what}"))?;
    let _ = writer.join();
    if out.status.success() {
        return Ok(out.stdout);
    }
    Err(failed(what, &out))
}
