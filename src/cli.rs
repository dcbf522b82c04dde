//! Command-line definitions (clap derive) only; commands turn them into work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use clap_complete::engine::ArgValueCandidates;

use crate::complete;
use crate::values::{Choice, Time};

use crate::lifecycle::Status;
use crate::units::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "mim",
    version,
    about = "Major incident management: incidents as files in git, SLA checks in CI",
    long_about = "mim runs major IT incidents the way the procedure says: declare, accept, plan, \
                  update the right audiences at the agreed cadence, escalate on time, restore, \
                  and review. Every incident is a directory of YAML and Markdown files; every \
                  command is a git commit.",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    /// Run as if mim was started in DIR
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// When the event happened (RFC 3339, or local "YYYY-MM-DD HH:MM"); defaults to MIM_NOW, then now
    #[arg(long, global = true, value_name = "TIME", value_parser = Time::At)]
    pub at: Option<String>,
    /// Who is acting [default: git's user.name]
    #[arg(long, global = true, env = "MIM_USER", value_name = "NAME", value_parser = crate::limits::name())]
    pub by: Option<String>,
    /// Write the files but do not commit them
    #[arg(long, global = true)]
    pub no_commit: bool,
    /// Print machine-readable JSON where the command prints data
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start an incident repository: mim.yaml, folders, .gitattributes, git init
    Init {
        /// Where to create it, relative to the current directory (or to -C DIR)
        /// [default: the current directory]
        // Its own id: sharing `dir` with the global -C made `init x` create x/x.
        #[arg(id = "path", value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Where incidents go: incidents/<ID>/ (flat), or incidents/YYYY/MM/<ID>/
        /// (monthly, for repositories that will hold thousands)
        #[arg(long, value_enum, default_value = "flat")]
        layout: crate::repo::Layout,
    },
    /// Propose a major incident; prints the new incident's ID
    Declare(DeclareArgs),
    /// Accept a proposed major incident
    Accept {
        /// Incident ID or unique prefix [default: the incident directory you are in]
        #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
        id: Option<String>,
        /// The incident manager [default: whoever runs the command]
        #[arg(long, value_name = "NAME", value_parser = crate::limits::name())]
        manager: Option<String>,
    },
    /// Reject a proposed major incident (or mark it a duplicate of another)
    Reject {
        /// Incident ID or unique prefix [default: the incident directory you are in]
        #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
        id: Option<String>,
        /// Why it is not a major incident (recorded in the timeline)
        #[arg(long, value_name = "TEXT", required_unless_present = "duplicate_of", value_parser = crate::limits::line())]
        reason: Option<String>,
        /// The proposal reports an outage incident OTHER already covers (links both)
        #[arg(long, value_name = "OTHER", value_parser = crate::limits::name())]
        duplicate_of: Option<String>,
    },
    /// Put an incident on hold (waiting on the client or a third party: the SLA clock pauses)
    Hold {
        /// Incident ID or unique prefix [default: the incident directory you are in]
        #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
        id: Option<String>,
        /// What the incident waits for: the client or a third party
        #[arg(long, value_name = "TEXT", value_parser = crate::limits::line())]
        reason: String,
    },
    /// Take an incident off hold
    Resume {
        /// Incident ID or unique prefix [default: the incident directory you are in]
        #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
        id: Option<String>,
    },
    /// Reopen a resolved incident (counted in the reopen rate)
    Reopen {
        /// Incident ID or unique prefix [default: the incident directory you are in]
        #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
        id: Option<String>,
        /// Why service is not restored after all
        #[arg(long, value_name = "TEXT", value_parser = crate::limits::line())]
        reason: String,
    },
    /// Record that service is restored (possibly by a workaround)
    Resolve(ResolveArgs),
    /// Add a note to the timeline, optionally with time spent
    Note(NoteArgs),
    /// Record a status update and render one e-mail per audience into outbox/
    Update(UpdateArgs),
    /// Send an incident's unsent e-mails (from outbox/) through mail.sendmail
    Send(SendArgs),
    /// List, show or export the built-in e-mail templates
    Templates {
        #[command(subcommand)]
        action: TemplatesAction,
    },
    /// Create or amend the response plan (plan.md); without flags, print it
    Plan(PlanArgs),
    /// Record a functional or hierarchic escalation, or change impact and urgency
    Escalate(EscalateArgs),
    /// Record when the cause was identified, the impact mitigated, or the permanent fix went in
    Milestone(MilestoneArgs),
    /// Give someone a role in the incident (a name under `roles` in mim.yaml)
    Assign(AssignArgs),
    /// Hand the incident-manager role over to the next person, with the state of play
    Handover(HandoverArgs),
    /// Link an incident to another: a duplicate, a related incident, or its parent
    Link(LinkArgs),
    /// Add an affected client or service, record one client restored early, or take one off
    #[command(
        after_help = "Each affected client has its own respond, restore and client-update \
                  clocks (from when it was affected, in its own calendar) and its own messages. \
                  The incident's priority follows the highest impact."
    )]
    Affect(AffectArgs),
    /// Take in an alert (Alertmanager, PagerDuty, generic JSON) from a file or standard input:
    /// propose an incident from it, or note it on the open incident it belongs to
    Intake(IntakeArgs),
    /// Record that an incident falls under a regulatory regime (or not, and why): its
    /// notification clocks start
    Classify(ClassifyArgs),
    /// Record a report submitted to a regulator (--ref), or draft it from the record (--draft)
    Notify(NotifyArgs),
    /// Post incident review: start it, track its action items, record reviews, render the report
    #[command(subcommand)]
    Pir(PirCommand),
    /// Close a resolved incident, once its post incident review is finished where one is due
    Close(CloseArgs),
    /// List incidents
    List {
        /// Only incidents in these statuses (repeat or separate with commas); `open` is
        /// proposed, accepted and on-hold
        #[arg(long, value_enum, value_delimiter = ',', value_name = "STATUS")]
        status: Vec<ListStatus>,
    },
    /// Show an incident: record, state and timeline
    Show {
        /// Incident ID or unique prefix [default: the incident directory you are in]
        #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
        id: Option<String>,
    },
    /// What each reader of an incident is told: its service, phase, times, durations and
    /// clocks, as every e-mail, status page and feed states them (MIM_NOW fixes "now")
    Facts(FactsArgs),
    /// Check every file of every incident; all problems, not just the first
    Validate(ValidateArgs),
    /// KPI report over the incidents reported in a window (MIM_NOW fixes "now")
    Report(ReportArgs),
    /// Validate everything and report SLA breaches and risks (for CI); exit 1 on a breach
    Check(CheckArgs),
    /// One line per active incident: priority, age, what is due next, worst finding
    Status,
    /// Prove from the git history that every timeline was only appended to; exit 1 if not
    Audit(AuditArgs),
    /// Share with the team through the git remote: fetch, bring this clone up to date,
    /// push; print the events that arrived and left
    Sync(SyncArgs),
    /// Write static status pages: one per client with an Atom feed, and an overview
    Site(SiteArgs),
    /// Move every incident to incidents/YYYY/MM/<ID>/ (the monthly layout, for large
    /// repositories) in one commit, and set `layout: monthly` in mim.yaml
    Migrate {
        /// Print what would move; change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Print a JSON Schema of a file mim reads, or write them all (for editors)
    Schema(SchemaArgs),
    /// Print shell completions
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory
    Man {
        /// Write mim.1 and a page per subcommand (mim-declare.1, mim-pir-action.1, …) into DIR
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
#[command(
    after_help = "The schemas are draft-07, for yaml-language-server (VS Code, Neovim, …): \
                  `mim init` writes them to .mim/schemas/ and starts each YAML file it \
                  writes with a `# yaml-language-server: $schema=…` line."
)]
pub(crate) struct SchemaArgs {
    /// Which file's schema [default with -o: all of them]
    #[arg(value_enum, value_name = "FILE", required_unless_present = "output")]
    pub name: Option<SchemaName>,
    /// Write the schemas into DIR (as <file>.json) instead of printing one
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SchemaName {
    /// The procedure, mim.yaml
    #[value(name = "mim.yaml")]
    MimYaml,
    /// An incident's record, incidents/*/incident.yaml
    #[value(name = "incident.yaml")]
    IncidentYaml,
    /// An incident's timeline, incidents/*/timeline.yaml (a list of entries)
    Timeline,
    /// The front matter of incidents/*/plan.md
    Plan,
    /// The front matter of incidents/*/updates/*.md
    Update,
}

impl SchemaName {
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaName::MimYaml => "mim.yaml",
            SchemaName::IncidentYaml => "incident.yaml",
            SchemaName::Timeline => "timeline",
            SchemaName::Plan => "plan",
            SchemaName::Update => "update",
        }
    }
}

