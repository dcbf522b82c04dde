//! Drafts of the regulatory reports: each stage's form filled from the incident record
//! (its timeline, `pir.md`, mim.yaml), for a person to check and submit. Every field the
//! record holds is filled, and every field it does not hold is listed as missing: mim
//! never guesses a figure a regulator will read. The fields of each [`Form`] follow the
//! regime's text: NIS2 Art. 23(4), and for DORA the data fields of the reporting
//! template of Commission Implementing Regulation (EU) 2025/302, Annex I (the content
//! set by Delegated Regulation (EU) 2025/301, Arts. 2–4), as far as an incident record
//! can hold them. Templates lay the fields out; they compute nothing.

use serde::Serialize;

use crate::config::Config;
use crate::config::regulation::{Form, Regime, Stage};
use crate::facts::{Facts, Reader};
use crate::model::{Audience, EscalationKind, Incident, MilestoneKind};
use crate::render::Templates;
use crate::state::State;
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// Everything a draft template reads.
#[derive(Clone, Debug, Serialize)]
pub struct Draft {
    pub regime: RegimeView,
    pub stage: StageView,
    pub incident: IncidentView,
    /// When the draft was made, in UTC and the authority's zone.
    pub generated: TimeView,
    /// The form's fields, section by section.
    pub sections: Vec<Section>,
    /// The labels of the fields the record does not hold, in form order.
    pub missing: Vec<String>,
    /// Every submission recorded under this regime.
    pub submissions: Vec<SubmissionView>,
    /// The provider's own facts of the incident (the internal reader's): the same
    /// figures as every internal message.
    pub facts: Facts,
}

