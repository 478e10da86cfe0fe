//! Styles, chosen once at start-up. `NO_COLOR` gives the plain theme:
//! no colours at all, only bold and reverse, with meaning carried by the
//! state symbols and words.

use std::ffi::OsStr;

use ratatui::style::{Color, Modifier, Style};

/// What a piece of text means, independent of how it is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Ok,
    /// Working on it: linking, connecting.
    Busy,
    Warn,
    Bad,
    Idle,
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    colored: bool,
}

impl Theme {
    pub fn colored() -> Self {
        Self { colored: true }
    }

    pub fn plain() -> Self {
        Self { colored: false }
    }

    /// no-color.org: a set, non-empty `NO_COLOR` turns colour off. The
    /// loop passes `std::env::var_os("NO_COLOR")`; views never read env.
    pub fn from_no_color(value: Option<&OsStr>) -> Self {
        match value {
            Some(v) if !v.is_empty() => Self::plain(),
            _ => Self::colored(),
        }
    }

    pub fn is_colored(&self) -> bool {
        self.colored
    }

    fn fg(&self, color: Color) -> Style {
        if self.colored {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Ok => self.fg(Color::Green),
            Tone::Busy => self.fg(Color::Cyan),
            Tone::Warn => self.fg(Color::Yellow),
            Tone::Bad => self.fg(Color::Red).add_modifier(self.plain_bold()),
            Tone::Idle => self.fg(Color::DarkGray),
            // Palette blue is near-invisible on dark terminals.
            Tone::Info => self.fg(Color::LightBlue),
        }
    }

    /// Without colour, failures still stand out.
    fn plain_bold(&self) -> Modifier {
        if self.colored {
            Modifier::empty()
        } else {
            Modifier::BOLD
        }
    }

    pub fn text(&self) -> Style {
        Style::new()
    }

    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn border(&self, focused: bool) -> Style {
        match (self.colored, focused) {
            (true, true) => Style::new().fg(Color::Cyan),
            (true, false) => Style::new().fg(Color::DarkGray),
            (false, _) => Style::new(),
        }
    }

    /// SANDBOX in the header: it must not be missed.
    pub fn badge(&self) -> Style {
        if self.colored {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    /// Light modules as foreground blocks: white on black whatever the
    /// terminal's palette (see tui::qr).
    pub fn qr(&self) -> Style {
        if self.colored {
            Style::new().fg(Color::White).bg(Color::Black)
        } else {
            Style::new()
        }
    }

    pub fn code(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    pub fn gauge(&self) -> Style {
        self.fg(Color::Cyan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_means_plain_only_when_set_and_non_empty() {
        assert_eq!(Theme::from_no_color(None), Theme::colored());
        assert_eq!(Theme::from_no_color(Some(OsStr::new(""))), Theme::colored());
        assert_eq!(Theme::from_no_color(Some(OsStr::new("1"))), Theme::plain());
    }

    /// Dark blue and black text vanish on the dark backgrounds most
    /// terminals have; no tone uses them.
    #[test]
    fn every_tone_reads_on_a_dark_background() {
        let theme = Theme::colored();
        for tone in [
            Tone::Ok,
            Tone::Busy,
            Tone::Warn,
            Tone::Bad,
            Tone::Idle,
            Tone::Info,
        ] {
            let fg = theme.tone(tone).fg;
            assert!(
                !matches!(fg, Some(Color::Blue | Color::Black)),
                "{tone:?}: {fg:?}"
            );
        }
    }
}
