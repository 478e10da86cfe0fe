//! Keys → Actions, per focus. Pure: no App, no I/O. Text fields hand the
//! key to tui-input, which leaves Tab alone so Tab can switch things.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::backend::crossterm::to_input_request;

use super::app::Focus;
use super::msg::{Action, Msg, QuitCause};

/// The whole key → Msg step the loop needs: Ctrl-C and `q` on the table
/// quit; everything else goes through `map`.
pub fn to_msg(focus: Focus, key: &KeyEvent) -> Option<Msg> {
    if !is_press(key) {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Msg::Quit(QuitCause::CtrlC));
    }
    if focus == Focus::Table && plain_char(key) == Some('q') {
        return Some(Msg::Quit(QuitCause::Key));
    }
    map(focus, key).map(Msg::Action)
}

pub fn map(focus: Focus, key: &KeyEvent) -> Option<Action> {
    if !is_press(key) {
        return None;
    }
    match focus {
        Focus::Table => table(key),
        Focus::Filter => filter(key),
        Focus::Form => form(key),
        Focus::Attempt => attempt(key),
        Focus::AddForm | Focus::SettingsForm => add_form(key),
        Focus::Confirm => confirm(key),
        Focus::Help => help(key),
        Focus::Invite => invite(key),
        Focus::Messages => messages(key),
        Focus::TestNumber => test_number(key),
    }
}

/// Releases arrive on some terminals (Windows, kitty protocol); a key must
/// act once.
fn is_press(key: &KeyEvent) -> bool {
    matches!(key.kind, KeyEventKind::Press | KeyEventKind::Repeat)
}

/// The character of a key typed without Ctrl/Alt (Shift is part of the
/// character already: `L`, `!`, `?`).
fn plain_char(key: &KeyEvent) -> Option<char> {
    let mods = key.modifiers - KeyModifiers::SHIFT;
    match key.code {
        KeyCode::Char(c) if mods.is_empty() => Some(c),
        _ => None,
    }
}

/// Moving through a list, shared by the table and the filter field.
fn movement(key: &KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Down => Action::SelectNext,
        KeyCode::Up => Action::SelectPrev,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        _ => return None,
    })
}

fn text(key: &KeyEvent) -> Option<tui_input::InputRequest> {
    to_input_request(&Event::Key(*key))
}

fn table(key: &KeyEvent) -> Option<Action> {
    if let Some(a) = movement(key) {
        return Some(a);
    }
    match key.code {
        KeyCode::Home => return Some(Action::SelectFirst),
        KeyCode::End => return Some(Action::SelectLast),
        KeyCode::Enter => return Some(Action::OpenPairing),
        KeyCode::Esc => return Some(Action::Back),
        _ => {}
    }
    Some(match plain_char(key)? {
        'j' => Action::SelectNext,
        'k' => Action::SelectPrev,
        'g' => Action::SelectFirst,
        'G' => Action::SelectLast,
        '/' => Action::StartFilter,
        '!' => Action::ToggleNotConnected,
        '?' => Action::ShowHelp,
        'a' => Action::AddCompany,
        'd' => Action::RemoveCompany,
        'L' => Action::LogoutCompany,
        'l' => Action::ToggleLog,
        'r' => Action::RestartLink,
        'f' => Action::InjectFault,
        'i' => Action::Invite,
        'm' => Action::OpenMessages,
        'e' => Action::EditSettings,
        't' => Action::TestMessage,
        _ => return None,
    })
}

fn messages(key: &KeyEvent) -> Option<Action> {
    if key.code == KeyCode::Esc {
        return Some(Action::Back);
    }
    match plain_char(key)? {
        'q' => Some(Action::Back),
        'v' => Some(Action::ToggleText),
        't' => Some(Action::TestMessage),
        _ => None,
    }
}

fn test_number(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Enter => Some(Action::SubmitTest),
        _ => text(key).map(Action::EditTestNumber),
    }
}

fn invite(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Esc | KeyCode::Enter => return Some(Action::Back),
        _ => {}
    }
    match plain_char(key)? {
        'q' => Some(Action::Back),
        'c' => Some(Action::CopyCode),
        'n' => Some(Action::Invite),
        '?' => Some(Action::ShowHelp),
        _ => None,
    }
}