#[derive(Debug, Args)]
#[command(
    after_help = "Writes DIR/index.html (every incident, for the provider), and per client \
                  DIR/<client>/index.html and DIR/<client>/feed.xml with only that client's \
                  incidents and only the updates written for the client audience. Proposed \
                  and rejected incidents never appear."
)]
pub(crate) struct SiteArgs {
    /// The directory to write the pages into (created if needed)
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: PathBuf,
    /// Only this client's page (a key under `clients` in mim.yaml), besides the overview
    #[arg(long, value_name = "CLIENT", add = ArgValueCandidates::new(Choice::Client), value_parser = Choice::Client)]
    pub client: Option<String>,
    /// History: incidents reported in the last N days (active ones are always shown)
    #[arg(long, value_name = "N", default_value_t = 90)]
    pub days: u32,
    /// The site's public URL, for absolute links in the feeds [default: relative links]
    #[arg(long, value_name = "URL", value_parser = crate::limits::line())]
    pub url: Option<String>,
}

/// A status for `mim list --status`, or `open`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ListStatus {
    Proposed,
    Accepted,
    OnHold,
    Resolved,
    Closed,
    Rejected,
    /// proposed, accepted or on-hold
    Open,
}

impl ListStatus {
    /// Whether an incident in `status` is listed.
    pub fn matches(self, status: Status) -> bool {
        match self {
            ListStatus::Proposed => status == Status::Proposed,
            ListStatus::Accepted => status == Status::Accepted,
            ListStatus::OnHold => status == Status::OnHold,
            ListStatus::Resolved => status == Status::Resolved,
            ListStatus::Closed => status == Status::Closed,
            ListStatus::Rejected => status == Status::Rejected,
            ListStatus::Open => status.is_active(),
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct DeclareArgs {
    /// A short description of the symptoms, as users see them
    #[arg(long, value_parser = crate::limits::line())]
    pub title: String,
    /// The affected service (repeatable: a shared platform failing for several)
    #[arg(long, required = true, value_parser = crate::limits::name())]
    pub service: Vec<String>,
    /// The client affected, a key under `clients` in mim.yaml (repeatable: each affected
    /// client gets its own SLA clocks and messages)
    #[arg(long, value_name = "CLIENT", add = ArgValueCandidates::new(Choice::Client), value_parser = Choice::Client)]
    pub client: Vec<String>,
    /// Impact level (from `impact` in mim.yaml)
    #[arg(long, value_name = "LEVEL", add = ArgValueCandidates::new(Choice::Impact), value_parser = Choice::Impact)]
    pub impact: String,
    /// Urgency level (from `urgency` in mim.yaml)
    #[arg(long, value_name = "LEVEL", add = ArgValueCandidates::new(Choice::Urgency), value_parser = Choice::Urgency)]
    pub urgency: String,
    /// Category (from `categories` in mim.yaml)
    #[arg(long, add = ArgValueCandidates::new(Choice::Category), value_parser = Choice::Category)]
    pub category: Option<String>,
    /// The configuration item affected (repeatable)
    #[arg(long, value_name = "CI", value_parser = crate::limits::name())]
    pub ci: Vec<String>,
    /// An external ticket reference (repeatable)
    #[arg(long = "ticket", value_name = "REF", value_parser = crate::limits::name())]
    pub tickets: Vec<String>,
    /// What is happening, in more words
    #[arg(short = 'm', long = "message", value_name = "TEXT", value_parser = crate::limits::text())]
    pub message: Option<String>,
    /// When the impact began, if before now (RFC 3339 or local "YYYY-MM-DD HH:MM") [default: reported]
    #[arg(long, value_name = "TIME", value_parser = Time::At)]
    pub impact_started: Option<String>,
    /// When the impact was detected (an alert, a call) [default: reported]
    #[arg(long, value_name = "TIME", value_parser = Time::At)]
    pub detected: Option<String>,
    /// Declare without the warning when the priority is not a major one
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MilestoneArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    pub id: Option<String>,
    /// Which milestone
    #[arg(long, value_enum)]
    pub kind: crate::model::MilestoneKind,
    /// What happened, in a few words
    #[arg(short = 'm', long = "message", value_name = "TEXT", value_parser = crate::limits::line())]
    pub message: Option<String>,
    /// The problem ticket it belongs to (the permanent fix of a workaround)
    #[arg(long, value_name = "REF", value_parser = crate::limits::name())]
    pub problem: Option<String>,
    /// Why this corrects the milestone of this kind recorded before (required then)
    #[arg(long, value_name = "TEXT", value_parser = crate::limits::line())]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AffectArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
    pub id: Option<String>,
    /// The client (a key under `clients` in mim.yaml)
    #[arg(long, value_name = "CLIENT", add = ArgValueCandidates::new(Choice::Client), value_parser = Choice::Client)]
    pub client: Option<String>,
    /// A service affected (the client's, with --client)
    #[arg(long, value_name = "SERVICE", value_parser = crate::limits::name())]
    pub service: Option<String>,
    /// A configuration item affected
    #[arg(long, value_name = "CI", value_parser = crate::limits::name())]
    pub ci: Option<String>,
    /// The client's own impact (from `impact` in mim.yaml) [default: the incident's]
    #[arg(long, value_name = "LEVEL", add = ArgValueCandidates::new(Choice::Impact), value_parser = Choice::Impact)]
    pub impact: Option<String>,
    /// The client's service is back, before the incident is resolved
    #[arg(long, conflicts_with_all = ["remove", "impact", "service", "ci"], requires = "client")]
    pub restored: bool,
    /// With --restored: it is back on a temporary workaround (its people are told so)
    #[arg(long, requires = "restored")]
    pub workaround: bool,
    /// With --restored: what the client's people are told instead of the standard wording
    /// (Markdown; `-` reads standard input; without TEXT, $VISUAL/$EDITOR)
    #[arg(long, value_name = "TEXT", num_args = 0..=1, requires = "restored")]
    pub client_message: Option<Option<String>>,
    /// With --restored: send its restoral notices now through mail.sendmail
    #[arg(long, requires = "restored")]
    pub send: bool,
    /// Take the client, service or configuration item off: it was not affected after all
    #[arg(long, requires = "reason", conflicts_with = "impact")]
    pub remove: bool,
    /// Why (required with --remove)
    #[arg(long, value_name = "TEXT", value_parser = crate::limits::line())]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct FactsArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
    pub id: Option<String>,
    /// Only this audience's facts [default: every reader of the incident]
    #[arg(long, value_enum)]
    pub audience: Option<ReaderAudience>,
    /// Only the readers of this client (a key under `clients` in mim.yaml)
    #[arg(long, value_name = "CLIENT", add = ArgValueCandidates::new(Choice::Client), value_parser = Choice::Client)]
    pub client: Option<String>,
}

/// An audience whose facts `mim facts` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReaderAudience {
    Internal,
    Management,
    Client,
    ClientManagement,
    EndUsers,
}

#[derive(Debug, Args)]
pub(crate) struct AssignArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    pub id: Option<String>,
    /// The role (from `roles` in mim.yaml), e.g. communications-lead
    #[arg(long, value_name = "ROLE", add = ArgValueCandidates::new(Choice::Role), value_parser = Choice::Role)]
    pub role: String,
    /// Who holds it from now on
    #[arg(long, value_name = "NAME", value_parser = crate::limits::name())]
    pub to: String,
}

#[derive(Debug, Args)]
pub(crate) struct HandoverArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    pub id: Option<String>,
    /// The next incident manager
    #[arg(long, value_name = "NAME", value_parser = crate::limits::name())]
    pub to: String,
    /// The state of play: what is known, what is running, what is next
    #[arg(short = 'm', long = "message", value_name = "NOTE", value_parser = crate::limits::text())]
    pub message: String,
}

