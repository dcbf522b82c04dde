//! The site's HTML pages, from built-in templates (`src/site/templates/`): self-contained
//! (inline CSS, no script, nothing fetched), readable on a phone and on paper.

use serde::Serialize;

use crate::render::Templates;

use super::{ClientPage, Site};

static TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("client.html", include_str!("templates/client.html")),
    ("incident.html", include_str!("templates/incident.html")),
    ("overview.html", include_str!("templates/overview.html")),
];

#[derive(Serialize)]
struct ClientContext<'a> {
    site: &'a Site,
    page: &'a ClientPage,
}

#[derive(Serialize)]
struct OverviewContext<'a> {
    site: &'a Site,
}

fn templates() -> Templates {
    Templates::with_defaults(None, TEMPLATES)
}

/// `<client>/index.html`.
pub fn client(site: &Site, page: &ClientPage) -> anyhow::Result<String> {
    templates().render("client.html", ClientContext { site, page })
}

#[derive(Serialize)]
struct IncidentContext<'a> {
    site: &'a Site,
    page: &'a ClientPage,
    i: &'a super::PageIncident,
}

/// `<client>/incidents/<id>.html`: one incident as that client sees it, with its updates.
pub fn incident(site: &Site, page: &ClientPage, i: &super::PageIncident) -> anyhow::Result<String> {
    templates().render("incident.html", IncidentContext { site, page, i })
}

/// `index.html`: every incident on the site, with links to the client pages.
pub fn overview(site: &Site) -> anyhow::Result<String> {
    templates().render("overview.html", OverviewContext { site })
}