fn filter(key: &KeyEvent) -> Option<Action> {
    if let Some(a) = movement(key) {
        return Some(a);
    }
    match key.code {
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Enter => Some(Action::Confirm),
        _ => text(key).map(Action::EditFilter),
    }
}

fn form(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Enter => Some(Action::SubmitLink),
        KeyCode::Tab | KeyCode::BackTab => Some(Action::SwitchMethod),
        // A phone number never holds '?', so it can still open help.
        KeyCode::Char('?') => Some(Action::ShowHelp),
        KeyCode::F(1) => Some(Action::ShowHelp),
        _ => text(key).map(Action::EditPhone),
    }
}

fn attempt(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Esc => return Some(Action::Back),
        KeyCode::Tab | KeyCode::BackTab => return Some(Action::SwitchMethod),
        _ => {}
    }
    Some(match plain_char(key)? {
        'q' => Action::Back,
        'c' => Action::CopyCode,
        'r' => Action::RestartLink,
        'x' => Action::CancelLink,
        'F' => Action::ConfirmForce,
        'l' => Action::ToggleLog,
        '?' => Action::ShowHelp,
        'p' => Action::PlayPhone,
        'f' => Action::InjectFault,
        _ => return None,
    })
}

fn add_form(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Enter => Some(Action::SubmitAdd),
        KeyCode::Tab | KeyCode::BackTab => Some(Action::NextAddField),
        _ => text(key).map(Action::EditAddField),
    }
}

fn confirm(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Enter => return Some(Action::Confirm),
        KeyCode::Esc => return Some(Action::Deny),
        _ => {}
    }
    match plain_char(key)? {
        'y' | 'Y' => Some(Action::Confirm),
        'n' | 'N' | 'q' => Some(Action::Deny),
        _ => None,
    }
}

fn help(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('?') => {
            Some(Action::Back)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tui_input::InputRequest;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ch(c: char) -> KeyEvent {
        let mods = if c.is_ascii_uppercase() || "!?".contains(c) {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        KeyEvent::new(KeyCode::Char(c), mods)
    }

    #[test]
    fn table_keys_are_k9s_like() {
        let cases = [
            (ch('j'), Action::SelectNext),
            (key(KeyCode::Up), Action::SelectPrev),
            (key(KeyCode::End), Action::SelectLast),
            (key(KeyCode::Enter), Action::OpenPairing),
            (ch('/'), Action::StartFilter),
            (ch('!'), Action::ToggleNotConnected),
            (ch('?'), Action::ShowHelp),
            (ch('L'), Action::LogoutCompany),
            (ch('l'), Action::ToggleLog),
        ];
        for (k, want) in cases {
            assert_eq!(map(Focus::Table, &k), Some(want), "{k:?}");
        }
        assert_eq!(
            to_msg(Focus::Table, &ch('q')),
            Some(Msg::Quit(QuitCause::Key))
        );
    }

    #[test]
    fn text_fields_take_letters_and_leave_tab() {
        assert_eq!(
            map(Focus::Form, &ch('7')),
            Some(Action::EditPhone(InputRequest::InsertChar('7')))
        );
        assert_eq!(
            map(Focus::Form, &key(KeyCode::Tab)),
            Some(Action::SwitchMethod)
        );
        assert_eq!(
            map(Focus::Filter, &ch('j')),
            Some(Action::EditFilter(InputRequest::InsertChar('j')))
        );
        assert_eq!(
            map(Focus::AddForm, &key(KeyCode::Backspace)),
            Some(Action::EditAddField(InputRequest::DeletePrevChar))
        );
    }

    #[test]
    fn ctrl_c_quits_everywhere_and_releases_are_ignored() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            to_msg(Focus::Form, &ctrl_c),
            Some(Msg::Quit(QuitCause::CtrlC))
        );
        let release = KeyEvent::new_with_kind(
            KeyCode::Char('j'),
            KeyModifiers::NONE,
            KeyEventKind::Release,
        );
        assert_eq!(map(Focus::Table, &release), None);
    }
}