#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("relation").required(true).args(["duplicate_of", "related", "parent"])
))]
pub(crate) struct LinkArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    pub id: Option<String>,
    /// This incident reports the same outage as OTHER
    #[arg(long, value_name = "OTHER", value_parser = crate::limits::name())]
    pub duplicate_of: Option<String>,
    /// This incident is related to OTHER
    #[arg(long, value_name = "OTHER", value_parser = crate::limits::name())]
    pub related: Option<String>,
    /// OTHER is this incident's parent (one outage, several incidents)
    #[arg(long, value_name = "OTHER", value_parser = crate::limits::name())]
    pub parent: Option<String>,
    /// Remove the link instead (from both incidents)
    #[arg(long)]
    pub remove: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NoteArgs {
    /// [ID] TEXT: the incident (optional inside its directory) and the note
    #[arg(required = true, num_args = 1..=2, value_names = ["ID", "TEXT"], add = ArgValueCandidates::new(complete::incident_ids), value_parser = crate::limits::text())]
    pub args: Vec<String>,
    /// Time spent, e.g. 45m or 1h30m
    #[arg(long, value_name = "DUR")]
    pub time: Option<Duration>,
    /// What the time was spent on, e.g. diagnosis, coordination, communication
    #[arg(long, value_name = "KIND", requires = "time", value_parser = crate::limits::name())]
    pub activity: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ResolveArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
    pub id: Option<String>,
    /// How service was restored, for the provider's own people (internal and management)
    #[arg(short = 'm', long = "message", value_name = "TEXT", value_parser = crate::limits::text())]
    pub message: String,
    /// What the client, its management and its end users are told (Markdown; `-` reads
    /// standard input; without TEXT, $VISUAL/$EDITOR) [default: the templates' standard
    /// wording, never -m]
    #[arg(long, value_name = "TEXT", num_args = 0..=1, value_parser = crate::limits::text())]
    pub client_message: Option<Option<String>>,
    /// The closure code (from `closure_codes` in mim.yaml)
    #[arg(long, value_name = "CODE", add = ArgValueCandidates::new(Choice::ClosureCode), value_parser = Choice::ClosureCode)]
    pub closure: String,
    /// Service is restored by a workaround; the root cause is still open (needs --problem)
    #[arg(long)]
    pub workaround: bool,
    /// The problem ticket that tracks the root cause
    #[arg(long, value_name = "REF", value_parser = crate::limits::name())]
    pub problem: Option<String>,
    /// The client confirmed service is restored
    #[arg(long, conflicts_with = "verification_attempted")]
    pub verified_by_client: bool,
    /// Verification with the client was attempted but not obtained
    #[arg(long)]
    pub verification_attempted: bool,
    /// Send the restoral notices now through mail.sendmail (after recording them)
    #[arg(long)]
    pub send: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AudienceArg {
    Internal,
    Management,
    Client,
    /// The client's management (the client's `contacts.management`)
    ClientManagement,
    /// internal, management, and for an incident with a client, the client and (when it has
    /// management contacts) its management
    All,
}

#[derive(Debug, Args)]
pub(crate) struct UpdateArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
    pub id: Option<String>,
    /// The update (Markdown); `-` reads it from standard input [default: $VISUAL/$EDITOR on a terminal]
    #[arg(short = 'm', long = "message", value_name = "TEXT", value_parser = crate::limits::text())]
    pub message: Option<String>,
    /// Write the update in $VISUAL/$EDITOR even when standard input is not a terminal
    #[arg(short = 'e', long, conflicts_with = "message")]
    pub edit: bool,
    /// Who the update is for
    #[arg(long, value_enum, default_value = "internal")]
    pub audience: AudienceArg,
    /// A one-line summary of where things stand, e.g. "Degraded: failover in progress"
    #[arg(long, value_name = "TEXT", value_parser = crate::limits::line())]
    pub status_line: Option<String>,
    /// Estimated time of restoration: a clock time (14:00: today, or tomorrow once
    /// passed), a duration from now (3h), or a time (RFC 3339 or local "YYYY-MM-DD HH:MM")
    #[arg(long, value_name = "TIME", value_parser = Time::Ahead)]
    pub eta: Option<String>,
    /// When the next update comes: a promise each reader's `mim check` holds us to. A clock
    /// time (14:00: today, or tomorrow once passed), a duration from now (45m), or a time
    /// [default: by each reader's update cadence]
    #[arg(long, value_name = "TIME", value_parser = Time::Ahead)]
    pub next: Option<String>,
    /// With --audience all: what the client and its management read instead of -m
    /// (Markdown; `-` reads standard input; without TEXT, $VISUAL/$EDITOR)
    #[arg(long, value_name = "TEXT", num_args = 0..=1, value_parser = crate::limits::text())]
    pub client_message: Option<Option<String>>,
    /// Of an incident that affects several clients, write to this client's people only
    /// (its own message, numbering and thread) [default: every client still affected]
    #[arg(long, value_name = "CLIENT", add = ArgValueCandidates::new(Choice::Client), value_parser = Choice::Client)]
    pub client: Option<String>,
    /// Send the e-mails now through mail.sendmail (after recording them)
    #[arg(long)]
    pub send: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
    pub id: Option<String>,
    /// List the unsent messages without sending them
    #[arg(long)]
    pub dry_run: bool,
    /// Send the unsent messages of a closed incident too
    #[arg(long)]
    pub force: bool,
    /// Send the uncertain messages again too: those a send was interrupted while
    /// sendmail had them (they may have gone out already)
    #[arg(long)]
    pub resend_uncertain: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TemplatesAction {
    /// The built-in templates, and which ones this repository overrides
    List,
    /// Print the template that would be used (the override if there is one)
    Show {
        /// The template's file name, e.g. update-client.md (see `mim templates list`)
        name: String,
    },
    /// Copy built-in templates into the repository's templates/ to start an override
    Export {
        /// One template [default: all of them]
        #[arg(value_parser = crate::values::BuiltinTemplate)]
        name: Option<String>,
        /// Replace an existing override
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
    pub id: Option<String>,
    /// The restoration approach (Markdown); replaces the plan's approach section
    #[arg(long, value_name = "TEXT", conflicts_with = "edit", value_parser = crate::limits::text())]
    pub approach: Option<String>,
    /// Write the restoration approach in $VISUAL or $EDITOR (lines starting with # are dropped)
    #[arg(short = 'e', long)]
    pub edit: bool,
    /// Add a workstream, or give one a new owner or vendor (repeatable)
    #[arg(long = "workstream", value_name = "NAME:OWNER[:VENDOR]", value_parser = crate::limits::names(':', &["NAME", "OWNER", "VENDOR"]))]
    pub workstreams: Vec<String>,
    /// Mark a workstream done (repeatable)
    #[arg(long = "workstream-done", value_name = "NAME", value_parser = crate::limits::name())]
    pub done: Vec<String>,
    /// Mark a workstream blocked, with --reason (repeatable)
    #[arg(long = "workstream-blocked", value_name = "NAME", requires = "reason", value_parser = crate::limits::name())]
    pub blocked: Vec<String>,
    /// Open a blocked or done workstream again (repeatable)
    #[arg(long = "workstream-open", value_name = "NAME", value_parser = crate::limits::name())]
    pub reopen: Vec<String>,
    /// Why the workstreams given with --workstream-blocked are blocked
    #[arg(long, value_name = "TEXT", requires = "blocked", value_parser = crate::limits::line())]
    pub reason: Option<String>,
    /// Where responders meet: a conference URL or a phone number
    #[arg(long, value_name = "URL-or-phone", value_parser = crate::limits::line())]
    pub bridge: Option<String>,
    /// Internal status updates at least this often [default: the priority's update_internal]
    #[arg(long, value_name = "DUR")]
    pub internal_every: Option<Duration>,
    /// Client status updates at least this often [default: the priority's update_client]
    #[arg(long, value_name = "DUR")]
    pub client_every: Option<Duration>,
    /// Someone who receives one audience's messages besides its configured recipients:
    /// ADDR[:internal|management|client-management], management by default (repeatable)
    #[arg(long = "stakeholder", value_name = "ADDR[:KIND]", value_parser = crate::values::stakeholder)]
    pub stakeholders: Vec<String>,
    /// Write plan.md's front matter again from the plan events in the timeline (after a
    /// merge lost some of it); the body (the approach) is left as it is
    #[arg(long, conflicts_with_all = ["approach", "edit", "workstreams", "done", "blocked", "reopen", "bridge", "internal_every", "client_every", "stakeholders"])]
    pub rebuild: bool,
}

#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("what").required(true).multiple(true).args(["kind", "impact", "urgency"])
))]
pub(crate) struct EscalateArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
    pub id: Option<String>,
    /// Functional (sme, vendor, third-party, onsite, parts, client-it) or hierarchic (management)
    #[arg(long, value_enum, requires = "to")]
    pub kind: Option<crate::model::EscalationKind>,
    /// Who was engaged: a person, team, vendor or company
    #[arg(long, value_name = "WHO", requires = "kind", value_parser = crate::limits::name())]
    pub to: Option<String>,
    /// Why (required when impact or urgency changes)
    #[arg(long, value_name = "TEXT", value_parser = crate::limits::line())]
    pub reason: Option<String>,
    /// The case or ticket number at the vendor or third party
    #[arg(long = "ref", value_name = "CASE-ID", requires = "kind", value_parser = crate::limits::name())]
    pub reference: Option<String>,
    /// The hierarchic level notified (a `notify` name under escalation.hierarchic)
    /// [default: the lowest not yet notified]
    #[arg(long, value_name = "LEVEL", requires = "kind", add = ArgValueCandidates::new(Choice::Level), value_parser = Choice::Level)]
    pub level: Option<String>,
    /// New impact: the priority is recomputed from the matrix
    #[arg(long, value_name = "LEVEL", add = ArgValueCandidates::new(Choice::Impact), value_parser = Choice::Impact)]
    pub impact: Option<String>,
    /// New urgency: the priority is recomputed from the matrix
    #[arg(long, value_name = "LEVEL", add = ArgValueCandidates::new(Choice::Urgency), value_parser = Choice::Urgency)]
    pub urgency: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Only incidents reported at or after this date or time (a date means its midnight)
    #[arg(long, value_name = "DATE", value_parser = Time::Date)]
    pub since: Option<String>,
    /// Only incidents reported before this time; a date includes that whole day
    #[arg(long, value_name = "DATE", value_parser = Time::Date)]
    pub until: Option<String>,
    /// Only this client's incidents (a key under `clients` in mim.yaml)
    #[arg(long, value_name = "CLIENT", add = ArgValueCandidates::new(Choice::Client), value_parser = Choice::Client)]
    pub client: Option<String>,
    /// Only incidents of this (current) priority
    #[arg(long, value_name = "PRIORITY", add = ArgValueCandidates::new(Choice::Priority), value_parser = Choice::Priority)]
    pub priority: Option<String>,
    /// Output format [default: from the -o file's extension, else md; json with --json]
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Write the report to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    /// Markdown, for a wiki or a terminal
    Md,
    /// One self-contained HTML file with SVG charts
    Html,
    /// Every figure, for scripts
    Json,
    /// One row per figure (long form), for spreadsheets
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Also read every status update's body and parse every e-mail in outbox/ (slower;
    /// by default messages are checked by their names and sent.log only)
    #[arg(long)]
    pub deep: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 no error-level finding, 1 a breach or validation error \
                        (or a warning under --strict), 2 a usage or configuration error.\n\
                        \"Now\" is MIM_NOW (or --at) if set, else the clock."
)]
pub(crate) struct CheckArgs {
    /// Output format [default: text, or json with --json]
    #[arg(long, value_enum)]
    pub format: Option<CheckFormat>,
    /// Only this client's incidents (a key under `clients` in mim.yaml)
    #[arg(long, value_name = "CLIENT", add = ArgValueCandidates::new(Choice::Client), value_parser = Choice::Client)]
    pub client: Option<String>,
    /// Fail on warnings (at-risk clocks) too
    #[arg(long)]
    pub strict: bool,
    /// Text: every finding on a line of its own, at its file and line, unsent mail message
    /// by message [default: incident by incident, the most pressing first]
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Walks the git history of the incidents (merges included) and reports timeline \
                  entries changed or removed after they were committed, commits that touched \
                  incident files without mim's trailers, entries whose Actor: trailer is not \
                  their `by`, and backfilled entries (dated more than audit.backfill_margin \
                  before their commit). Exit 0 when the history is append-only, 1 when it is \
                  not, 2 for a usage error."
)]
pub(crate) struct AuditArgs {
    /// Only this incident (ID or unique prefix; an ID no longer in the tree works too)
    pub id: Option<String>,
    /// Output format [default: text, or json with --json]
    #[arg(long, value_enum)]
    pub format: Option<AuditFormat>,
    /// Only the commits after REV (a commit, tag or branch), e.g. the last audited one
    #[arg(long, value_name = "REV", value_parser = crate::limits::line())]
    pub since: Option<String>,
    /// When the history is append-only, seal HEAD: a ref under refs/mim/seals/ (signed
    /// when commit.gpgSign is set) that every later audit checks is still in the history
    #[arg(long, conflicts_with = "id")]
    pub seal: bool,
    /// The branch whose seals are checked (and that --seal seals) [default: the branch
    /// HEAD is on]
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Text: every backfilled entry on its own [default: counted per incident, with the
    /// span of their times]
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "With git.sync: auto every mutating command does this too (see docs/team.md). \
                  Exit 0 when shared, 1 when not (the remote unreachable, a rewritten remote, \
                  a clone that cannot be brought up to date), 2 without a remote."
)]
pub(crate) struct SyncArgs {
    /// Keep syncing, every INTERVAL, printing others' events as they arrive (until Ctrl-C)
    #[arg(long, value_name = "INTERVAL", num_args = 0..=1, default_missing_value = "10s")]
    pub watch: Option<Duration>,
    /// Settle a commit set aside (its hash, 4 characters or more) once it is recorded
    /// again or should not stand; then sync
    #[arg(long, value_name = "COMMIT", conflicts_with = "watch")]
    pub settle: Option<String>,
    /// Why it is settled (with --settle)
    #[arg(
        short = 'm',
        long = "message",
        value_name = "TEXT",
        requires = "settle"
    )]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuditFormat {
    /// Findings per incident, for people
    Text,
    /// The JSON contract (see docs/audit.md)
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CheckFormat {
    /// `path:line: level: incident: rule: message`
    Text,
    /// The stable JSON contract (see docs/sla-and-ci.md)
    Json,
    /// GitHub Actions workflow commands, annotating the incident files
    Github,
    /// JUnit XML: a test case per incident and rule (Jenkins, GitLab)
    Junit,
    /// GitLab Code Quality report
    Gitlab,
}

// The post incident review and `close` (src/commands/pir.rs, src/commands/close.rs).

#[derive(Debug, Subcommand)]
pub(crate) enum PirCommand {
    /// Start the post incident review of a resolved incident: writes pir.md and the report
    Start {
        /// Incident ID or unique prefix [default: the incident directory you are in]
        #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
        id: Option<String>,
        /// Why there is a review
        #[arg(long, value_enum)]
        reason: crate::model::pir::PirReason,
        /// Who runs the review [default: whoever runs the command]
        #[arg(long, value_name = "NAME", value_parser = crate::limits::name())]
        facilitator: Option<String>,
    },
    /// Action items: add, done, drop
    #[command(subcommand)]
    Action(PirActionCommand),
    /// Record a review session (internal or with the client) and its feedback
    Review(PirReviewArgs),
    /// Render the PIR report into the incident directory (pir-report.md or .html)
    Report {
        /// Incident ID or unique prefix [default: the incident directory you are in]
        #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
        id: Option<String>,
        /// md writes pir-report.md, html a self-contained pir-report.html
        #[arg(long, value_enum, default_value = "md")]
        format: crate::pir::report::Format,
        /// Render the incident report for this client alone (rfo-CLIENT.md or .html):
        /// its service, impact window, restore figure, the cause and fix from pir.md's
        /// Client summary, what it was told, and the actions committed to it
        #[arg(long, value_name = "CLIENT", add = ArgValueCandidates::new(Choice::Client), value_parser = Choice::Client)]
        client: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PirActionCommand {
    /// Add an action item; prints its ID (A<n>-<3 characters>; `A<n>` works while unique)
    Add(PirActionAddArgs),
    /// Mark an action item done
    Done {
        /// [ID] ACTION: the incident (optional inside its directory) and the action
        #[arg(required = true, num_args = 1..=2, value_names = ["ID", "ACTION"], add = ArgValueCandidates::new(complete::incident_ids), value_parser = crate::limits::name())]
        args: Vec<String>,
        /// How it was done
        #[arg(long, value_name = "TEXT", value_parser = crate::limits::text())]
        note: Option<String>,
    },
    /// Drop an action item that will not be done, saying why
    Drop {
        /// [ID] ACTION: the incident (optional inside its directory) and the action
        #[arg(required = true, num_args = 1..=2, value_names = ["ID", "ACTION"], add = ArgValueCandidates::new(complete::incident_ids), value_parser = crate::limits::name())]
        args: Vec<String>,
        /// Why it will not be done (recorded in the timeline and the report)
        #[arg(long, value_name = "TEXT", value_parser = crate::limits::line())]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct PirActionAddArgs {
    /// [ID] TEXT: the incident (optional inside its directory) and what is to be done
    #[arg(required = true, num_args = 1..=2, value_names = ["ID", "TEXT"], add = ArgValueCandidates::new(complete::incident_ids), value_parser = crate::limits::text())]
    pub args: Vec<String>,
    /// Who will do it
    #[arg(long, value_name = "WHO", value_parser = crate::limits::name())]
    pub owner: String,
    /// When it is due: a date (2026-12-08) or a time from now (7d) [default: pir.action_due]
    #[arg(long, value_name = "DATE", value_parser = Time::Due)]
    pub due: Option<String>,
    /// What it changes
    #[arg(long, value_enum, default_value = "process")]
    pub kind: crate::model::pir::ActionKind,
    /// A client it is committed to (repeatable): it is in that client's incident report
    /// (`mim pir report ID --client C`)
    #[arg(long = "client", value_name = "CLIENT", add = ArgValueCandidates::new(Choice::Client), value_parser = Choice::Client)]
    pub clients: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PirReviewArgs {
    /// [ID] SESSION: the incident (optional inside its directory) and `internal` or `client`
    #[arg(required = true, num_args = 1..=2, value_names = ["ID", "SESSION"], add = ArgValueCandidates::new(complete::incident_ids), value_parser = crate::limits::name())]
    pub args: Vec<String>,
    /// When the session was held
    #[arg(long, value_name = "TIME", value_parser = Time::At)]
    pub held_at: String,
    /// Who attended, comma-separated
    #[arg(long, value_name = "NAMES", value_parser = crate::limits::names(',', &[]))]
    pub attendees: String,
    /// What the session concluded; it goes into the report
    #[arg(long, value_name = "TEXT", value_parser = crate::limits::text())]
    pub feedback: String,
    /// The action items the client adopted, comma-separated (client sessions)
    #[arg(long, value_name = "ACTIONS", value_delimiter = ',', value_parser = crate::limits::name())]
    pub adopted: Vec<String>,
    /// The one client the session was held with, on an incident affecting several
    /// (client sessions; without it, with every affected client)
    #[arg(long, value_name = "CLIENT", add = ArgValueCandidates::new(Choice::Client), value_parser = Choice::Client)]
    pub client: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CloseArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
    pub id: Option<String>,
    /// The client's satisfaction, 1 (poor) to 5 (excellent)
    #[arg(long, value_name = "1-5", value_parser = clap::value_parser!(u8).range(1..=5))]
    pub csat: Option<u8>,
    /// Management override: close although the post incident review is not finished
    #[arg(long, requires = "reason")]
    pub force: bool,
    /// Why the override (recorded in the timeline)
    #[arg(long, value_name = "TEXT", requires = "force", value_parser = crate::limits::line())]
    pub reason: Option<String>,
}

/// (ID, last) from one or two positional arguments: `[ID] X`.
pub(crate) fn split_id(args: &[String]) -> (Option<&str>, &str) {
    match args {
        [id, last] => (Some(id.as_str()), last.as_str()),
        [last] => (None, last.as_str()),
        _ => unreachable!("clap allows one or two"),
    }
}

/// Check every value given on the command line, and those taken from the environment
/// (`MIM_USER`), once, before any work: text that no file can hold is refused with the
/// flag's name. See [`crate::text::check`].
pub fn check_text(cmd: &clap::Command, matches: &clap::ArgMatches) -> anyhow::Result<()> {
    use clap::parser::ValueSource;
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        let Some(source) = matches.value_source(id) else {
            continue;
        };
        if source == ValueSource::DefaultValue {
            continue;
        }
        let Ok(Some(raw)) = matches.try_get_raw(id) else {
            continue;
        };
        let values: Vec<&std::ffi::OsStr> = raw.collect();
        for (i, value) in values.iter().enumerate() {
            let Some(text) = value.to_str() else {
                continue;
            };
            let name = match (source, arg.get_env(), arg.get_long(), arg.get_short()) {
                (ValueSource::EnvVariable, Some(env), _, _) => env.to_string_lossy().into_owned(),
                (_, _, Some(long), _) => format!("--{long}"),
                (_, _, None, Some(short)) => format!("-{short}"),
                _ => positional_name(arg, i, values.len()),
            };
            crate::text::check(&name, text)?;
        }
    }
    if let Some((name, sub)) = matches.subcommand()
        && let Some(sub_cmd) = cmd.find_subcommand(name)
    {
        check_text(sub_cmd, sub)?;
    }
    Ok(())
}

/// `TEXT` for the second of `[ID] TEXT` given in full, and for the only one given.
fn positional_name(arg: &clap::Arg, index: usize, given: usize) -> String {
    let names: Vec<&str> = arg
        .get_value_names()
        .map(|n| n.iter().map(|s| s.as_str()).collect())
        .unwrap_or_default();
    let at = (names.len() + index).saturating_sub(given);
    match names.get(at) {
        Some(n) => format!("the {n} argument"),
        None => format!("the {} argument", arg.get_id().as_str().to_uppercase()),
    }
}

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Rules under `intake.rules` in mim.yaml map an alert's labels to a proposal \
                  (title, service, client, configuration item, impact, urgency); the first that \
                  matches wins. The same alert again, or another of its group, becomes a note \
                  on the open incident; a resolved alert is a note, never a resolve. \
                  See docs/intake-and-regulation.md."
)]
pub(crate) struct IntakeArgs {
    #[command(subcommand)]
    pub command: Option<IntakeCommand>,
    /// The payload (JSON); `-` or nothing: standard input
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The payload's format [default: recognised by its shape]
    #[arg(long, value_enum)]
    pub format: Option<crate::intake::payload::Format>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum IntakeCommand {
    /// Receive alert payloads over HTTP (POST /alertmanager, /pagerduty, /generic or /;
    /// GET /healthz), each one transaction under the repository lock
    #[command(
        after_help = "A request must carry `Authorization: Bearer $MIM_INTAKE_TOKEN`, or PagerDuty's \
                      `X-PagerDuty-Signature` made with $MIM_INTAKE_PAGERDUTY_SECRET; at least one \
                      of the two must be set. Bodies over intake.max_payload are refused (413). \
                      SIGTERM or SIGINT stops it after the request in hand."
    )]
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on (port 0: any free port, printed at start)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9797")]
    pub listen: String,
}

/// Whether something applies: `yes` or `no`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum YesNo {
    Yes,
    No,
}