#[derive(Clone, Debug, Serialize)]
pub struct RegimeView {
    pub key: String,
    pub name: String,
    pub authority: String,
    pub authority_contact: Option<String>,
    /// The authority's time zone.
    pub timezone: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct StageView {
    pub name: String,
    pub title: String,
    pub form: Form,
    /// The deadline as mim.yaml writes it.
    pub rule: String,
    pub due: Option<TimeView>,
    /// `running`, `at-risk`, `met`, `breached`, once its clock runs.
    pub state: Option<String>,
    pub submitted: Option<TimeView>,
    pub reference: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IncidentView {
    pub id: String,
    pub title: String,
}

/// An instant in UTC and in the authority's zone.
#[derive(Clone, Debug, Serialize)]
pub struct TimeView {
    pub rfc3339: String,
    /// `2026-11-24 09:00 UTC`.
    pub utc: String,
    /// `2026-11-24 10:00 CET`.
    pub local: String,
    /// `2026-11-24 09:00 UTC (2026-11-24 10:00 CET)`, or the UTC alone when the
    /// authority reads UTC.
    pub both: String,
}

impl TimeView {
    pub fn new(t: &Timestamp, tz: chrono_tz::Tz) -> TimeView {
        let utc = time::display(t, chrono_tz::UTC);
        let local = time::display(t, tz);
        TimeView {
            rfc3339: time::format(t),
            both: if utc == local {
                utc.clone()
            } else {
                format!("{utc} ({local})")
            },
            utc,
            local,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub title: String,
    pub fields: Vec<Field>,
}

/// One field of the form: its label and the record's value, or none.
#[derive(Clone, Debug, Serialize)]
pub struct Field {
    pub label: String,
    pub value: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SubmissionView {
    pub stage: String,
    pub at: TimeView,
    pub by: String,
    pub reference: String,
}

/// What the record holds, each fact once, for the forms to pick from.
struct Known {
    id: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    contact: Option<String>,
    client_names: Option<String>,
    description: Option<String>,
    detected: Option<String>,
    occurred: Option<String>,
    classified: Option<String>,
    criteria: Option<String>,
    services: Option<String>,
    cis: Option<String>,
    severity: Option<String>,
    status: Option<String>,
    category: Option<String>,
    restored: Option<String>,
    duration: Option<String>,
    discovery: Option<String>,
    third_parties: Option<String>,
    cause: Option<String>,
    measures: Option<String>,
    fixed_at: Option<String>,
    fix: Option<String>,
    resolution: Option<String>,
    cross_border: Option<String>,
    recurring: Option<String>,
    malicious: Option<String>,
    other_reports: Option<String>,
    first_reference: Option<String>,
    previous_reference: Option<String>,
}

fn yes_no(v: Option<bool>) -> Option<String> {
    v.map(|v| if v { "yes" } else { "no" }.to_string())
}

/// The flags `Cross-border: yes`, `Recurring: no`, `Malicious: yes` as written on a
/// line of `pir.md`.
fn pir_flag(pir: Option<&str>, name: &str) -> Option<bool> {
    let pir = pir?;
    pir.lines().find_map(|line| {
        let (key, value) = line
            .trim()
            .trim_start_matches(['-', '*', ' '])
            .split_once(':')?;
        let key = key.trim().trim_matches('*').trim();
        if !key.eq_ignore_ascii_case(name) {
            return None;
        }
        match value
            .trim()
            .trim_matches('*')
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "yes" | "true" => Some(true),
            "no" | "false" => Some(false),
            _ => None,
        }
    })
}

/// The text under `## Root cause` in `pir.md`, comments left out.
fn root_cause(pir: Option<&str>) -> Option<String> {
    let prose = crate::pir::document::prose(pir?);
    let mut lines = prose.lines().skip_while(|l| {
        !l.strip_prefix("## ")
            .is_some_and(|h| h.trim().eq_ignore_ascii_case("root cause"))
    });
    lines.next()?;
    let body: Vec<&str> = lines
        .take_while(|l| !l.starts_with("## ") && !l.starts_with("# "))
        .collect();
    let text = crate::text::one_line(&body.join(" "));
    (!text.is_empty()).then_some(text)
}

fn known(
    config: &Config,
    incident: &Incident,
    state: &State,
    key: &str,
    regime: &Regime,
    stage: &Stage,
    pir: Option<&str>,
) -> Known {
    let tz = regime.authority.timezone.0;
    let at = |t: &Timestamp| TimeView::new(t, tz).both;
    let record = state.regime(key);
    let r = &incident.record;
    let clients: Vec<String> = state
        .affected()
        .map(|c| config.client_name(&c.client))
        .collect();
    let outage = match state.resolved_at {
        Some(end) => Some(Duration::from(end - state.impact_started).human()),
        None => Some(format!(
            "ongoing, {} so far",
            Duration::from(state.now - state.impact_started).human()
        )),
    };
    let cause = root_cause(pir).or_else(|| {
        state.milestone(MilestoneKind::Identified).map(|m| {
            m.text
                .clone()
                .unwrap_or_else(|| format!("identified {}", at(&m.at)))
        })
    });
    let mut measures = Vec::new();
    if let Some(m) = state.milestone(MilestoneKind::Mitigated) {
        measures.push(format!(
            "impact mitigated {}{}",
            at(&m.at),
            m.text
                .as_ref()
                .map(|t| format!(": {t}"))
                .unwrap_or_default()
        ));
    }
    for e in state
        .escalation_list()
        .iter()
        .filter(|e| !e.kind.is_hierarchic())
    {
        measures.push(format!(
            "{} escalation to {} {}",
            crate::model::escalation::kind_name(e.kind),
            e.to,
            at(&e.at)
        ));
    }
    if let Some(res) = &state.resolution {
        measures.push(format!(
            "service restored {}{}: {}",
            at(&res.at),
            if res.workaround {
                " by a workaround"
            } else {
                ""
            },
            res.summary
        ));
    }
    let third: Vec<String> = state
        .escalation_list()
        .iter()
        .filter(|e| matches!(e.kind, EscalationKind::Vendor | EscalationKind::ThirdParty))
        .map(|e| {
            format!(
                "{} ({}{})",
                e.to,
                crate::model::escalation::kind_name(e.kind),
                e.reference
                    .as_ref()
                    .map(|r| format!(", ref {r}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let others: Vec<String> = state
        .regulatory
        .iter()
        .filter(|o| o.regime != key)
        .flat_map(|o| {
            o.submissions.iter().map(move |s| {
                format!(
                    "{} {} {} [ref {}]",
                    o.regime.to_uppercase(),
                    s.stage,
                    at(&s.at),
                    s.reference
                )
            })
        })
        .collect();
    let previous = regime
        .stages
        .iter()
        .take_while(|s| s.name != stage.name)
        .filter_map(|s| record.and_then(|r| r.submitted(&s.name)))
        .last()
        .map(|s| s.reference.clone());
    // A flag given under this regime, else under another (they describe the incident),
    // else written in pir.md.
    let any = |of: fn(&crate::state::Regulatory) -> Option<bool>| {
        record
            .and_then(of)
            .or_else(|| state.regulatory.iter().find_map(of))
    };
    let flag = |given: Option<bool>, name: &str| yes_no(given.or_else(|| pir_flag(pir, name)));
    Known {
        id: Some(incident.id.clone()),
        entity: regime
            .entity
            .name
            .clone()
            .or_else(|| Some(config.organization.name.clone())),
        entity_id: regime.entity.id.clone(),
        contact: regime.entity.contact.clone(),
        client_names: (!clients.is_empty()).then(|| clients.join(", ")),
        description: Some(match &r.description {
            Some(d) => format!("{}: {}", r.title, crate::text::one_line(d)),
            None => r.title.clone(),
        }),
        detected: Some(at(&state.detected)),
        occurred: Some(at(&state.impact_started)),
        classified: record
            .and_then(|rec| rec.classified_at)
            .map(|t| format!("{} (as {})", at(&t), regime.classification.as_str())),
        criteria: record
            .filter(|rec| rec.in_scope())
            .map(|rec| rec.reason.clone()),
        services: (!state.services.is_empty()).then(|| state.services.join(", ")),
        cis: (!state.cis.is_empty()).then(|| state.cis.join(", ")),
        severity: Some(format!(
            "{} (impact {}, urgency {})",
            state.priority, state.impact, state.urgency
        )),
        status: Some(state.status.to_string()),
        category: r.category.clone(),
        restored: state.resolved_at.as_ref().map(at),
        duration: outage,
        discovery: Some(match state.alerts.first() {
            Some(a) => format!(
                "monitoring alert from {} ({}), {}",
                a.source,
                a.title,
                at(&a.at)
            ),
            None => format!("reported by {} {}", r.reporter, at(&r.reported)),
        }),
        third_parties: (!third.is_empty()).then(|| third.join("; ")),
        cause,
        measures: (!measures.is_empty()).then(|| measures.join("; ")),
        fixed_at: state.milestone(MilestoneKind::Fixed).map(|m| at(&m.at)),
        fix: state
            .milestone(MilestoneKind::Fixed)
            .and_then(|m| m.text.clone()),
        resolution: state.resolution.as_ref().map(|res| {
            let closure = config
                .closure_codes
                .get(&res.closure)
                .map(|c| format!(" ({})", c.text()))
                .unwrap_or_default();
            format!("{}; closure {}{closure}", res.summary, res.closure)
        }),
        cross_border: flag(any(|rec| rec.cross_border), "cross-border"),
        recurring: flag(any(|rec| rec.recurring), "recurring"),
        malicious: flag(any(|rec| rec.malicious), "malicious"),
        other_reports: (!others.is_empty()).then(|| others.join("; ")),
        first_reference: record
            .and_then(|rec| rec.submissions.first())
            .map(|s| s.reference.clone()),
        previous_reference: previous,
    }
}

fn field(label: &str, value: &Option<String>) -> Field {
    Field {
        label: label.to_string(),
        value: value.clone().filter(|v| !v.trim().is_empty()),
    }
}

/// A field the record never holds.
fn lacking(label: &str) -> Field {
    field(label, &None)
}

fn section(title: &str, fields: Vec<Field>) -> Section {
    Section {
        title: title.to_string(),
        fields,
    }
}

/// The form's sections, each field filled from what the record holds.
fn sections(form: Form, k: &Known, submission: &str) -> Vec<Section> {
    let reporter = || {
        section(
            "Reporting entity",
            vec![
                field("Name of the entity", &k.entity),
                field("Identifier of the entity", &k.entity_id),
                field("Contact for the authority", &k.contact),
            ],
        )
    };
    match form {
        Form::Nis2EarlyWarning => vec![
            reporter(),
            section(
                "The significant incident",
                vec![
                    field("Incident reference", &k.id),
                    field("Description", &k.description),
                    field("Became aware (detected)", &k.detected),
                    field("Classified significant", &k.classified),
                    field("Why it is significant", &k.criteria),
                    field("Services affected", &k.services),
                    field("Clients affected", &k.client_names),
                    field("Severity so far", &k.severity),
                ],
            ),
            section(
                "Art. 23(4)(a)",
                vec![
                    field(
                        "Suspected of being caused by unlawful or malicious acts",
                        &k.malicious,
                    ),
                    field("Could have a cross-border impact", &k.cross_border),
                ],
            ),
        ],
        Form::Nis2Notification => vec![
            reporter(),
            section(
                "Update of the early warning",
                vec![
                    field("Incident reference", &k.id),
                    field("Early warning reference", &k.previous_reference),
                    field("Description", &k.description),
                    field("Became aware (detected)", &k.detected),
                    field("Impact started", &k.occurred),
                    field("Classified significant", &k.classified),
                    field(
                        "Suspected of being caused by unlawful or malicious acts",
                        &k.malicious,
                    ),
                    field("Cross-border impact", &k.cross_border),
                ],
            ),
            section(
                "Initial assessment (Art. 23(4)(b))",
                vec![
                    field("Severity", &k.severity),
                    field("Services affected", &k.services),
                    field("Configuration items affected", &k.cis),
                    field("Clients affected", &k.client_names),
                    field("Status", &k.status),
                    field("Duration of the impact", &k.duration),
                    field("Cause so far", &k.cause),
                    field("Measures taken", &k.measures),
                    lacking("Indicators of compromise"),
                ],
            ),
        ],
        Form::Nis2FinalReport => vec![
            reporter(),
            section(
                "Final report (Art. 23(4)(d))",
                vec![
                    field("Incident reference", &k.id),
                    field("Incident notification reference", &k.previous_reference),
                    field("Detailed description", &k.description),
                    field("Severity", &k.severity),
                    field("Services affected", &k.services),
                    field("Clients affected", &k.client_names),
                    field("Impact started", &k.occurred),
                    field("Service restored", &k.restored),
                    field("Duration of the impact", &k.duration),
                    field("Type of threat or root cause", &k.cause),
                    field("Mitigation measures applied", &k.measures),
                    field("Permanent fix in", &k.fixed_at),
                    field("Ongoing mitigation measures", &k.fix),
                    field("Cross-border impact", &k.cross_border),
                    field("Recurring", &k.recurring),
                ],
            ),
        ],
        Form::DoraInitial => vec![
            dora_general(k, submission),
            section(
                "Initial notification",
                vec![
                    field("Incident reference code of the financial entity", &k.id),
                    field("Date and time of detection of the incident", &k.detected),
                    field(
                        "Date and time of classification of the incident",
                        &k.classified,
                    ),
                    field("Description of the incident", &k.description),
                    field(
                        "Classification criteria that triggered the incident report",
                        &k.criteria,
                    ),
                    lacking("Member States impacted by the incident"),
                    field("Cross-border impact", &k.cross_border),
                    field("Discovery of the incident", &k.discovery),
                    field("Third-party providers involved", &k.third_parties),
                    lacking("Activation of the business continuity plan"),
                    field("Other information: services affected", &k.services),
                    field("Other information: severity", &k.severity),
                ],
            ),
        ],
        Form::DoraIntermediate => vec![
            dora_general(k, submission),
            section(
                "Intermediate report",
                vec![
                    field(
                        "Incident reference code provided by the competent authority",
                        &k.first_reference,
                    ),
                    field("Incident reference code of the financial entity", &k.id),
                    field("Date and time of occurrence of the incident", &k.occurred),
                    field(
                        "Date and time when services, activities or operations were restored",
                        &k.restored,
                    ),
                    lacking("Number of clients affected"),
                    lacking("Number of financial counterparts affected"),
                    lacking("Amount of transactions affected"),
                    lacking("Reputational impact"),
                    field("Duration of the incident", &k.duration),
                    field("Service downtime", &k.duration),
                    field("Cross-border impact", &k.cross_border),
                    lacking("Data losses"),
                    field("Type of the major ICT-related incident", &k.category),
                    lacking("Threats and techniques used by the threat actor"),
                    field(
                        "Affected functional areas and business processes",
                        &k.services,
                    ),
                    field("Affected infrastructure components", &k.cis),
                    lacking("Impact on the financial interest of clients"),
                    field("Reporting to other authorities", &k.other_reports),
                    field("Temporary actions or measures taken", &k.measures),
                    lacking("Indicators of compromise"),
                    field("Cause so far", &k.cause),
                ],
            ),
        ],
        Form::DoraFinal => vec![
            dora_general(k, submission),
            section(
                "Final report",
                vec![
                    field(
                        "Incident reference code provided by the competent authority",
                        &k.first_reference,
                    ),
                    field("Incident reference code of the financial entity", &k.id),
                    field(
                        "Information about the root causes of the incident",
                        &k.cause,
                    ),
                    lacking("Classification of the root causes"),
                    field("Incident resolution summary", &k.resolution),
                    field(
                        "Date and time when the root cause was addressed",
                        &k.fixed_at,
                    ),
                    field("Date and time when the incident was resolved", &k.restored),
                    field("Permanent resolution", &k.fix),
                    field("Duration of the incident", &k.duration),
                    lacking("Amount of gross direct and indirect costs and losses"),
                    lacking("Amount of financial recoveries"),
                    field("Recurring incident", &k.recurring),
                    lacking("Information relevant for resolution authorities"),
                ],
            ),
        ],
        Form::Generic => vec![
            reporter(),
            section(
                "The incident",
                vec![
                    field("Incident reference", &k.id),
                    field("Previous report reference", &k.previous_reference),
                    field("Description", &k.description),
                    field("Classification", &k.classified),
                    field("Why", &k.criteria),
                    field("Detected", &k.detected),
                    field("Impact started", &k.occurred),
                    field("Service restored", &k.restored),
                    field("Duration of the impact", &k.duration),
                    field("Severity", &k.severity),
                    field("Services affected", &k.services),
                    field("Clients affected", &k.client_names),
                    field("Cause so far", &k.cause),
                    field("Measures taken", &k.measures),
                    field("Cross-border impact", &k.cross_border),
                    field("Recurring", &k.recurring),
                ],
            ),
        ],
    }
}

/// The general information every DORA submission starts with.
fn dora_general(k: &Known, submission: &str) -> Section {
    section(
        "General information",
        vec![
            field("Type of submission", &Some(submission.to_string())),
            field("Name of the entity submitting the report", &k.entity),
            field(
                "Identification code of the entity submitting the report (LEI)",
                &k.entity_id,
            ),
            field("Name of the financial entity affected", &k.client_names),
            lacking("LEI of the financial entity affected"),
            field("Primary contact person", &k.contact),
        ],
    )
}

/// The draft of `stage` of regime `key` for the incident of `state`; `pir` is the
/// text of its `pir.md`, if any.
pub fn build(
    config: &Config,
    incident: &Incident,
    state: &State,
    key: &str,
    stage: &Stage,
    pir: Option<&str>,
) -> Draft {
    let regime = &config.regulations[key];
    let tz = regime.authority.timezone.0;
    let k = known(config, incident, state, key, regime, stage, pir);
    let sections = sections(stage.form, &k, stage.title());
    let missing = sections
        .iter()
        .flat_map(|s| &s.fields)
        .filter(|f| f.value.is_none())
        .map(|f| f.label.clone())
        .collect();
    let status = crate::regulation::status_of(config, state, key);
    let this = status
        .as_ref()
        .and_then(|r| r.stages.iter().find(|s| s.stage == stage.name));
    let record = state.regime(key);
    Draft {
        regime: RegimeView {
            key: key.to_string(),
            name: regime.name.clone(),
            authority: regime.authority.name.clone(),
            authority_contact: regime.authority.contact.clone(),
            timezone: tz.name().to_string(),
        },
        stage: StageView {
            name: stage.name.clone(),
            title: stage.title().to_string(),
            form: stage.form,
            rule: stage.due.to_string(),
            due: this
                .and_then(|s| s.due.as_ref())
                .map(|t| TimeView::new(t, tz)),
            state: this.and_then(|s| s.state).map(|s| s.to_string()),
            submitted: this
                .and_then(|s| s.submitted_at.as_ref())
                .map(|t| TimeView::new(t, tz)),
            reference: this.and_then(|s| s.reference.clone()),
        },
        incident: IncidentView {
            id: incident.id.clone(),
            title: incident.record.title.clone(),
        },
        generated: TimeView::new(&state.now, tz),
        sections,
        missing,
        submissions: record
            .map(|r| {
                r.submissions
                    .iter()
                    .map(|s| SubmissionView {
                        stage: s.stage.clone(),
                        at: TimeView::new(&s.at, tz),
                        by: s.by.clone(),
                        reference: s.reference.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        facts: Facts::new(
            config,
            incident,
            state,
            &Reader::new(Audience::Internal, None),
            None,
        ),
    }
}

/// The draft rendered with the stage's template (the repository's override first).
pub fn render(templates: &Templates, stage: &Stage, draft: &Draft) -> anyhow::Result<String> {
    templates.render(&stage.template(), draft)
}

/// The draft of the built-in template `name` (or of any `notify-*.md`: the generic
/// form) for the sample incident of [`crate::overrides::sample`], with the example
/// regimes: `full` classifies it and records the first submission; else it is not
/// classified at all.
pub fn sample(incident: &Incident, name: &str, full: bool) -> Draft {
    use crate::config::regulation::{EXAMPLE, form_of_template};
    use crate::model::{Classification, Entry, Event};
    let text = format!("{}\n{EXAMPLE}", crate::config::DEFAULT_CONFIG);
    let config =
        Config::parse(std::path::Path::new("mim.yaml"), &text).expect("the example regimes parse");
    let form = form_of_template(name).unwrap_or(Form::Generic);
    let found = config.regulations.iter().find_map(|(key, r)| {
        r.stages
            .iter()
            .find(|s| s.form == form)
            .map(|s| (key.clone(), s.clone()))
    });
    let (key, stage) = found.unwrap_or_else(|| {
        let nis2 = &config.regulations["nis2"];
        let mut stage = nis2.stages[0].clone();
        stage.form = Form::Generic;
        ("nis2".to_string(), stage)
    });
    let regime = &config.regulations[&key];
    let mut incident = incident.clone();
    let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).expect("a sample time");
    if full {
        let word = match regime.classification {
            crate::config::regulation::Word::Significant => Classification::Significant,
            crate::config::regulation::Word::Major => Classification::Major,
        };
        incident.entries.push(Entry {
            at: at("2026-11-24T09:40:00Z"),
            by: "Dana Reyes".into(),
            event: Event::Classify {
                regime: key.clone(),
                outcome: word,
                reason: "Every merchant of a financial client lost card payments".into(),
                cross_border: Some(true),
                recurring: Some(false),
                malicious: Some(false),
            },
        });
        incident.entries.push(Entry {
            at: at("2026-11-24T10:10:00Z"),
            by: "Dana Reyes".into(),
            event: Event::Notify {
                regime: key.clone(),
                stage: regime.stages[0].name.clone(),
                reference: "AUTH-2026-0042".into(),
            },
        });
    }
    let now = at("2026-12-01T12:00:00Z");
    let state = crate::state::derive(&config, &incident, now);
    build(
        &config,
        &incident,
        &state,
        &key,
        &stage,
        Some("## Root cause\n\nThe certificate expired.\n"),
    )
}
