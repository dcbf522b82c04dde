//! A client's Atom feed (RFC 4287): one entry per incident on its page, updated when
//! the client can see something new (a client update, the restoration).

use std::fmt::Write as _;

use crate::time;

use super::{ClientPage, PageIncident, Site};

/// `<client>/feed.xml`. Links are relative to the feed unless `base` (the site's URL)
/// is given.
pub fn feed(site: &Site, page: &ClientPage, base: Option<&str>) -> String {
    // Relative links resolve against the feed's own URL, which is in the client's folder.
    let base = match base {
        Some(url) => format!("{}/{}/", url.trim_end_matches('/'), page.key),
        None => String::new(),
    };
    let updated = page
        .incidents()
        .map(|i| i.updated)
        .max()
        .unwrap_or(site.generated_at);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(
        out,
        "  <id>{}</id>",
        xml(&format!("urn:mim:status:{}", page.key))
    );
    let _ = writeln!(
        out,
        "  <title>{}</title>",
        xml(&format!("{} service status", page.name))
    );
    let _ = writeln!(out, "  <updated>{}</updated>", time::format(&updated));
    let _ = writeln!(out, "  <author><name>{}</name></author>", xml(&site.org));
    let _ = writeln!(
        out,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        xml(&format!("{base}feed.xml"))
    );
    let _ = writeln!(
        out,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml(&format!("{base}index.html"))
    );
    for incident in page.incidents() {
        entry(&mut out, incident, &base);
    }
    out.push_str("</feed>\n");
    out
}

fn entry(out: &mut String, i: &PageIncident, base: &str) {
    out.push_str("  <entry>\n");
    let _ = writeln!(
        out,
        "    <id>{}</id>",
        xml(&format!("urn:mim:incident:{}", i.id))
    );
    let _ = writeln!(
        out,
        "    <title>{}</title>",
        xml(&format!("{}: {}", i.status, i.title))
    );
    let _ = writeln!(out, "    <updated>{}</updated>", time::format(&i.updated));
    let _ = writeln!(
        out,
        "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml(&format!("{base}{}", i.page))
    );
    let mut summary = format!("{} · {}", i.service, i.status);
    if let Some(line) = &i.status_line {
        let _ = write!(summary, " · {line}");
    }
    let _ = writeln!(out, "    <summary>{}</summary>", xml(&summary));
    let mut html = String::new();
    let _ = write!(html, "<p>{}</p>", esc(i.status_text));
    if let Some(restored) = &i.restored {
        let _ = write!(html, "<p>Service restored at {}.</p>", esc(restored));
        if let Some(text) = &i.restoral {
            let _ = write!(html, "<p>{}</p>", esc(text));
        }
    } else if let Some(eta) = &i.eta {
        let _ = write!(html, "<p>Expected restoration: {}.</p>", esc(eta));
    }
    for u in &i.updates {
        let _ = write!(html, "<h4>Update {} · {}</h4>", u.number, esc(&u.at));
        if let Some(line) = &u.status_line {
            let _ = write!(html, "<p><strong>{}</strong></p>", esc(line));
        }
        html.push_str(&u.body_html);
    }
    let _ = writeln!(out, "    <content type=\"html\">{}</content>", xml(&html));
    out.push_str("  </entry>\n");
}

fn esc(text: &str) -> String {
    crate::render::markdown::escape(text)
}

/// Escapes text for XML element content and attribute values.
fn xml(text: &str) -> String {
    crate::render::markdown::escape_xml(text)
}
