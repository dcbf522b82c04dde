//! Markdown to plain text, for the text part of e-mails: from the same parse as the HTML
//! part, written the way a person types a plain e-mail. Headings are underlined (`===`,
//! `---`), `**strong**` becomes `*strong*` and `_emphasis_` stays `_emphasis_`, lists keep
//! their `-` and `1.` markers with wrapped lines indented under the text, links read
//! `text <url>`, quotes keep `> `, code is indented. Nothing is escaped: it is text.

use comrak::nodes::{AstNode, ListDelimType, ListType, NodeValue};
use comrak::{Arena, parse_document};

/// The plain-text rendering of `markdown`, ending in a newline.
pub fn to_text(markdown: &str) -> String {
    let arena = Arena::new();
    let root = parse_document(&arena, markdown, &super::markdown::options());
    let mut text = block(root);
    text.push('\n');
    text
}

/// A block and its children, without a trailing newline.
fn block<'a>(node: &'a AstNode<'a>) -> String {
    let value = node.data.borrow().value.clone();
    match value {
        NodeValue::Paragraph => inlines(node),
        NodeValue::Heading(h) => {
            let title = inlines(node);
            let width = title.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            match h.level {
                1 => format!("{title}\n{}", "=".repeat(width)),
                2 => format!("{title}\n{}", "-".repeat(width)),
                _ => title,
            }
        }
        NodeValue::ThematicBreak => "-".repeat(40),
        NodeValue::BlockQuote | NodeValue::MultilineBlockQuote(_) => {
            prefix_lines(&blocks(node, "\n\n"), "> ", ">")
        }
        NodeValue::List(list) => {
            let separator = if list.tight { "\n" } else { "\n\n" };
            node.children()
                .enumerate()
                .map(|(i, item)| list_item(item, &list, i, separator))
                .collect::<Vec<_>>()
                .join(separator)
        }
        NodeValue::CodeBlock(code) => prefix_lines(code.literal.trim_end_matches('\n'), "    ", ""),
        NodeValue::HtmlBlock(html) => html.literal.trim_end().to_string(),
        NodeValue::Table(_) => table(node),
        NodeValue::FrontMatter(_) => String::new(),
        _ => blocks(node, "\n\n"),
    }
}

/// The children of `node`, each a block, separated by `separator`.
fn blocks<'a>(node: &'a AstNode<'a>, separator: &str) -> String {
    node.children()
        .map(block)
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join(separator)
}

fn list_item<'a>(
    item: &'a AstNode<'a>,
    list: &comrak::nodes::NodeList,
    index: usize,
    separator: &str,
) -> String {
    let mut marker = match list.list_type {
        ListType::Bullet => format!("{} ", char::from(list.bullet_char)),
        ListType::Ordered => format!(
            "{}{} ",
            list.start + index,
            match list.delimiter {
                ListDelimType::Period => '.',
                ListDelimType::Paren => ')',
            }
        ),
    };
    if let NodeValue::TaskItem(task) = &item.data.borrow().value {
        marker.push_str(if task.symbol.is_some() {
            "[x] "
        } else {
            "[ ] "
        });
    }
    let body = blocks(item, separator);
    let indent = " ".repeat(marker.chars().count());
    let mut lines = body.lines();
    let mut out = format!("{marker}{}", lines.next().unwrap_or_default());
    for line in lines {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&indent);
            out.push_str(line);
        }
    }
    out
}

/// A table as rows of cells joined with ` | `, the header row underlined.
fn table<'a>(node: &'a AstNode<'a>) -> String {
    let mut out = Vec::new();
    for row in node.children() {
        let header = matches!(row.data.borrow().value, NodeValue::TableRow(true));
        let line = row
            .children()
            .map(|cell| inlines(cell).replace('\n', " "))
            .collect::<Vec<_>>()
            .join(" | ");
        let width = line.chars().count();
        out.push(line);
        if header {
            out.push("-".repeat(width));
        }
    }
    out.join("\n")
}

/// The inline content of `node` as text.
fn inlines<'a>(node: &'a AstNode<'a>) -> String {
    node.children().map(inline).collect()
}

fn inline<'a>(node: &'a AstNode<'a>) -> String {
    let value = node.data.borrow().value.clone();
    match value {
        NodeValue::Text(text) => text.to_string(),
        NodeValue::SoftBreak | NodeValue::LineBreak => "\n".to_string(),
        NodeValue::Code(code) => code.literal,
        NodeValue::HtmlInline(html) | NodeValue::Raw(html) => html,
        NodeValue::Emph => format!("_{}_", inlines(node)),
        NodeValue::Strong => format!("*{}*", inlines(node)),
        NodeValue::Strikethrough => format!("~{}~", inlines(node)),
        NodeValue::Link(link) => {
            let text = inlines(node);
            let bare = link.url.strip_prefix("mailto:").unwrap_or(&link.url);
            if link.url.is_empty() || text == link.url || text == bare {
                text
            } else {
                format!("{text} <{}>", link.url)
            }
        }
        NodeValue::Image(link) => {
            let alt = inlines(node);
            if alt.is_empty() {
                format!("<{}>", link.url)
            } else {
                format!("{alt} <{}>", link.url)
            }
        }
        _ => inlines(node),
    }
}

/// `text` with `prefix` before each line (`empty` before blank ones).
fn prefix_lines(text: &str, prefix: &str, empty: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                empty.to_string()
            } else {
                format!("{prefix}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_emphasis_lists_and_links_read_as_typed() {
        let md = "# Payments — Update 2\n\n**Current status:** Degraded, _for now_.\n\n## What we are doing\n\n- held the queue\n- failing over\n  to DC2\n\n1. first\n2. second\n\nSee [the status page](https://status.example.com) or https://x.example or <ops@msp.example>.\n";
        assert_eq!(
            to_text(md),
            "Payments — Update 2\n===================\n\n\
             *Current status:* Degraded, _for now_.\n\n\
             What we are doing\n-----------------\n\n\
             - held the queue\n- failing over\n  to DC2\n\n\
             1. first\n2. second\n\n\
             See the status page <https://status.example.com> or https://x.example or ops@msp.example.\n"
        );
    }

    #[test]
    fn quotes_code_tables_and_tasks() {
        let md = "> quoted\n>\n> more\n\n    code line\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] open\n\n~~gone~~ `x = 1`\n\n---\n";
        assert_eq!(
            to_text(md),
            "> quoted\n>\n> more\n\n    code line\n\na | b\n-----\n1 | 2\n\n- [x] done\n- [ ] open\n\n~gone~ x = 1\n\n----------------------------------------\n"
        );
    }

    #[test]
    fn loose_and_nested_lists_keep_their_shape() {
        let md = "- one\n\n  more about one\n\n- two\n  - two a\n  - two b\n";
        assert_eq!(
            to_text(md),
            "- one\n\n  more about one\n\n- two\n\n  - two a\n  - two b\n"
        );
    }

    #[test]
    fn user_text_is_text_not_markup() {
        let md = "Restarting <script>alert('x')</script> now: {{ 7*7 }}\n\n<div>block</div>\n";
        assert_eq!(
            to_text(md),
            "Restarting <script>alert('x')</script> now: {{ 7*7 }}\n\n<div>block</div>\n"
        );
    }
}
