//! The "add a company" overlay: slug and name, checked as they are typed
//! (and again on submit) with the domain's own sentences.

use tui_input::Input;

use crate::domain::{DisplayName, Slug};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddField {
    #[default]
    Slug,
    Name,
}

#[derive(Debug, Clone, Default)]
pub struct AddForm {
    pub slug: Input,
    pub name: Input,
    pub field: AddField,
    /// Shown under each field while what is typed cannot work.
    pub slug_error: Option<String>,
    pub name_error: Option<String>,
}

impl AddForm {
    pub(super) fn check(&mut self, taken: impl Fn(&str) -> bool) -> Option<(Slug, DisplayName)> {
        let slug = Slug::parse(self.slug.value())
            .map_err(|e| e.to_string())
            .and_then(|s| {
                if taken(s.as_str()) {
                    Err(format!("a company with the slug {s} already exists"))
                } else {
                    Ok(s)
                }
            });
        let name = DisplayName::parse(self.name.value()).map_err(|e| e.to_string());
        self.slug_error = slug.as_ref().err().cloned();
        self.name_error = name.as_ref().err().cloned();
        match (slug, name) {
            (Ok(slug), Ok(name)) => Some((slug, name)),
            (Err(_), _) => {
                self.field = AddField::Slug;
                None
            }
            (Ok(_), Err(_)) => {
                self.field = AddField::Name;
                None
            }
        }
    }
}
