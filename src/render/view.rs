//! The one model templates see: the organisation, the incident, its restoration, its
//! response plan and escalations, in the same shape for every template. The e-mail
//! contexts (`comms::MessageContext`) and the PIR report (`pir::report::Report`) add
//! their own parts to [`Common`]. Times are RFC 3339 strings, shown by templates with
//! the `datetime` filter in the context's `tz`. `docs/templates.md` documents every
//! variable; [`crate::overrides`] renders the repository's overrides against a sample.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::model::plan::Plan;
use crate::model::{Incident, Verification};
use crate::state::{Resolution, State};
use crate::time::{self, Timestamp};

/// What every template sees, e-mail or report.
#[derive(Clone, Debug, Serialize)]
pub struct Common {
    pub org: OrgView,
    /// The IANA time zone times are shown in: `{{ t | datetime }}` uses it.
    pub tz: String,
    /// When the message or report is rendered, RFC 3339.
    pub now: String,
    pub incident: IncidentView,
    /// The restoration while the incident is resolved or closed; none otherwise.
    pub resolution: Option<ResolutionView>,
    pub plan: PlanSummary,
    pub escalations: Vec<EscalationView>,
}

impl Common {
    /// The incident in `state` (its current one, or as of a command being recorded),
    /// shown in time zone `tz`, rendered at `now`.
    pub fn new(
        config: &Config,
        incident: &Incident,
        state: &State,
        tz: String,
        now: Timestamp,
    ) -> Common {
        let resolution = state
            .resolution
            .as_ref()
            .map(|r| ResolutionView::of(config, r));
        Common {
            org: OrgView::new(config),
            tz,
            now: time::format(&now),
            incident: IncidentView::new(config, incident, state),
            resolution,
            plan: plan_summary(incident),
            escalations: escalations(state),
        }
    }
}

impl Common {
    /// The incident as one of its several clients sees it: only that client's name and
    /// key, and when its service came back, if before the others' (its services, impact
    /// and priority come from its facts: [`IncidentView::adopt`]).
    pub fn for_client(mut self, config: &Config, state: &State, key: &str) -> Common {
        let i = &mut self.incident;
        i.client = Some(config.client_name(key));
        i.client_key = Some(key.to_string());
        // Configuration items, tickets and workstreams cannot be told apart by client,
        // and any of them may name one: no client's message shows them.
        i.ci = None;
        i.tickets.clear();
        self.plan.workstreams.clear();
        // An escalation to a client's IT team was to one of them: not to this one's
        // knowledge.
        self.escalations.retain(|e| e.kind != "client-it");
        if state.affected_client(key).is_some()
            && let Some(r) = state.client_restoral(key)
        {
            i.resolved_at = Some(time::format(&r.at));
            // Its service is back before the incident's: that is its restoration.
            if self.resolution.is_none() {
                self.resolution = Some(ResolutionView {
                    at: time::format(&r.at),
                    by: config.organization.name.clone(),
                    summary: r.client_message.clone().unwrap_or_default(),
                    closure: String::new(),
                    closure_text: String::new(),
                    workaround: r.workaround,
                    problem: None,
                    client_message: r.client_message.clone(),
                    verification: None,
                });
            }
        }
        self
    }

    /// What the client's people may see: no one's name (the organisation's instead), no
    /// vendor's name or case reference, no bridge, no problem ticket, no reasons written
    /// for colleagues, and instead of how service was restored (`mim resolve -m`) what
    /// the client is to be told (`--client-message`, else nothing, so the template's
    /// standard wording shows). A template, built-in or override, cannot show a client
    /// what it is never given.
    pub fn client_facing(mut self) -> Common {
        let org = self.org.name.clone();
        let i = &mut self.incident;
        i.reporter = org.clone();
        i.manager = None;
        i.description = None;
        // Who holds which role is for the provider's people only.
        i.roles.clear();
        if let Some(r) = &mut self.resolution {
            r.by = org.clone();
            r.problem = None;
            r.summary = r.client_message.clone().unwrap_or_default();
        }
        self.plan.bridge = None;
        for w in &mut self.plan.workstreams {
            w.owner = None;
            w.vendor = None;
        }
        for e in &mut self.escalations {
            e.to = team(&e.kind).to_string();
            e.by = org.clone();
            e.reason = None;
            e.reference = None;
            e.level = None;
        }
        self
    }
}

