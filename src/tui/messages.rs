//! `m` on the table: a company's recent messages, live ("is this number
//! really working?"), and `t`: a test message to a number typed here,
//! followed queued → sent → delivered → read. Text is hidden until asked
//! for (`v`): an admin troubleshooting needs the traffic, not the words.

use tui_input::Input;

use crate::domain::{Direction, Message, MessageStatus, Traffic};
use crate::engine::Update;

/// Messages the pane keeps, newest first.
pub const SHOWN: usize = 50;

/// What the loop read from the registry for the pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub rows: Vec<Message>,
    pub traffic: Traffic,
}

#[derive(Debug, Clone)]
pub struct Pane {
    pub company: i64,
    /// Newest first.
    pub rows: Vec<Message>,
    pub traffic: Traffic,
    pub show_text: bool,
    /// The number being typed for a test message.
    pub test: Option<Input>,
    /// Why the last test message was not queued.
    pub test_error: Option<String>,
    /// The test message sent from here, followed as it moves.
    pub tested: Option<String>,
}

impl Pane {
    pub fn new(company: i64, loaded: Loaded, testing: bool) -> Self {
        Self {
            company,
            rows: loaded.rows,
            traffic: loaded.traffic,
            show_text: false,
            test: testing.then(Input::default),
            test_error: None,
            tested: None,
        }
    }

    /// Apply an engine update; true when the pane changed.
    pub fn saw(&mut self, update: &Update, now: i64) -> bool {
        match update {
            Update::MessageReceived { company, message } if *company == self.company => {
                // A copy that decrypted is the same message, counted once.
                if !self.rows.iter().any(|m| m.id == message.id) {
                    self.traffic.count(Direction::In, message.at, now);
                }
                self.put(message);
                true
            }
            Update::MessageUpdated { company, message } if *company == self.company => {
                if message.status == MessageStatus::Sent {
                    self.traffic.count(Direction::Out, now, now);
                }
                self.put(message);
                true
            }
            _ => false,
        }
    }

    /// The test message just queued.
    pub fn queued(&mut self, message: &Message) {
        self.tested = Some(message.id.clone());
        self.put(message);
    }

    /// The message as it now is: its row replaced, or a new one on top.
    fn put(&mut self, message: &Message) {
        match self.rows.iter_mut().find(|m| m.id == message.id) {
            // A status that raced ahead is never undone by a late copy.
            Some(row) if row.status > message.status && row.direction == Direction::Out => {}
            Some(row) => *row = message.clone(),
            None => {
                self.rows.insert(0, message.clone());
                self.rows.truncate(SHOWN);
            }
        }
    }
}
