//! The man pages, from the clap definitions: `mim.1` and one page per subcommand, each
//! clap_mangen's sections followed by EXIT STATUS, ENVIRONMENT and SEE ALSO.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::Cli;

/// mim's command line as the pages describe it (built, without the `help` subcommand).
fn command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The main page, `mim.1`.
pub fn main_page() -> anyhow::Result<Vec<u8>> {
    let cmd = command();
    page(&cmd, &pages(&cmd), None)
}

/// Write `mim.1` and one page per subcommand into `dir`; the files written.
pub fn write(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let cmd = command();
    let mut written = Vec::new();
    write_all(&cmd, None, &pages(&cmd), dir, &mut written)?;
    Ok(written)
}

/// The page names below `cmd` (`mim-declare`, `mim-pir-action-add`, …), depth first.
fn pages(cmd: &clap::Command) -> Vec<String> {
    let mut out = Vec::new();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        out.push(page_name(sub));
        out.extend(pages(sub));
    }
    out
}

fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

fn write_all(
    cmd: &clap::Command,
    parent: Option<&str>,
    pages: &[String],
    dir: &Path,
    written: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    let path = dir.join(format!("{}.1", page_name(cmd)));
    crate::store::write_atomic(&path, &page(cmd, pages, parent)?)?;
    written.push(path);
    let name = page_name(cmd);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_all(sub, Some(&name), pages, dir, written)?;
    }
    Ok(())
}

/// One page: clap_mangen's sections, then EXIT STATUS, ENVIRONMENT and SEE ALSO.
fn page(cmd: &clap::Command, pages: &[String], parent: Option<&str>) -> anyhow::Result<Vec<u8>> {
    // clap_mangen's own synopsis leaves out what an option takes (`[-C ] [--at]`).
    let man = clap_mangen::Man::new(cmd.clone().override_usage(synopsis(cmd)))
        .source(format!("mim {}", env!("CARGO_PKG_VERSION")))
        .manual("mim manual");
    let mut out = Vec::new();
    man.render(&mut out)?;
    out.extend_from_slice(EXIT_STATUS.as_bytes());
    out.extend_from_slice(ENVIRONMENT.as_bytes());
    let see_also: Vec<String> = match parent {
        // The main page names every other page.
        None => pages.to_vec(),
        Some(parent) => {
            let mut names = vec!["mim".to_string()];
            if parent != "mim" {
                names.push(parent.to_string());
            }
            let own = page_name(cmd);
            names.extend(
                cmd.get_subcommands()
                    .filter(|s| !s.is_hide_set())
                    .map(page_name)
                    .filter(|n| *n != own),
            );
            names
        }
    };
    out.extend_from_slice(b".SH \"SEE ALSO\"\n");
    let refs: Vec<String> = see_also
        .iter()
        .map(|n| format!(".BR {} (1)", n.replace('-', "\\-")))
        .collect();
    out.extend_from_slice(refs.join(",\n").as_bytes());
    out.push(b'\n');
    Ok(out)
}

/// `mim declare [-C DIR] [--at TIME] … --title TEXT [ID]`: every option with what it
/// takes, optional ones in brackets, then the positionals and the subcommand.
fn synopsis(cmd: &clap::Command) -> String {
    let mut parts = vec![cmd.get_bin_name().unwrap_or(cmd.get_name()).to_string()];
    let value = |arg: &clap::Arg| {
        let takes = arg.get_num_args().is_none_or(|n| n.takes_values())
            && !matches!(
                arg.get_action(),
                clap::ArgAction::SetTrue
                    | clap::ArgAction::Count
                    | clap::ArgAction::Help
                    | clap::ArgAction::Version
            );
        match arg.get_value_names() {
            Some(names) if takes => format!(" {}", names.join(" ")),
            None if takes => format!(" {}", arg.get_id().as_str().to_uppercase()),
            _ => String::new(),
        }
    };
    for arg in cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set())
    {
        let flag = match (arg.get_long(), arg.get_short()) {
            (Some(long), _) => format!("--{long}"),
            (None, Some(short)) => format!("-{short}"),
            (None, None) => continue,
        };
        let text = format!("{flag}{}", value(arg));
        parts.push(if arg.is_required_set() {
            text
        } else {
            format!("[{text}]")
        });
    }
    for arg in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let name = arg
            .get_value_names()
            .map(|v| v.join(" "))
            .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
        let many = if arg.get_num_args().is_some_and(|n| n.max_values() > 1) {
            "..."
        } else {
            ""
        };
        parts.push(if arg.is_required_set() {
            format!("{name}{many}")
        } else {
            format!("[{name}]{many}")
        });
    }
    if cmd.has_subcommands() {
        parts.push("COMMAND".to_string());
    }
    parts.join(" ")
}

const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
.TP
.B 0
Success; for \fBcheck\fR, no error\-level finding.
.TP
.B 1
The command was refused (an illegal transition, a file that does not validate), or
\fBcheck\fR found a breach or a validation error (or an at\-risk warning under
\fB\-\-strict\fR), or some incidents could not be read.
.TP
.B 2
A usage or configuration error: a bad option or value, a bad \fBmim.yaml\fR, not in a
mim repository.
"#;

const ENVIRONMENT: &str = r#".SH ENVIRONMENT
.TP
.B MIM_USER
Who is acting, when \fB\-\-by\fR is not given (else git's user.name).
.TP
.B MIM_NOW
A fixed "now" (RFC 3339) for \fBcheck\fR, \fBstatus\fR, \fBreport\fR, \fBsite\fR and the
default of \fB\-\-at\fR, so output can be reproduced.
.TP
.B NO_COLOR
When set and not empty, no colours in terminal output.
.TP
.BR VISUAL ", " EDITOR
The editor for \fBupdate \-e\fR and \fBplan \-e\fR (\fBVISUAL\fR first).
.TP
.B COMPLETE
Set by the shell completion scripts (see \fBmim completions\fR); mim then prints
completions instead of running a command.
"#;
