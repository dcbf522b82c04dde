//! The phase a reader is in, and the one table of words every message, page and feed
//! uses for it: a template or a page states the phase, it never works it out.

use serde::Serialize;

/// Where the incident stands for one reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Proposed or accepted, the cause not yet identified.
    Investigating,
    /// The cause is identified (or the impact mitigated): a fix is being worked on.
    Fixing,
    /// On hold: waiting on the client or a third party.
    OnHold,
    /// Reopened: the service failed again after it was restored.
    Reopened,
    /// The reader's service is back; the incident is watched before it is closed.
    Monitoring,
    /// The reader's service is back on a temporary workaround.
    Workaround,
    /// Closed.
    Resolved,
}

/// What a phase is called, for the client's people or for the provider's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Words {
    /// A heading or badge: `Fix in progress`.
    pub label: &'static str,
    /// One sentence that says it: `We have found the cause and are working on a fix.`
    pub sentence: &'static str,
    /// `down`, `degraded`, `restored` or `resolved`: the colour a page gives it.
    pub tone: &'static str,
}

/// Each phase in the client's words and in the provider's: the one wording table.
const WORDS: &[(Phase, Words, Words)] = &[
    (
        Phase::Investigating,
        Words {
            label: "Investigating",
            sentence: "We are investigating the cause.",
            tone: "down",
        },
        Words {
            label: "Investigating",
            sentence: "The cause is not identified yet.",
            tone: "down",
        },
    ),
    (
        Phase::Fixing,
        Words {
            label: "Fix in progress",
            sentence: "We have found the cause and are working on a fix.",
            tone: "down",
        },
        Words {
            label: "Fix in progress",
            sentence: "The cause is identified; the fix is being worked on.",
            tone: "down",
        },
    ),
    (
        Phase::OnHold,
        Words {
            label: "On hold",
            sentence: "Our work is paused while we wait for what we need to continue; we will resume as soon as we have it.",
            tone: "down",
        },
        Words {
            label: "On hold",
            sentence: "On hold: the restore clock is stopped.",
            tone: "down",
        },
    ),
    (
        Phase::Reopened,
        Words {
            label: "Reopened",
            sentence: "The problem came back after service was restored, and we are working on it again.",
            tone: "down",
        },
        Words {
            label: "Reopened",
            sentence: "Reopened after the restoration: the restore clock runs again.",
            tone: "down",
        },
    ),
    (
        Phase::Monitoring,
        Words {
            label: "Restored — monitoring",
            sentence: "Service has been restored, and we are monitoring it to make sure it stays stable.",
            tone: "restored",
        },
        Words {
            label: "Restored — monitoring",
            sentence: "Service is restored; the incident stays open while we monitor it.",
            tone: "restored",
        },
    ),
    (
        Phase::Workaround,
        Words {
            label: "Restored on a workaround",
            sentence: "Service has been restored with a temporary workaround. We continue to work on the underlying cause and will keep you informed.",
            tone: "restored",
        },
        Words {
            label: "Restored on a workaround",
            sentence: "Service is restored by a workaround; the root cause is still open.",
            tone: "restored",
        },
    ),
    (
        Phase::Resolved,
        Words {
            label: "Resolved",
            sentence: "This incident is resolved.",
            tone: "resolved",
        },
        Words {
            label: "Closed",
            sentence: "The incident is closed.",
            tone: "resolved",
        },
    ),
];

impl Phase {
    /// The phase's words for the client's people (`external`) or the provider's.
    pub fn words(self, external: bool) -> Words {
        let (_, client, ours) = WORDS
            .iter()
            .find(|(p, _, _)| *p == self)
            .expect("every phase is in the wording table");
        if external { client } else { ours }.clone()
    }

    /// Whether the reader's service is back.
    #[cfg(test)]
    pub fn is_restored(self) -> bool {
        matches!(
            self,
            Phase::Monitoring | Phase::Workaround | Phase::Resolved
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_has_words_for_both_sides_and_restored_ones_never_say_down() {
        for (phase, client, ours) in WORDS {
            assert_eq!(phase.words(true), *client);
            assert_eq!(phase.words(false), *ours);
            if phase.is_restored() {
                assert_ne!(client.tone, "down", "{phase:?}");
                assert!(!client.sentence.contains("investigat"), "{phase:?}");
            }
        }
        assert_eq!(WORDS.len(), 7);
    }
}
