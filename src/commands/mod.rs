//! One module per subcommand, named after it, each with one entry point that turns the
//! checked arguments into a call of the core and a printed result (see ARCHITECTURE.md).
//! This file is the table of commands: which need no repository, which read text before
//! the lock, which change the repository, and whose entry point runs each. No command
//! module uses another: what several share lives outside `commands/`.

mod accept;
mod affect;
mod assign;
mod audit;
mod check;
mod classify;
mod close;
mod completions;
mod declare;
mod escalate;
mod facts;
mod handover;
mod hold;
mod init;
mod intake;
mod link;
mod list;
mod man;
mod migrate;
mod milestone;
mod note;
mod notify;
mod pir;
mod plan;
mod reject;
mod reopen;
mod report;
mod resolve;
mod resume;
mod schema;
mod send;
mod show;
mod site;
mod status;
mod sync;
mod templates;
mod update;
mod validate;

use crate::cli::{Command, Global};
use crate::context::Ctx;

/// The commands that need no repository (or make one), run at once: `None` for the rest.
pub(crate) fn without_repository(
    global: &Global,
    env_now: Option<&str>,
    command: &Command,
) -> Option<anyhow::Result<()>> {
    Some(match command {
        Command::Init { dir, layout } => init::run(global, dir.as_deref(), *layout),
        Command::Completions { shell } => completions::run(*shell),
        Command::Man { output } => man::run(global, output.as_deref()),
        Command::Schema(args) => schema::run(global, args),
        Command::Intake(crate::cli::IntakeArgs {
            command: Some(crate::cli::IntakeCommand::Serve(args)),
            ..
        }) => intake::serve(global, env_now, args),
        _ => return None,
    })
}

/// Run one command under the context `run` made for it.
pub(crate) fn dispatch(
    ctx: &Ctx,
    command: &Command,
    prepared: Option<String>,
) -> anyhow::Result<()> {
    match command {
        Command::Declare(args) => declare::run(ctx, args),
        Command::Accept { id, manager } => accept::run(ctx, id.as_deref(), manager.as_deref()),
        Command::Reject {
            id,
            reason,
            duplicate_of,
        } => reject::run(
            ctx,
            id.as_deref(),
            reason.as_deref(),
            duplicate_of.as_deref(),
        ),
        Command::Hold { id, reason } => hold::run(ctx, id.as_deref(), reason),
        Command::Resume { id } => resume::run(ctx, id.as_deref()),
        Command::Reopen { id, reason } => reopen::run(ctx, id.as_deref(), reason),
        Command::Resolve(args) => resolve::run(ctx, args),
        Command::Note(args) => note::run(ctx, args),
        Command::Update(args) => update::run(ctx, args, prepared),
        Command::Send(args) => send::run(ctx, args),
        Command::Templates { action } => templates::run(ctx, action),
        Command::Plan(args) => plan::run(ctx, args, prepared),
        Command::Escalate(args) => escalate::run(ctx, args),
        Command::Milestone(args) => milestone::run(ctx, args),
        Command::Assign(args) => assign::run(ctx, args),
        Command::Handover(args) => handover::run(ctx, args),
        Command::Link(args) => link::run(ctx, args),
        Command::Affect(args) => affect::run(ctx, args),
        Command::Pir(cmd) => pir::run(ctx, cmd),
        Command::Close(args) => close::run(ctx, args),
        Command::List { status } => list::run(ctx, status),
        Command::Show { id } => show::run(ctx, id.as_deref()),
        Command::Facts(args) => facts::run(ctx, args),
        Command::Validate(args) => validate::run(ctx, args),
        Command::Report(args) => report::run(ctx, args),
        Command::Check(args) => check::run(ctx, args),
        Command::Status => status::run(ctx),
        Command::Audit(args) => audit::run(ctx, args),
        Command::Sync(args) => sync::run(ctx, args),
        Command::Site(args) => site::run(ctx, args),
        Command::Migrate { dry_run } => migrate::run(ctx, *dry_run),
        Command::Intake(args) => intake::run(ctx, args, prepared),
        Command::Classify(args) => classify::run(ctx, args),
        Command::Notify(args) => notify::run(ctx, args),
        Command::Init { .. }
        | Command::Completions { .. }
        | Command::Man { .. }
        | Command::Schema(_) => {
            unreachable!("run by without_repository")
        }
    }
}

/// Whether a command changes the repository, and so runs under its lock.
pub(crate) fn mutates(command: &Command) -> bool {
    match command {
        Command::List { .. }
        | Command::Show { .. }
        | Command::Facts(_)
        | Command::Validate(_)
        | Command::Report(_)
        | Command::Check(_)
        | Command::Status
        | Command::Init { .. }
        | Command::Completions { .. }
        | Command::Man { .. }
        | Command::Audit(_)
        | Command::Sync(_)
        | Command::Site(_)
        | Command::Schema(_) => false,
        Command::Send(args) => !args.dry_run,
        Command::Notify(args) => !args.draft,
        Command::Migrate { dry_run } => !dry_run,
        Command::Templates { action } => {
            matches!(action, crate::cli::TemplatesAction::Export { .. })
        }
        Command::Plan(args) => plan::amends(args),
        _ => true,
    }
}

/// Text typed in the editor or read from standard input, read before the repository
/// lock is taken, so that nobody waits while someone writes.
pub(crate) fn prepare(ctx: &Ctx, command: &Command) -> anyhow::Result<Option<String>> {
    match command {
        Command::Update(args) => update::read_input(ctx, args),
        Command::Plan(args) if args.edit => plan::read_input(ctx, args).map(Some),
        Command::Intake(args) => intake::read_input(ctx, args).map(Some),
        _ => Ok(None),
    }
}