impl YesNo {
    pub fn as_bool(self) -> bool {
        self == YesNo::Yes
    }
}

#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("outcome")
        .required(true)
        .args(["significant", "major", "not"])
))]
pub(crate) struct ClassifyArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
    pub id: Option<String>,
    /// The regime (a key under `regulations` in mim.yaml)
    #[arg(long, value_name = "REGIME", add = ArgValueCandidates::new(Choice::Regime), value_parser = Choice::Regime)]
    pub regime: String,
    /// A significant incident (the word of NIS2)
    #[arg(long)]
    pub significant: bool,
    /// A major incident (the word of DORA)
    #[arg(long)]
    pub major: bool,
    /// Not reportable under the regime (the reason is part of the record)
    #[arg(long = "not")]
    pub not: bool,
    /// Why: the criteria met, or why they are not
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Whether the incident has (or may have) an impact in other Member States
    #[arg(long, value_enum, value_name = "yes|no")]
    pub cross_border: Option<YesNo>,
    /// Whether it is a recurring incident
    #[arg(long, value_enum, value_name = "yes|no")]
    pub recurring: Option<YesNo>,
    /// Whether it is suspected of being caused by an unlawful or malicious act
    #[arg(long, value_enum, value_name = "yes|no")]
    pub malicious: Option<YesNo>,
}

#[derive(Debug, Args)]
pub(crate) struct NotifyArgs {
    /// Incident ID or unique prefix [default: the incident directory you are in]
    #[arg(add = ArgValueCandidates::new(complete::incident_ids))]
    pub id: Option<String>,
    /// The regime (a key under `regulations` in mim.yaml)
    #[arg(long, value_name = "REGIME", add = ArgValueCandidates::new(Choice::Regime), value_parser = Choice::Regime)]
    pub regime: String,
    /// The stage submitted (a stage of the regime: early-warning, initial-notification, …)
    #[arg(long, value_name = "STAGE", add = ArgValueCandidates::new(Choice::Stage), value_parser = crate::limits::name())]
    pub stage: String,
    /// The reference of the submission (the authority's, or the portal's)
    #[arg(
        long = "ref",
        value_name = "REF",
        required_unless_present = "draft",
        conflicts_with = "draft"
    )]
    pub reference: Option<String>,
    /// Print the stage's report drafted from the record (for a person to check and
    /// submit), with what the record lacks; records nothing
    #[arg(long)]
    pub draft: bool,
}
