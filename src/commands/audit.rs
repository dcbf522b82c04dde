//! `mim audit [ID] [--format text|json] [--since REV] [--seal] [--branch NAME]`: prove
//! from the git history that every timeline was only appended to (the walk and the rules
//! are in `crate::audit`, the text in `crate::term::audit`), that the seals of earlier audits still hold, and seal this one
//! (`crate::seal`).

use std::path::PathBuf;

use crate::audit::{self, Audit};
use crate::cli::{AuditArgs, AuditFormat};
use crate::context::Ctx;
use crate::error::Error;
use crate::git;
use crate::repo::{self, INCIDENTS_DIR, Layout};
use crate::seal;
use crate::term;

pub fn run(ctx: &Ctx, args: &AuditArgs) -> anyhow::Result<()> {
    let root = &ctx.repo.root;
    refuse_misuse(ctx, args)?;
    let paths = audited_paths(ctx, args.id.as_deref())?;
    let since = since_commit(ctx, args.since.as_deref())?;
    let branch = match &args.branch {
        Some(name) => Some(branch_name(name)?),
        None => git::seal::current_branch(root),
    };
    // HEAD once: what is audited is what is sealed, whatever moves meanwhile.
    let head = git::commit_of(root, "HEAD");
    if args.seal {
        refuse_seal(head.as_deref(), branch.as_deref())?;
    }
    let (result, seals) = audit_history(ctx, &paths, since.as_deref(), head.as_deref(), &branch)?;
    let clean = result.append_only && seals.holds();
    let sealed = match (&head, &branch) {
        (Some(head), Some(branch)) if args.seal && clean => Some(seal::make(
            root,
            seal_author(ctx)?,
            head,
            branch,
            since.as_deref(),
            &result,
            &seals,
        )?),
        _ => None,
    };
    print_audit(
        ctx,
        args,
        since.as_deref(),
        clean,
        &result,
        &seals,
        sealed.as_ref(),
    )?;
    eprintln!(
        "{}",
        crate::text::for_terminal(&term::audit::summary(&result, &seals))
    );
    if args.seal {
        eprintln!("{}", seal_outcome(ctx, sealed.as_ref()));
    }
    if clean {
        Ok(())
    } else {
        Err(Error::Findings.into())
    }
}

/// Usage errors known before anything is read: no git repository, or `--seal` with `--at`.
fn refuse_misuse(ctx: &Ctx, args: &AuditArgs) -> anyhow::Result<()> {
    let root = &ctx.repo.root;
    if !git::in_work_tree(root) {
        return Err(usage(format!(
            "mim audit reads the git history, and {} is not in a git repository",
            root.display()
        )));
    }
    if args.seal && ctx.backdated {
        return Err(usage(
            "a seal records when the history was audited, so --at does not apply".into(),
        ));
    }
    Ok(())
}

/// The paths audited: one incident's directory in both layouts (its history before and
/// after `mim migrate`), or every incident's.
fn audited_paths(ctx: &Ctx, id: Option<&str>) -> anyhow::Result<Vec<PathBuf>> {
    let id = match id {
        // An incident removed from the tree can still be audited by its full ID.
        Some(id) => match ctx.resolve(Some(id)) {
            Ok(id) => id,
            Err(_) if repo::is_id(id) => id.to_string(),
            Err(e) => return Err(Error::Usage(e).into()),
        },
        None => return Ok(vec![PathBuf::from(INCIDENTS_DIR)]),
    };
    Ok([Layout::Flat, Layout::Monthly]
        .map(|layout| repo::incident_path(layout, &id))
        .to_vec())
}

/// `--since REV` as a commit of this repository.
fn since_commit(ctx: &Ctx, since: Option<&str>) -> anyhow::Result<Option<String>> {
    Ok(match since {
        Some(rev) => Some(git::commit_of(&ctx.repo.root, rev).ok_or_else(|| {
            usage(format!(
                "--since {}: no such commit in this repository",
                rev.escape_debug()
            ))
        })?),
        None => None,
    })
}

