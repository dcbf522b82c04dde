//! The incident lifecycle: statuses and which transition is legal when. What a timeline
//! adds up to is derived in [`crate::state`].

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Proposed,
    Accepted,
    Rejected,
    OnHold,
    Resolved,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::OnHold => "on-hold",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// Being worked on: the SLA clocks and update cadence run (or pause, on hold).
    pub fn is_active(self) -> bool {
        matches!(self, Status::Proposed | Status::Accepted | Status::OnHold)
    }

    /// The status-changing commands that are legal now, for messages.
    pub fn next_commands(self) -> &'static [&'static str] {
        match self {
            Status::Proposed => &["mim accept", "mim reject"],
            Status::Accepted => &["mim hold", "mim resolve"],
            Status::OnHold => &["mim resume"],
            Status::Resolved => &["mim reopen", "mim close"],
            Status::Rejected | Status::Closed => &[],
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status change, named after the command that makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Accept,
    Reject,
    Hold,
    Resume,
    Reopen,
    Resolve,
    Close,
}

impl Transition {
    pub fn command(self) -> &'static str {
        match self {
            Transition::Accept => "accept",
            Transition::Reject => "reject",
            Transition::Hold => "hold",
            Transition::Resume => "resume",
            Transition::Reopen => "reopen",
            Transition::Resolve => "resolve",
            Transition::Close => "close",
        }
    }

    pub fn from(self) -> Status {
        match self {
            Transition::Accept | Transition::Reject => Status::Proposed,
            Transition::Hold | Transition::Resolve => Status::Accepted,
            Transition::Resume => Status::OnHold,
            Transition::Reopen | Transition::Close => Status::Resolved,
        }
    }

    pub fn to(self) -> Status {
        match self {
            Transition::Accept | Transition::Resume | Transition::Reopen => Status::Accepted,
            Transition::Reject => Status::Rejected,
            Transition::Hold => Status::OnHold,
            Transition::Resolve => Status::Resolved,
            Transition::Close => Status::Closed,
        }
    }
}

/// Refuse a transition that is not legal from `status`, saying what is allowed instead.
pub fn check(transition: Transition, id: &str, status: Status) -> anyhow::Result<()> {
    if transition.from() == status {
        return Ok(());
    }
    let hint = if transition == Transition::Resolve && status == Status::OnHold {
        "; resume it first with `mim resume`".to_string()
    } else {
        match status.next_commands() {
            [] => format!("; {status} is final"),
            cmds => format!(
                "; allowed now: {}",
                cmds.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    };
    let from = transition.from();
    let article = if from.as_str().starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    anyhow::bail!(
        "cannot {} {id}: it is {status} (only {article} {from} incident can be {}){hint}",
        transition.command(),
        past_tense(transition)
    )
}

fn past_tense(t: Transition) -> &'static str {
    match t {
        Transition::Accept => "accepted",
        Transition::Reject => "rejected",
        Transition::Hold => "put on hold",
        Transition::Resume => "resumed",
        Transition::Reopen => "reopened",
        Transition::Resolve => "resolved",
        Transition::Close => "closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_design() {
        use Status::*;
        use Transition::*;
        for (t, from, to) in [
            (Accept, Proposed, Accepted),
            (Reject, Proposed, Rejected),
            (Hold, Accepted, OnHold),
            (Resume, OnHold, Accepted),
            (Resolve, Accepted, Resolved),
            (Reopen, Resolved, Accepted),
            (Close, Resolved, Closed),
        ] {
            assert_eq!((t.from(), t.to()), (from, to), "{t:?}");
            assert!(check(t, "x", from).is_ok());
        }
    }

    #[test]
    fn an_illegal_transition_says_what_is_allowed() {
        let msg = check(Transition::Reject, "2026-11-02-payments", Status::Accepted)
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("cannot reject 2026-11-02-payments: it is accepted"),
            "{msg}"
        );
        assert!(msg.contains("`mim hold`, `mim resolve`"), "{msg}");
        let msg = check(Transition::Resolve, "x", Status::OnHold)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("resume it first"), "{msg}");
        let msg = check(Transition::Accept, "x", Status::Closed)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("closed is final"), "{msg}");
    }
}
