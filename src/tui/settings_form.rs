//! The company settings overlay (`e`): name, proxy, country and note as
//! they are (the proxy's password as •••). Only the fields that were
//! edited are sent, checked by the same words the CLI and the API take.

use tui_input::Input;

use crate::domain::{RawChange, SettingsChange, SettingsView};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SettingsField {
    #[default]
    Name,
    Proxy,
    Country,
    Note,
}

impl SettingsField {
    pub const ALL: [Self; 4] = [Self::Name, Self::Proxy, Self::Country, Self::Note];

    fn next(self) -> Self {
        let i = Self::ALL.iter().position(|f| *f == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

#[derive(Debug, Clone)]
pub struct SettingsForm {
    pub company: i64,
    pub slug: String,
    inputs: [Input; 4],
    /// What each field held when the form opened.
    was: [String; 4],
    pub field: SettingsField,
    /// Why the last Enter could not save.
    pub error: Option<String>,
}

/// Nothing was edited: Enter just closes the form.
#[derive(Debug, PartialEq, Eq)]
pub struct Unchanged;

impl SettingsForm {
    pub fn new(company: i64, view: &SettingsView) -> Self {
        let was = [
            view.name.clone(),
            view.proxy.clone(),
            view.country.clone().unwrap_or_else(|| "default".into()),
            view.note.clone(),
        ];
        Self {
            company,
            slug: view.slug.clone(),
            inputs: was.clone().map(Input::new),
            was,
            field: SettingsField::Name,
            error: None,
        }
    }

    pub fn input(&self, field: SettingsField) -> &Input {
        &self.inputs[field as usize]
    }

    pub fn edit(&mut self, req: tui_input::InputRequest) {
        self.inputs[self.field as usize].handle(req);
        self.error = None;
    }

    pub fn next_field(&mut self) {
        self.field = self.field.next();
    }

    /// The change the edited fields make; `Err(Some(why))` when it cannot
    /// be made, `Err(None)` when nothing was edited.
    pub fn change(&self) -> Result<SettingsChange, Option<String>> {
        let edited = |f: SettingsField| {
            let now = self.input(f).value();
            (now != self.was[f as usize]).then(|| now.to_owned())
        };
        let raw = RawChange {
            name: edited(SettingsField::Name),
            proxy: edited(SettingsField::Proxy),
            country: edited(SettingsField::Country),
            note: edited(SettingsField::Note),
            ..RawChange::default()
        };
        if raw == RawChange::default() {
            return Err(None);
        }
        // The shown address hides the password: it cannot be saved back.
        if raw.proxy.as_deref().is_some_and(|p| p.contains('•')) {
            return Err(Some(
                "type the proxy's password again: it is never shown".into(),
            ));
        }
        SettingsChange::parse(&raw).map_err(|e| Some(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ProxyChoice, ProxyUrl};
    use tui_input::InputRequest;

    fn view() -> SettingsView {
        SettingsView {
            slug: "acme".into(),
            name: "Acme".into(),
            proxy: "socks5://alice:•••@10.0.0.5:1080".into(),
            proxy_in_use: Some("socks5://alice:•••@10.0.0.5:1080".into()),
            country: None,
            note: String::new(),
            send_per_minute: None,
            new_chats_per_day: None,
        }
    }

    fn retype(form: &mut SettingsForm, text: &str) {
        for _ in 0..80 {
            form.edit(InputRequest::DeletePrevChar);
        }
        for c in text.chars() {
            form.edit(InputRequest::InsertChar(c));
        }
    }

    #[test]
    fn only_what_was_edited_is_sent() {
        let mut form = SettingsForm::new(1, &view());
        assert_eq!(form.change(), Err(None));
        form.field = SettingsField::Country;
        retype(&mut form, "de");
        let change = form.change().expect("change");
        assert_eq!(change.country, Some(Some("DE".into())));
        assert_eq!((change.proxy, change.name), (None, None));
    }

    #[test]
    fn a_shown_password_cannot_be_saved_back() {
        let mut form = SettingsForm::new(1, &view());
        form.field = SettingsField::Proxy;
        form.edit(InputRequest::DeletePrevChar);
        form.edit(InputRequest::InsertChar('1'));
        assert_eq!(
            form.change(),
            Err(Some(
                "type the proxy's password again: it is never shown".into()
            ))
        );
        retype(&mut form, "socks5://alice:new@10.0.0.5:1081");
        let want = ProxyUrl::parse("socks5://alice:new@10.0.0.5:1081").expect("url");
        assert_eq!(
            form.change().expect("change").proxy,
            Some(ProxyChoice::Via(want))
        );
        retype(&mut form, "socks4://x:1");
        assert!(
            form.change()
                .unwrap_err()
                .is_some_and(|e| e.starts_with("proxy: ")),
        );
    }
}