/// `--seal` needs a commit to seal and the branch it is the head of.
fn refuse_seal(head: Option<&str>, branch: Option<&str>) -> anyhow::Result<()> {
    if head.is_none() {
        return Err(usage("nothing to seal: nothing is committed yet".into()));
    }
    if branch.is_none() {
        return Err(usage(
            "HEAD is not on a branch: give --branch NAME, the branch whose head this is (a seal belongs to a branch)".into(),
        ));
    }
    Ok(())
}

/// The audit of `path`'s history up to `head`, and the seals checked against it.
fn audit_history(
    ctx: &Ctx,
    paths: &[PathBuf],
    since: Option<&str>,
    head: Option<&str>,
    branch: &Option<String>,
) -> anyhow::Result<(Audit, seal::Report)> {
    let root = &ctx.repo.root;
    Ok(match head {
        Some(head) => {
            let commits = audit::walk(root, paths, since, head)?;
            let result =
                audit::analyse(&commits, ctx.repo.config.audit.backfill_margin.to_chrono());
            (result, seal::check(root, head, branch.as_deref())?)
        }
        // Nothing committed yet: nothing was rewritten.
        None => (
            Audit {
                append_only: true,
                ..Audit::default()
            },
            seal::Report {
                branch: branch.clone(),
                ..seal::Report::default()
            },
        ),
    })
}

/// The audit on stdout, as `--format` (or `--json`) asks.
fn print_audit(
    ctx: &Ctx,
    args: &AuditArgs,
    since: Option<&str>,
    clean: bool,
    result: &Audit,
    seals: &seal::Report,
    sealed: Option<&seal::Sealed>,
) -> anyhow::Result<()> {
    let format = args.format.unwrap_or(if ctx.json {
        AuditFormat::Json
    } else {
        AuditFormat::Text
    });
    match format {
        AuditFormat::Json => ctx.print_json(&serde_json::json!({
            "append_only": clean,
            "since": since,
            "commits": result.commits,
            "incidents": result.incidents,
            "seals": seals,
            "sealed": sealed,
        }))?,
        // Timeline lines and commit subjects are anyone's text: escaped for the terminal.
        AuditFormat::Text => print!(
            "{}{}",
            crate::text::for_terminal(&term::audit::text(
                result,
                args.verbose,
                ctx.repo.config.tz()
            )),
            crate::text::for_terminal(&term::audit::seal_text(seals))
        ),
    }
    Ok(())
}

/// `--branch NAME` (or `refs/heads/NAME`): a branch name git would accept.
fn branch_name(name: &str) -> anyhow::Result<String> {
    let name = name.strip_prefix("refs/heads/").unwrap_or(name);
    let bad = name.is_empty()
        || name.len() > 200
        || name.starts_with('-')
        || name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c));
    if bad {
        return Err(usage(format!(
            "--branch {}: not a branch name",
            name.escape_debug()
        )));
    }
    Ok(name.to_string())
}

/// Who seals: the actor, at the real time (`MIM_NOW` or the clock, never `--at`).
fn seal_author(ctx: &Ctx) -> anyhow::Result<git::Authorship> {
    let actor = ctx.actor()?;
    Ok(git::Authorship {
        email: ctx
            .repo
            .config
            .email_of(&actor)
            .map(String::from)
            .or_else(|| git::user_email(&ctx.repo.root)),
        name: actor,
        date: ctx.clock,
    })
}

/// What `--seal` did, for stderr.
fn seal_outcome(ctx: &Ctx, sealed: Option<&seal::Sealed>) -> String {
    let Some(s) = sealed else {
        return "nothing sealed: the audit found errors; a seal records a history that holds"
            .to_string();
    };
    let remote = git::seal::remotes(&ctx.repo.root)
        .into_iter()
        .next()
        .unwrap_or_else(|| "origin".into());
    let signed = if s.signed { "signed" } else { "not signed" };
    let what = if s.new {
        format!(
            "sealed {} at {} ({signed})",
            s.branch,
            audit::short(&s.sealed)
        )
    } else {
        format!(
            "{} at {} is sealed already ({signed})",
            s.branch,
            audit::short(&s.sealed)
        )
    };
    format!(
        "{what}: {}\nshare the seals with the branch: git push {remote} 'refs/mim/*:refs/mim/*'",
        s.reference
    )
}

fn usage(message: String) -> anyhow::Error {
    Error::Usage(anyhow::anyhow!(message)).into()
}
