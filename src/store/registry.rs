//! The registry's one interface. The engine, the service, the API,
//! webhooks and commands reach companies, sessions, tokens, messages and
//! the event log only through `dyn Registry` (most through `Db`, which
//! runs it on the blocking pool), so a second backend (PostgreSQL, for more
//! than one host) goes behind it without touching them. `Store`, the
//! SQLite file, is the first backend, `PgRegistry` (several hosts over
//! PostgreSQL) the second: their own methods are the bodies.

use super::pg::PgRegistry;
use super::{
    Attempt, AttemptOutcome, Delivery, Event, Invitation, Kept, NewInvitation, NewToken, Overview,
    SessionRow, Store, StoreError, TokenRow, Webhook,
};
use crate::domain::send_guard::Recent;
use crate::domain::{
    Company, CompanySettings, DisplayName, Message, MessageStatus, ProxyUrl, SettingsChange,
    SettingsView, Slug, Traffic,
};

/// Write the trait from one list of signatures, and `Store`'s side of it
/// as calls to its methods of the same name, so the two cannot drift.
macro_rules! registry {
    (
        &self { $( $(#[$da:meta])* fn $a:ident($($aa:ident: $at:ty),* $(,)?) -> $ar:ty; )* }
        &mut self { $( $(#[$db:meta])* fn $b:ident($($ba:ident: $bt:ty),* $(,)?) -> $br:ty; )* }
    ) => {
        /// Every operation on the registry; see the module's comment.
        pub trait Registry: Send {
            $( $(#[$da])* fn $a(&self, $($aa: $at),*) -> $ar; )*
            $( $(#[$db])* fn $b(&mut self, $($ba: $bt),*) -> $br; )*

            /// Run `f` as one transaction (`in_one_step` is the way to call it).
            fn step(&self, f: &mut dyn FnMut(&dyn Registry)) -> Result<(), StoreError>;

            /// Mark `m` announced and run `queue` in the same transaction;
            /// false when it was announced before (`announce` calls it).
            fn announce_step(
                &self,
                company: i64,
                m: &Message,
                queue: &mut dyn FnMut(&dyn Registry),
            ) -> Result<bool, StoreError>;
        }

        impl Registry for Store {
            $( fn $a(&self, $($aa: $at),*) -> $ar { Store::$a(self, $($aa),*) } )*
            $( fn $b(&mut self, $($ba: $bt),*) -> $br { Store::$b(self, $($ba),*) } )*

            fn step(&self, f: &mut dyn FnMut(&dyn Registry)) -> Result<(), StoreError> {
                Store::in_one_step(self, |s| f(s))
            }

            fn announce_step(
                &self,
                company: i64,
                m: &Message,
                queue: &mut dyn FnMut(&dyn Registry),
            ) -> Result<bool, StoreError> {
                Ok(Store::announce(self, company, m, |s| queue(s))?.is_some())
            }
        }

        impl Registry for PgRegistry {
            $( fn $a(&self, $($aa: $at),*) -> $ar { PgRegistry::$a(self, $($aa),*) } )*
            $( fn $b(&mut self, $($ba: $bt),*) -> $br { PgRegistry::$b(self, $($ba),*) } )*

            fn step(&self, f: &mut dyn FnMut(&dyn Registry)) -> Result<(), StoreError> {
                PgRegistry::in_tx(self, |s| {
                    f(s);
                    Ok(())
                })
            }

            fn announce_step(
                &self,
                company: i64,
                m: &Message,
                queue: &mut dyn FnMut(&dyn Registry),
            ) -> Result<bool, StoreError> {
                PgRegistry::announce_step(self, company, m, queue)
            }
        }
    };
}

registry! {
    &self {
        /// The schema version now in the registry.
        fn schema_version() -> Result<i64, StoreError>;

        fn companies() -> Result<Vec<Company>, StoreError>;
        fn company(slug: &str) -> Result<Company, StoreError>;
        fn company_by_id(id: i64) -> Result<Option<Company>, StoreError>;
        fn company_settings(id: i64) -> Result<CompanySettings, StoreError>;
        fn settings_view(slug: &str) -> Result<SettingsView, StoreError>;
        fn serve_proxy() -> Result<Option<ProxyUrl>, StoreError>;
        fn set_serve_proxy(proxy: Option<&ProxyUrl>) -> Result<(), StoreError>;
        fn overview() -> Result<Vec<Overview>, StoreError>;

        fn sessions_with_phone(digits: &str) -> Result<Vec<SessionRow>, StoreError>;
        fn session(company_id: i64) -> Result<Option<SessionRow>, StoreError>;
        fn set_session_state(company_id: i64, state: &str, detail: Option<&str>)
            -> Result<(), StoreError>;
        fn set_session_link(
            company_id: i64,
            phone: Option<&str>,
            jid: Option<&str>,
            push_name: Option<&str>,
        ) -> Result<(), StoreError>;
        fn set_session_push_name(company_id: i64, name: &str) -> Result<(), StoreError>;

        fn record_attempt(
            company_id: i64,
            phone: Option<&str>,
            method: &str,
            started_at: i64,
            forced: bool,
        ) -> Result<i64, StoreError>;
        fn set_attempt_invitation(attempt_id: i64, id: i64) -> Result<(), StoreError>;
        fn last_attempt_invitation(company_id: i64) -> Result<Option<i64>, StoreError>;
        fn finish_attempt(
            attempt_id: i64,
            outcome: AttemptOutcome,
            cooldown_until: Option<i64>,
        ) -> Result<(), StoreError>;
        fn attempts_since(company_id: i64, phone: Option<&str>, since: i64)
            -> Result<Vec<Attempt>, StoreError>;

        fn log_event(company_id: Option<i64>, kind: &str, detail: &str) -> Result<(), StoreError>;
        fn log_failure(
            company_id: Option<i64>,
            kind: &str,
            detail: &str,
            reason: Option<&str>,
            raw: Option<&str>,
        ) -> Result<(), StoreError>;
        fn events(company_id: i64, limit: usize) -> Result<Vec<Event>, StoreError>;
        fn events_before(company_id: i64, before: Option<i64>, limit: usize)
            -> Result<Vec<Event>, StoreError>;

        fn add_invitation(n: &NewInvitation<'_>) -> Result<Invitation, StoreError>;
        fn invitations() -> Result<Vec<Invitation>, StoreError>;
        fn live_invitations(now: i64) -> Result<Vec<Invitation>, StoreError>;
        fn invitation_by_hash(hash: &str) -> Result<Option<Invitation>, StoreError>;
        fn revoke_invitation(id: i64, now: i64) -> Result<Option<i64>, StoreError>;
        fn use_invitation(id: i64, now: i64) -> Result<Option<i64>, StoreError>;
        fn setting(key: &str) -> Result<Option<String>, StoreError>;
        fn set_setting(key: &str, value: &str) -> Result<(), StoreError>;

        fn add_token(t: &NewToken<'_>) -> Result<i64, StoreError>;
        fn tokens() -> Result<Vec<TokenRow>, StoreError>;
        fn token_by_hash(hash: &str) -> Result<Option<TokenRow>, StoreError>;
        fn revoke_token(id: i64, now: i64) -> Result<bool, StoreError>;
        fn token_alive(id: i64, now: i64) -> Result<bool, StoreError>;
        fn touch_token(id: i64, now: i64) -> Result<(), StoreError>;

        fn keep_api_event(id: i64, company: i64, name: &str, data: &str, at: i64)
            -> Result<(), StoreError>;
        fn last_api_event() -> Result<i64, StoreError>;
        fn api_events_after(id: i64, limit: usize) -> Result<Vec<Kept>, StoreError>;
        fn prune_api_events(before: i64) -> Result<usize, StoreError>;
        fn prune_message_events(before: i64) -> Result<usize, StoreError>;

        fn unannounced(since: i64) -> Result<Vec<(i64, String, Message)>, StoreError>;
        fn messages(company: i64, chat: Option<&str>, before: Option<&str>, limit: usize)
            -> Result<Vec<Message>, StoreError>;
        fn outbound_by_key(company: i64, key: &str) -> Result<Option<Message>, StoreError>;
        fn recent_sends(company: i64, chat: &str, now: i64) -> Result<Recent, StoreError>;
        fn queued_outbound(company: i64) -> Result<Vec<(Message, Option<i64>)>, StoreError>;
        fn prune_messages(before: i64) -> Result<usize, StoreError>;
        fn traffic(company: i64, now: i64) -> Result<Traffic, StoreError>;

        fn add_webhook(
            url: &str,
            company_id: Option<i64>,
            events: &str,
            secret: &str,
            whole_numbers: bool,
            now: i64,
        ) -> Result<i64, StoreError>;
        fn webhooks() -> Result<Vec<Webhook>, StoreError>;
        fn remove_webhook(id: i64) -> Result<bool, StoreError>;
        fn disable_webhook(id: i64, now: i64, why: &str) -> Result<(), StoreError>;
        fn enqueue_delivery(
            webhook_id: i64,
            company_id: Option<i64>,
            event: &str,
            body: &str,
            now: i64,
        ) -> Result<(), StoreError>;
        fn due_deliveries(now: i64, limit: usize) -> Result<Vec<Delivery>, StoreError>;
        fn next_delivery_at() -> Result<Option<i64>, StoreError>;
        fn record_delivery(id: i64, now: i64, outcome: Result<&str, i64>) -> Result<(), StoreError>;
        fn prune_deliveries(before: i64) -> Result<usize, StoreError>;
        fn delivery_counts() -> Result<Vec<(String, i64)>, StoreError>;
    }
    &mut self {
        fn add_company(slug: &Slug, name: &DisplayName) -> Result<Company, StoreError>;
        fn add_company_as(id: i64, slug: &Slug, name: &DisplayName) -> Result<Company, StoreError>;
        fn remove_company(slug: &str) -> Result<Company, StoreError>;
        fn change_company(id: i64, change: &SettingsChange)
            -> Result<(Company, CompanySettings), StoreError>;
        fn interrupt_pending_attempts(now: i64) -> Result<Vec<i64>, StoreError>;
        fn expire_queued(now: i64, reason: &str) -> Result<Vec<(i64, Message)>, StoreError>;
        fn keep_inbound(company: i64, batch: &[Message], now: i64)
            -> Result<Vec<Message>, StoreError>;
        fn queue_outbound(
            company: i64,
            idem_key: Option<&str>,
            m: &Message,
            expires_at: Option<i64>,
        ) -> Result<(Message, bool), StoreError>;
        fn set_message_status(
            company: i64,
            id: &str,
            status: MessageStatus,
            reason: Option<&str>,
            now: i64,
        ) -> Result<Option<Message>, StoreError>;
    }
}

impl dyn Registry + '_ {
    /// Use up (`used`) or revoke invitation `id`, and log it: the company
    /// it was for, unless it had ended already.
    pub fn end_invitation_logged(
        &self,
        id: i64,
        used: bool,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let company = if used {
            self.use_invitation(id, now)?
        } else {
            self.revoke_invitation(id, now)?
        };
        if let Some(company) = company {
            let what = if used { "used" } else { "revoked" };
            self.log_event(
                Some(company),
                "invitation",
                &format!("invitation #{id} {what}"),
            )?;
        }
        Ok(company)
    }

    /// Run `f` as one transaction: many small writes, one commit.
    /// `f` must not start a transaction of its own.
    pub fn in_one_step<R>(&self, f: impl FnOnce(&dyn Registry) -> R) -> Result<R, StoreError> {
        let mut f = Some(f);
        let mut out = None;
        self.step(&mut |s| {
            if let Some(f) = f.take() {
                out = Some(f(s));
            }
        })?;
        out.ok_or_else(|| StoreError::Corrupt("a registry step did not run".into()))
    }

    /// Mark `company`'s `m` announced and run `queue` in the same
    /// transaction; `None` when it was announced before (nothing runs).
    pub fn announce<R>(
        &self,
        company: i64,
        m: &Message,
        queue: impl FnOnce(&dyn Registry) -> R,
    ) -> Result<Option<R>, StoreError> {
        let mut queue = Some(queue);
        let mut out = None;
        let fresh = self.announce_step(company, m, &mut |s| {
            if let Some(q) = queue.take() {
                out = Some(q(s));
            }
        })?;
        Ok(if fresh { out } else { None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::messages::tests::{inbound, store_with_two};

    #[test]
    fn through_the_interface_a_step_commits_whole_and_a_message_is_announced_once() {
        let (_dir, store, acme, beta) = store_with_two();
        let mut registry: Box<dyn Registry> = Box::new(store);
        let logged = registry
            .in_one_step(|s| {
                s.log_event(Some(acme), "test", "one")?;
                s.log_event(Some(acme), "test", "two")?;
                Ok::<_, StoreError>(2)
            })
            .unwrap()
            .unwrap();
        assert_eq!(logged, 2);
        assert_eq!(registry.events(acme, 10).unwrap().len(), 2);

        let m = inbound("A1", "79990000001@s.whatsapp.net", "Hello", 100);
        assert_eq!(
            registry
                .keep_inbound(beta, std::slice::from_ref(&m), 100)
                .unwrap()
                .len(),
            1
        );
        let queue = |s: &dyn Registry| s.log_event(Some(beta), "queued", "A1");
        assert!(registry.announce(beta, &m, queue).unwrap().is_some());
        // Announced before: nothing runs the second time.
        assert!(registry.announce(beta, &m, queue).unwrap().is_none());
        assert_eq!(registry.events(beta, 10).unwrap().len(), 1);
        // Another company's log is untouched.
        assert_eq!(registry.events(acme, 10).unwrap().len(), 2);
    }
}
