//! The "add a company" overlay: slug and name, checked as they are typed
//! (and again on submit) with the domain's own sentences.

use tui_input::Input;

use crate::domain::{DisplayName, Slug};

use super::app::{App, Overlay};
use super::msg::{Action, Effect};

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
    fn check(&mut self, taken: impl Fn(&str) -> bool) -> Option<(Slug, DisplayName)> {
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

impl App {
    pub(crate) fn on_add_form(&mut self, action: Action) -> Vec<Effect> {
        let taken: Vec<String> = self.rows.iter().map(|r| r.slug.clone()).collect();
        let Some(Overlay::Add(form)) = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::EditAddField(req) => match form.field {
                // An empty field is not wrong yet: say nothing until typed.
                AddField::Slug => {
                    form.slug.handle(req);
                    let typed = form.slug.value();
                    form.slug_error = (!typed.is_empty())
                        .then(|| Slug::parse(typed).err().map(|e| e.to_string()))
                        .flatten();
                }
                AddField::Name => {
                    form.name.handle(req);
                    let typed = form.name.value();
                    form.name_error = (!typed.is_empty())
                        .then(|| DisplayName::parse(typed).err().map(|e| e.to_string()))
                        .flatten();
                }
            },
            Action::NextAddField => {
                form.field = match form.field {
                    AddField::Slug => AddField::Name,
                    AddField::Name => AddField::Slug,
                };
            }
            Action::SubmitAdd => {
                // Enter on the slug moves on to the name, as in most forms.
                if form.field == AddField::Slug && form.name.value().is_empty() {
                    form.field = AddField::Name;
                    return Vec::new();
                }
                if let Some((slug, name)) = form.check(|s| taken.iter().any(|t| t == s)) {
                    self.overlay = None;
                    return vec![Effect::AddCompany { slug, name }];
                }
            }
            Action::Back => self.overlay = None,
            _ => {}
        }
        Vec::new()
    }
}
