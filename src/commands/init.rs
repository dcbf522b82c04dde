//! `mim init`: a new incident repository with the default procedure.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::cli::Global;
use crate::config::{self, DEFAULT_CONFIG};
use crate::git;
use crate::repo::{INCIDENTS_DIR, Layout, TEMPLATES_DIR};
use crate::schema;
use crate::store::{Change, Commit};

const GITATTRIBUTES: &str = "# mim: timelines are append-only, one event per line; a union merge keeps both\n\
# clones' lines, and `mim validate` catches a real conflict (two status changes).\n\
incidents/**/timeline.yaml merge=union\n\
# sent.log: which e-mails in outbox/ were sent, one per line, append only.\n\
incidents/**/outbox/sent.log merge=union\n";

const TEMPLATES_README: &str = "# Template overrides\n\n\
mim renders e-mails and reports from built-in templates. A file here with the same\n\
name as a built-in template replaces it for this repository.\n\n\
- `mim templates list` shows the built-in names and which ones are overridden here.\n\
- `mim templates export NAME` copies a built-in template here to start from.\n\n\
Templates use minijinja (Jinja2 syntax). An undefined variable is an error that names\n\
the template and line, so a typo never sends an e-mail with a blank in it, and\n\
`mim validate` and `mim check` render every file here against a sample incident first.\n\
Every variable and filter is described in mim's docs/templates.md.\n";

pub fn run(global: &Global, dir: Option<&Path>, layout: Layout) -> anyhow::Result<()> {
    let root = new_root(global, dir)?;
    if !git::in_work_tree(&root) {
        git::init(&root)?;
    }
    let change = first_files(&root, layout);
    let repo = crate::repo::Repo::discover_unchecked(&root);
    let commit = first_commit(global, &root);
    let session = crate::txn::Session::begin(&root, repo.config.git.lock_wait())?;
    if let Err(e) = session.apply(&change, &commit) {
        // The repository must exist even where git cannot commit (no identity yet).
        session.apply(
            &change,
            &Commit {
                enabled: false,
                ..commit
            },
        )?;
        warn_uncommitted(&e);
    }
    if global.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"root": root.display().to_string()}))?
        );
        return Ok(());
    }
    println!("Initialised a mim repository in {}", root.display());
    println!(
        "Next: edit mim.yaml for your organisation, then `mim declare --title … --service … --impact … --urgency …`"
    );
    Ok(())
}

/// The new repository's root (`dir` under `-C`, under the current directory), created
/// and canonical; an error when a `mim.yaml` is there already.
fn new_root(global: &Global, dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let base = match &global.dir {
        Some(d) => cwd.join(d),
        None => cwd,
    };
    let root: PathBuf = match dir {
        Some(d) => base.join(d),
        None => base,
    };
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot use {}", root.display()))?;
    if root.join(config::FILE_NAME).exists() {
        bail!(
            "{} already exists: this is a mim repository already; edit it instead of starting over",
            root.join(config::FILE_NAME).display()
        );
    }
    Ok(root)
}

/// `.gitattributes` with mim's union merges: an existing file kept, with them appended
/// unless it has them already.
fn gitattributes(root: &Path, path: &Path) -> String {
    match crate::safe_fs::read_to_string(root, path) {
        Ok(existing) if existing.contains("timeline.yaml merge=union") => existing,
        Ok(existing) => format!(
            "{}{}{GITATTRIBUTES}",
            existing,
            if existing.ends_with('\n') || existing.is_empty() {
                ""
            } else {
                "\n"
            }
        ),
        Err(_) => GITATTRIBUTES.to_string(),
    }
}

/// The files of a new repository: the schemas, the default `mim.yaml`, `incidents/`,
/// the templates' README and `.gitattributes`.
fn first_files(root: &Path, layout: Layout) -> Change {
    let gitattributes_path = root.join(".gitattributes");
    let attributes = gitattributes(root, &gitattributes_path);
    let mut change = Change::new();
    for (name, file, _) in schema::FILES {
        change.put(
            root.join(schema::DIR).join(file),
            schema::text(name).expect("listed"),
        );
    }
    change
        .put(
            root.join(config::FILE_NAME),
            format!(
                "{}{}",
                schema::modeline("mim.yaml.json", 0),
                crate::repo::with_layout(DEFAULT_CONFIG, layout)
            ),
        )
        .put(root.join(INCIDENTS_DIR).join(".gitkeep"), "")
        .put(root.join(TEMPLATES_DIR).join("README.md"), TEMPLATES_README)
        .put(gitattributes_path, attributes);
    change
}

/// The commit that starts the repository, by `--by`, git's user or "mim".
fn first_commit(global: &Global, root: &Path) -> Commit {
    let actor = global
        .by
        .clone()
        .or_else(|| git::user_name(root))
        .unwrap_or_else(|| "mim".into());
    Commit {
        enabled: !global.no_commit,
        message: git::Message {
            subject: "mim: start the incident repository".into(),
            trailers: vec![("Event", "init".into()), ("Actor", actor)],
            author: None,
        },
    }
}

/// Warn that the files are written but git could not commit them (`e`), and how to.
fn warn_uncommitted(e: &anyhow::Error) {
    // The innermost cause is git's own words (e.g. "Author identity unknown").
    let cause = e.root_cause().to_string();
    eprintln!(
        "warning: the repository's files are written, but git could not commit them: {}\n\
         hint: every mim command is a commit; fix that (often `git config --global user.email YOU@EXAMPLE` \
         and `user.name`), then commit these files with `git add -A && git commit -m \"mim: start the incident repository\"`",
        crate::text::clip(&cause, 400)
    );
}
