//! The organisation as its e-mails, status pages and reports show it: name, brand colour,
//! logo (a repository file, embedded inline) and how to reach the service desk
//! (`organization.colour`, `.logo`, `.support_contact` in mim.yaml).

use std::path::Path;

use anyhow::Context as _;
use base64::Engine as _;
use serde::Serialize;

use crate::config::{Config, logo_type};

/// The colour when `organization.colour` is not set.
pub const DEFAULT_COLOUR: &str = "#0969da";

#[derive(Clone, Debug, Default, Serialize)]
pub struct Brand {
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    /// The logo as a `data:` URI, ready for `<img src>`.
    pub logo: Option<String>,
    pub support_contact: Option<String>,
}

impl Brand {
    /// The brand of the repository at `root`: its logo is read (never through a symbolic
    /// link, at most [`crate::limits::LOGO_BYTES`]) and embedded.
    pub fn load(config: &Config, root: &Path) -> anyhow::Result<Brand> {
        let org = &config.organization;
        let logo = match &org.logo {
            None => None,
            Some(name) => Some(data_uri(root, name)?),
        };
        Ok(Brand {
            name: org.name.clone(),
            colour: org
                .colour
                .clone()
                .unwrap_or_else(|| DEFAULT_COLOUR.to_string()),
            logo,
            support_contact: org.support_contact.clone(),
        })
    }

    /// The brand without reading anything: no logo (for samples and tests).
    pub fn plain(config: &Config) -> Brand {
        Brand {
            name: config.organization.name.clone(),
            colour: config
                .organization
                .colour
                .clone()
                .unwrap_or_else(|| DEFAULT_COLOUR.to_string()),
            logo: None,
            support_contact: config.organization.support_contact.clone(),
        }
    }
}

impl Brand {
    /// The organisation's bar at the top of a report: its logo and name on its colour.
    pub fn bar(&self) -> String {
        use crate::render::markdown::escape;
        let logo = self
            .logo
            .as_deref()
            .map(|uri| {
                format!(
                    "<img src=\"{}\" alt=\"\" style=\"height:32px;vertical-align:middle;margin-right:10px\">",
                    escape(uri)
                )
            })
            .unwrap_or_default();
        format!(
            "<div class=\"brand\" style=\"background:{};color:#ffffff;padding:10px 16px;margin:0 0 16px;border-radius:6px;font-weight:600\">{logo}{}</div>\n",
            escape(&self.colour),
            escape(&self.name)
        )
    }

    /// The footer of a report: how to reach the service desk, when set.
    pub fn footer(&self) -> String {
        self.support_contact
            .as_deref()
            .map(|c| {
                format!(
                    "<p class=\"meta\" style=\"margin-top:24px\">{}</p>\n",
                    crate::render::markdown::escape(c)
                )
            })
            .unwrap_or_default()
    }
}

fn data_uri(root: &Path, name: &str) -> anyhow::Result<String> {
    let kind = logo_type(name)
        .with_context(|| format!("organization.logo `{name}` is not a .png, .jpg, .gif or .svg"))?;
    let rel = Path::new(name);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        anyhow::bail!("organization.logo `{name}` must be a file inside the repository");
    }
    let path = root.join(rel);
    let bytes = crate::safe_fs::read(root, &path)
        .with_context(|| format!("reading the logo {name} (organization.logo)"))?;
    if bytes.len() as u64 > crate::limits::LOGO_BYTES {
        anyhow::bail!(
            "the logo {name} is {} KiB; organization.logo may be {} KiB at most",
            bytes.len() / 1024,
            crate::limits::LOGO_BYTES / 1024
        );
    }
    Ok(format!(
        "data:{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_embedded_and_kept_inside_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("logo.svg"), "<svg/>").unwrap();
        let uri = data_uri(dir.path(), "logo.svg").unwrap();
        assert_eq!(uri, "data:image/svg+xml;base64,PHN2Zy8+");
        assert!(data_uri(dir.path(), "../logo.svg").is_err());
        assert!(data_uri(dir.path(), "/etc/passwd.png").is_err());
        assert!(data_uri(dir.path(), "logo.exe").is_err());
        assert_eq!(logo_type("Brand.PNG"), Some("image/png"));
    }
}
