//! Failures as the company reads them on its invitation page, in each of
//! the page's languages: the dashboard's sentences less the advice only the
//! admin can follow (force, a pane, flags). Failures the company cannot act
//! on say so and leave the reason to the administrator.

use chrono::FixedOffset;

use super::Lang;
use super::failure::{FailureReason, GuardWhy, UnixTime, clock};

impl FailureReason {
    pub fn page_sentence(&self, lang: Lang, now: UnixTime, tz: FixedOffset) -> String {
        let at = |t: UnixTime| clock(t, now, tz);
        match lang {
            Lang::En => self.english(&at),
            Lang::Ru => self.russian(&at),
        }
    }

    fn english(&self, at: &dyn Fn(UnixTime) -> String) -> String {
        match self {
            Self::RateLimited { until } => format!(
                "WhatsApp is refusing new links for this number for now (rate limit). Try again after {}.",
                at(*until)
            ),
            Self::GuardRefused { until, why } => {
                let what = match why {
                    GuardWhy::Cooldown => "this number is cooling down after WhatsApp's rate limit",
                    GuardWhy::TooManyCodes => "three pairing codes were asked for this number in the last hour",
                    GuardWhy::TooManyQr => "five QR codes were shown for this company in the last hour",
                    GuardWhy::CodeOutstanding => "another pairing code for this number is still live",
                };
                format!(
                    "Not now: {what}, and more attempts earn hours of cooldown from WhatsApp. Try again after {}.",
                    at(*until)
                )
            }
            Self::LinkInProgress { since, .. } => format!(
                "Your administrator has been linking this company since {}. Wait a few minutes, then try again.",
                at(*since)
            ),
            Self::TemporaryBan { until } => format!(
                "WhatsApp has banned this number until {}. Wait; linking again will not help.",
                at(*until)
            ),
            Self::QrExhausted => "The QR codes ran out before the phone scanned one. Show a new one.".into(),
            Self::CodeExpired => "The code expired before it was typed on the phone. Get a new one.".into(),
            Self::LinkInterrupted => "The connection to WhatsApp dropped while linking; the code shown no longer works. Start again.".into(),
            Self::PairRejected => "The phone could not finish linking. Try again; if it repeats, link with the QR code.".into(),
            Self::TooManyDevices => "The phone already has 4 linked devices. Unlink one (Settings › Linked devices), then try again.".into(),
            Self::AlreadyLinked => "This company is already linked. To link another number, ask your administrator to unlink the current one first.".into(),
            Self::NumberTaken => "This number is already linked to another company, and a number belongs to one company at a time. Ask your administrator.".into(),
            Self::Elsewhere => "The server of this page does not run your company right now. Try again in a minute; if it repeats, ask your administrator.".into(),
            Self::PasskeyRequired => "This account confirms links with a passkey: link with the QR code instead.".into(),
            Self::LoggedOut => "The phone unlinked this device. Start again.".into(),
            Self::NetworkUnreachable | Self::ServiceUnavailable | Self::ProxyFailed { .. } => {
                "The server cannot reach WhatsApp. Try again later; your administrator sees the reason.".into()
            }
            Self::Replaced
            | Self::ClientOutdated
            | Self::ServerUnverified
            | Self::ServerGaveUp { .. }
            | Self::LogoutUnreached
            | Self::OutOfFiles
            | Self::KeysDamaged
            | Self::DiskFull
            | Self::NotLinked
            | Self::Internal => {
                "The server cannot link this number right now. Try again later; your administrator sees the reason.".into()
            }
        }
    }