/// The kind of team an escalation engaged, in the client's words.
fn team(kind: &str) -> &'static str {
    match kind {
        "sme" => "specialist engineers",
        "vendor" => "the technology vendor",
        "third-party" => "a third-party provider",
        "onsite" => "on-site engineers",
        "parts" => "a spare-parts supplier",
        "client-it" => "your IT team",
        "management" => "our service management",
        _ => "another team",
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct OrgView {
    pub name: String,
    pub email: String,
}

impl OrgView {
    pub fn new(config: &Config) -> OrgView {
        OrgView {
            name: config.organization.name.clone(),
            email: config.organization.email.address.clone(),
        }
    }
}

/// The incident as templates see it: its record and its current state.
#[derive(Clone, Debug, Serialize)]
pub struct IncidentView {
    pub id: String,
    pub title: String,
    pub service: String,
    /// The client's name from `mim.yaml` (`ACME Corp`), or none.
    pub client: Option<String>,
    /// The client's key in `mim.yaml` (`acme`), or none.
    pub client_key: Option<String>,
    pub ci: Option<String>,
    pub category: Option<String>,
    /// Impact, urgency and priority now (after any reprioritisation).
    pub impact: String,
    pub urgency: String,
    pub priority: String,
    /// The priority it was declared with.
    pub declared_priority: String,
    pub status: String,
    pub reporter: String,
    pub manager: Option<String>,
    /// RFC 3339 times of the milestones; none until they happen.
    pub reported: String,
    /// When the impact began and was detected (the report's time when not recorded).
    pub impact_started: String,
    pub detected: String,
    pub accepted_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub tickets: Vec<String>,
    pub description: Option<String>,
    /// Who holds each role now (the incident manager too), in the order they were given.
    pub roles: Vec<RoleView>,
}

/// A role and who holds it now.
#[derive(Clone, Debug, Serialize)]
pub struct RoleView {
    /// A name under `roles` in mim.yaml: `communications-lead`.
    pub role: String,
    pub holder: String,
    /// Since when, RFC 3339.
    pub since: String,
}

impl IncidentView {
    /// The incident as `reader` knows it: its service, impact, priority (its contract's)
    /// and status (in its words), so an older template's `incident.*` says what
    /// `reader.*` says.
    pub fn adopt(&mut self, reader: &crate::facts::Facts) {
        self.service = reader.service.clone();
        self.impact = reader.impact.clone();
        self.status = reader.status.clone();
        self.priority = reader.contract_priority.clone();
    }

    pub fn new(config: &Config, incident: &Incident, state: &State) -> IncidentView {
        let r = &incident.record;
        IncidentView {
            id: incident.id.clone(),
            title: r.title.clone(),
            service: state.services.join(", "),
            client: (state.affected().next().is_some()).then(|| {
                state
                    .affected()
                    .map(|c| config.client_name(&c.client))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            client_key: state.sole_client().map(str::to_string),
            ci: (!state.cis.is_empty()).then(|| state.cis.join(", ")),
            category: r.category.clone(),
            impact: state.impact.clone(),
            urgency: state.urgency.clone(),
            priority: state.priority.clone(),
            declared_priority: r.priority.clone(),
            status: state.status.to_string(),
            reporter: r.reporter.clone(),
            manager: state.manager.clone(),
            reported: time::format(&r.reported),
            impact_started: time::format(&state.impact_started),
            detected: time::format(&state.detected),
            accepted_at: state.accepted_at.as_ref().map(time::format),
            resolved_at: state.resolved_at.as_ref().map(time::format),
            closed_at: state.closed_at.as_ref().map(time::format),
            tickets: r.tickets.clone(),
            description: r.description.clone(),
            roles: state
                .roles
                .iter()
                .filter(|spell| spell.until.is_none())
                .map(|spell| RoleView {
                    role: spell.role.clone(),
                    holder: spell.holder.clone(),
                    since: time::format(&spell.from),
                })
                .collect(),
        }
    }
}

/// The restoration as templates see it: the restoral notices and the PIR report.
#[derive(Clone, Debug, Serialize)]
pub struct ResolutionView {
    pub at: String,
    pub by: String,
    /// How service was restored (Markdown).
    pub summary: String,
    pub closure: String,
    /// The closure code's description from `mim.yaml` (empty for an unknown code).
    pub closure_text: String,
    pub workaround: bool,
    /// The problem ticket that tracks the root cause.
    pub problem: Option<String>,
    /// What the client's people are told (`--client-message`), when it is given.
    pub client_message: Option<String>,
    /// `verified-by-client`, `attempted` or none.
    pub verification: Option<String>,
}

impl ResolutionView {
    /// The restoration in force in a state (none after a reopen).
    pub fn of(config: &Config, r: &Resolution) -> Self {
        ResolutionView {
            at: time::format(&r.at),
            by: r.by.clone(),
            summary: r.summary.clone(),
            closure: r.closure.clone(),
            closure_text: config
                .closure_codes
                .get(&r.closure)
                .map(|c| c.text().to_string())
                .unwrap_or_default(),
            workaround: r.workaround,
            problem: r.problem.clone(),
            client_message: r.client_message.clone(),
            verification: r.verification.map(|v| {
                match v {
                    Verification::VerifiedByClient => "verified-by-client",
                    Verification::Attempted => "attempted",
                }
                .to_string()
            }),
        }
    }
}

/// One escalation from the timeline.
#[derive(Clone, Debug, Serialize)]
pub struct EscalationView {
    pub at: String,
    pub by: String,
    /// `sme`, `vendor`, … or `management` (hierarchic).
    pub kind: String,
    pub hierarchic: bool,
    pub to: String,
    pub reason: Option<String>,
    /// A vendor case or ticket number: for internal and management readers only.
    pub reference: Option<String>,
    pub level: Option<String>,
}

/// The incident's escalations in time order, as templates see them.
pub fn escalations(state: &State) -> Vec<EscalationView> {
    state
        .escalation_list()
        .into_iter()
        .map(|e| EscalationView {
            at: time::format(&e.at),
            by: e.by,
            kind: crate::model::escalation::kind_name(e.kind).to_string(),
            hierarchic: e.kind.is_hierarchic(),
            to: e.to,
            reason: e.reason,
            reference: e.reference,
            level: e.level,
        })
        .collect()
}

impl UpdateView {
    /// The update as the client's people see it: signed by the organisation.
    pub fn client_facing(mut self, org: &str) -> UpdateView {
        self.by = org.to_string();
        self
    }
}

/// A status update as templates see it.
#[derive(Clone, Debug, Serialize)]
pub struct UpdateView {
    pub number: u32,
    pub at: String,
    pub by: String,
    /// The Markdown body written by the incident manager.
    pub body: String,
    pub status_line: Option<String>,
    /// Estimated restoration, RFC 3339.
    pub eta: Option<String>,
    /// When the next update comes, as the author wrote it (`--next`).
    pub next: Option<String>,
    /// When the next update is due by the priority's cadence, RFC 3339 (when there is one).
    pub next_at: Option<String>,
    /// A monitoring update: sent while the incident is resolved, before it is closed.
    pub monitoring: bool,
}

/// The parts of the response plan (`plan.md`) templates show: the bridge and the
/// workstreams.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct PlanSummary {
    /// The bridge (conference call) URL or dial-in.
    #[serde(default)]
    pub bridge: Option<String>,
    #[serde(default)]
    pub workstreams: Vec<Workstream>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Workstream {
    pub name: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// Whether a technology vendor or third party does the work (the kind of team, for
    /// readers who may not see the vendor's name).
    #[serde(default)]
    pub with_vendor: bool,
}

impl From<&Plan> for PlanSummary {
    fn from(plan: &Plan) -> Self {
        PlanSummary {
            bridge: plan.bridge.clone(),
            workstreams: plan
                .workstreams
                .iter()
                .map(|w| Workstream {
                    name: w.name.clone(),
                    owner: Some(w.owner.clone()),
                    vendor: w.vendor.clone(),
                    status: Some(w.status.as_str().to_string()),
                    with_vendor: w.vendor.is_some(),
                })
                .collect(),
        }
    }
}

/// The bridge and workstreams of an incident's response plan; empty without a plan.
pub fn plan_summary(incident: &Incident) -> PlanSummary {
    incident
        .plan
        .as_ref()
        .map(PlanSummary::from)
        .unwrap_or_default()
}
