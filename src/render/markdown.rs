//! Markdown to HTML for the HTML part of e-mails: GFM extensions on, user HTML shown as text.

use comrak::{Options, markdown_to_html};

/// Renders `markdown` as an HTML fragment. Raw HTML in the input is escaped, never passed through.
pub fn to_html(markdown: &str) -> String {
    markdown_to_html(markdown, &options())
}

/// The options both parts of an e-mail are rendered with.
pub(super) fn options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.render.r#unsafe = false;
    options.render.escape = true;
    options
}

/// A complete e-mail HTML document around `body_html`: the organisation's header (its
/// logo and colour), the body, and a footer with how to reach the service desk and the
/// incident's `reference`; inline styles only (mail clients drop `<link>` and often
/// `<style>`), headings sized inline too, a width that fits a phone. `title` is escaped.
pub fn html_document(
    title: &str,
    body_html: &str,
    brand: &crate::render::brand::Brand,
    reference: &str,
) -> String {
    let logo = brand
        .logo
        .as_deref()
        .map(|uri| {
            format!(
                "<img src=\"{}\" alt=\"\" height=\"28\" style=\"height:28px;vertical-align:middle;margin-right:8px;border:0\">",
                escape(uri)
            )
        })
        .unwrap_or_default();
    let mut footer = vec![format!("Reference: {}", escape(reference))];
    if let Some(contact) = &brand.support_contact {
        footer.insert(0, escape(contact));
    }
    format!(
        concat!(
            "<!DOCTYPE html>\n",
            "<html lang=\"en\">\n",
            "<head>\n",
            "<meta charset=\"utf-8\">\n",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            "<title>{title}</title>\n",
            "</head>\n",
            "<body style=\"{BODY_STYLE}\">\n",
            "<div style=\"{MAIN_STYLE}\">\n",
            "<div style=\"background:{colour};color:#ffffff;padding:10px 16px;border-radius:6px 6px 0 0;font-weight:600\">{logo}{org}</div>\n",
            "<div style=\"padding:4px 16px 12px;border:1px solid #d0d7de;border-top:0;border-radius:0 0 6px 6px\">\n",
            "{body}",
            "</div>\n",
            "<p style=\"color:#57606a;font-size:13px;margin:12px 16px\">{footer}</p>\n",
            "</div>\n",
            "</body>\n",
            "</html>\n",
        ),
        title = escape(title),
        BODY_STYLE = BODY_STYLE,
        MAIN_STYLE = MAIN_STYLE,
        colour = escape(&brand.colour),
        logo = logo,
        org = escape(&brand.name),
        body = styled_headings(body_html),
        footer = footer.join(" · "),
    )
}

/// Headings sized inline (a mail client's default `h1` is 32px and wraps on a phone).
fn styled_headings(html: &str) -> String {
    html.replace(
        "<h1>",
        "<h1 style=\"font-size:20px;line-height:1.3;margin:12px 0 8px\">",
    )
    .replace(
        "<h2>",
        "<h2 style=\"font-size:17px;line-height:1.3;margin:16px 0 6px\">",
    )
}

/// The style sheet of mim's reports (the KPI report, the PIR report): inline, for one
/// self-contained file that reads on screen and on paper.
pub const REPORT_STYLE: &str = "\
:root{color-scheme:light}
body{margin:0;background:#f6f8fa;color:#1f2328;font:15px/1.5 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif}
main{max-width:960px;margin:0 auto;padding:24px 32px;background:#fff}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid #d0d7de}
h3{font-size:15px;margin:16px 0 6px}
p.meta{color:#57606a;margin:0 0 16px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:8px 24px}
table{border-collapse:collapse;width:100%;margin:0 0 12px;font-size:14px}
th,td{padding:4px 8px;border-bottom:1px solid #d8dee4;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
th{background:#f6f8fa;font-weight:600}
td.text,th.text{text-align:left}
figure{margin:12px 0 20px}
figcaption{font-weight:600;margin-bottom:4px}
main.doc th,main.doc td{text-align:left}
ol.key{margin:4px 0 0;padding-left:28px;font-size:13px;color:#1f2328}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;background:#f6f8fa;padding:1px 4px;border-radius:4px}
@media print{
 body{background:#fff;font-size:11pt}
 main{max-width:none;padding:0}
 h2{break-after:avoid}
 table,figure{break-inside:avoid}
 @page{margin:15mm}
}
";

/// A report as one HTML file: `body_html` in the reports' style; `title` is escaped.
/// Text columns of Markdown tables stay left-aligned (`main.doc`).
pub fn report_document(
    title: &str,
    body_html: &str,
    brand: &crate::render::brand::Brand,
) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{REPORT_STYLE}</style>\n</head>\n<body>\n<main class=\"doc\">\n{}{body_html}{}</main>\n</body>\n</html>\n",
        escape(title),
        brand.bar(),
        brand.footer()
    )
}

const BODY_STYLE: &str = "margin:0;padding:16px;background:#ffffff;color:#1f2328;\
font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5";
const MAIN_STYLE: &str = "max-width:640px;margin:0 auto";

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    markup(text, Markup::Html)
}

/// Escapes text for XML element content and attribute values (the Atom feeds); the
/// characters XML 1.0 cannot carry at all are left out.
pub fn escape_xml(text: &str) -> String {
    markup(text, Markup::Xml)
}

#[derive(Clone, Copy, PartialEq)]
enum Markup {
    Html,
    Xml,
}

fn markup(text: &str, kind: Markup) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' if kind == Markup::Html => out.push_str("&#39;"),
            c if kind == Markup::Xml && (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped() {
        let html = to_html("Before\n\n<script>alert(1)</script>\n\nand <b>inline</b>");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;inline&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn gfm_extensions_are_on() {
        let md = "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ see https://status.example.com\n\n- [x] done\n- [ ] open\n";
        let html = to_html(md);
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>gone</del>"), "{html}");
        assert!(
            html.contains("<a href=\"https://status.example.com\">"),
            "{html}"
        );
        assert!(html.contains("type=\"checkbox\""), "{html}");
    }

    #[test]
    fn javascript_links_are_dropped() {
        let html = to_html("[click](javascript:alert(1))");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn document_escapes_title_and_keeps_body() {
        let brand = crate::render::brand::Brand {
            name: "Example & Co".into(),
            colour: "#0b5cad".into(),
            logo: None,
            support_contact: Some("Service desk <+44 20 7946 0000>".into()),
        };
        let doc = html_document(
            "P1 <outage> & \"more\"",
            "<h1>Title</h1>\n<p>Body</p>\n",
            &brand,
            "2026-11-24-x",
        );
        assert!(doc.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n"));
        assert!(doc.contains("<title>P1 &lt;outage&gt; &amp; &quot;more&quot;</title>"));
        assert!(doc.contains("<p>Body</p>\n</div>\n"));
        assert!(doc.contains("background:#0b5cad") && doc.contains(">Example &amp; Co</div>"));
        assert!(doc.contains("Service desk &lt;+44 20 7946 0000&gt; · Reference: 2026-11-24-x"));
        assert!(doc.contains("<h1 style=\"font-size:20px"));
        assert!(!doc.contains("<style") && !doc.contains("<link"));
    }
}