    fn russian(&self, at: &dyn Fn(UnixTime) -> String) -> String {
        match self {
            Self::RateLimited { until } => format!(
                "WhatsApp временно не принимает новые привязки для этого номера (ограничение частоты). Попробуйте после {}.",
                at(*until)
            ),
            Self::GuardRefused { until, why } => {
                let what = match why {
                    GuardWhy::Cooldown => "номер ещё «остывает» после ограничения WhatsApp",
                    GuardWhy::TooManyCodes => "за последний час для этого номера уже запрошено три кода",
                    GuardWhy::TooManyQr => "за последний час для этой компании уже показано пять QR-кодов",
                    GuardWhy::CodeOutstanding => "другой код для этого номера ещё действует",
                };
                format!(
                    "Не сейчас: {what}, а лишние попытки WhatsApp наказывает часами ожидания. Попробуйте после {}.",
                    at(*until)
                )
            }
            Self::LinkInProgress { since, .. } => format!(
                "Ваш администратор привязывает эту компанию с {}. Подождите несколько минут и попробуйте снова.",
                at(*since)
            ),
            Self::TemporaryBan { until } => format!(
                "WhatsApp заблокировал этот номер до {}. Подождите: повторная привязка не поможет.",
                at(*until)
            ),
            Self::QrExhausted => "QR-коды закончились, а телефон ни один не отсканировал. Покажите новый.".into(),
            Self::CodeExpired => "Срок действия кода истёк, прежде чем его ввели на телефоне. Получите новый.".into(),
            Self::LinkInterrupted => "Связь с WhatsApp прервалась во время привязки; показанный код больше не работает. Начните заново.".into(),
            Self::PairRejected => "Телефон не смог завершить привязку. Попробуйте ещё раз; если повторится — привяжите по QR-коду.".into(),
            Self::TooManyDevices => "К телефону уже привязано 4 устройства. Отвяжите одно (Настройки › Связанные устройства) и попробуйте снова.".into(),
            Self::AlreadyLinked => "Эта компания уже привязана. Чтобы привязать другой номер, попросите администратора сначала отвязать текущий.".into(),
            Self::NumberTaken => "Этот номер уже привязан к другой компании; номер может принадлежать только одной компании. Обратитесь к администратору.".into(),
            Self::Elsewhere => "Сервер этой страницы сейчас не ведёт вашу компанию. Попробуйте через минуту; если повторится — обратитесь к администратору.".into(),
            Self::PasskeyRequired => "Этот аккаунт подтверждает привязку ключом доступа (passkey): привяжите по QR-коду.".into(),
            Self::LoggedOut => "Телефон отвязал это устройство. Начните заново.".into(),
            Self::NetworkUnreachable | Self::ServiceUnavailable | Self::ProxyFailed { .. } => {
                "Сервер не может связаться с WhatsApp. Попробуйте позже; администратор видит причину.".into()
            }
            Self::Replaced
            | Self::ClientOutdated
            | Self::ServerUnverified
            | Self::ServerGaveUp { .. }
            | Self::LogoutUnreached
            | Self::OutOfFiles
            | Self::KeysDamaged
            | Self::DiskFull
            | Self::NotLinked
            | Self::Internal => {
                "Сейчас сервер не может привязать номер. Попробуйте позже; администратор видит причину.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::cyrillic;

    const NOW: UnixTime = 1_795_000_000; // 2026-11-18 11:06:40 UTC

    /// One of each reason (and of each guard refusal).
    fn every_reason() -> Vec<FailureReason> {
        use FailureReason as F;
        let until = NOW + 3600;
        let mut all = vec![
            F::RateLimited { until },
            F::LoggedOut,
            F::Replaced,
            F::TemporaryBan { until },
            F::ClientOutdated,
            F::NetworkUnreachable,
            F::ServerUnverified,
            F::ServiceUnavailable,
            F::ServerGaveUp { code: 0 },
            F::ServerGaveUp { code: 418 },
            F::LinkInterrupted,
            F::LinkInProgress {
                by: "dashboard (pid 9)".into(),
                since: NOW - 60,
            },
            F::LogoutUnreached,
            F::OutOfFiles,
            F::QrExhausted,
            F::CodeExpired,
            F::PairRejected,
            F::PasskeyRequired,
            F::TooManyDevices,
            F::AlreadyLinked,
            F::KeysDamaged,
            F::DiskFull,
            F::NumberTaken,
            F::Elsewhere,
            F::NotLinked,
            F::Internal,
        ];
        for why in [
            GuardWhy::Cooldown,
            GuardWhy::TooManyCodes,
            GuardWhy::TooManyQr,
            GuardWhy::CodeOutstanding,
        ] {
            all.push(F::GuardRefused { until, why });
        }
        all
    }

    /// Every sentence the page can show is in the page's language and holds
    /// nothing only the admin could do.
    #[test]
    fn every_failure_reads_in_both_languages_without_admin_advice() {
        let utc = FixedOffset::east_opt(0).expect("offset");
        for reason in every_reason() {
            let en = reason.page_sentence(Lang::En, NOW, utc);
            let ru = reason.page_sentence(Lang::Ru, NOW, utc);
            assert!(!cyrillic(&en), "{reason:?}: {en}");
            assert!(cyrillic(&ru), "{reason:?}: {ru}");
            for s in [&en, &ru] {
                assert!(s.ends_with('.'), "{reason:?}: {s}");
                for admin in ["--", "force", "pane", "walink", "pid", "ulimit", "log out"] {
                    assert!(!s.to_lowercase().contains(admin), "{reason:?}: {s}");
                }
            }
        }
    }

    #[test]
    fn the_page_keeps_the_time() {
        let utc = FixedOffset::east_opt(0).expect("offset");
        let msk = FixedOffset::east_opt(3 * 3600).expect("offset");
        let guard = FailureReason::GuardRefused {
            until: NOW + 3600,
            why: GuardWhy::TooManyCodes,
        };
        let en = guard.page_sentence(Lang::En, NOW, utc);
        assert!(en.ends_with("Try again after 12:06."), "{en}");
        let ru = guard.page_sentence(Lang::Ru, NOW, msk);
        assert!(ru.ends_with("Попробуйте после 15:06."), "{ru}");
        let busy = FailureReason::LinkInProgress {
            by: "dashboard (pid 9)".into(),
            since: NOW - 60,
        };
        let en = busy.page_sentence(Lang::En, NOW, utc);
        assert!(en.contains("since 11:05"), "{en}");
    }
}
