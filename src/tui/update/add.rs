//! The add form's keys: what typing, Tab, Enter and Esc do to `App`.

use crate::domain::{DisplayName, Slug};
use crate::tui::add_form::AddField;
use crate::tui::app::{App, Overlay};
use crate::tui::msg::{Action, Effect};

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
