//! Failures as the company reads them on its invitation page: the
//! dashboard's sentences, less the advice only the admin can follow (force,
//! cancel on a pane), and in Russian for the failures a link can meet.

use chrono::FixedOffset;

use super::failure::{FailureReason, GuardWhy, UnixTime, clock};

impl FailureReason {
    pub fn page_sentence(&self, russian: bool, now: UnixTime, tz: FixedOffset) -> String {
        let at = |t: UnixTime| clock(t, now, tz);
        if russian && let Some(s) = self.russian(&at) {
            return s;
        }
        match self {
            Self::GuardRefused { until, why } => {
                let what = match why {
                    GuardWhy::Cooldown => "this number is cooling down after WhatsApp's rate limit",
                    GuardWhy::TooManyCodes => {
                        "three pairing codes were asked for this number in the last hour"
                    }
                    GuardWhy::TooManyQr => {
                        "five QR codes were shown for this number in the last hour"
                    }
                    GuardWhy::CodeOutstanding => {
                        "another pairing code for this number is still live"
                    }
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
            other => other.sentence(now, tz),
        }
    }

    fn russian(&self, at: &dyn Fn(UnixTime) -> String) -> Option<String> {
        Some(match self {
            Self::RateLimited { until } => format!(
                "WhatsApp временно не принимает новые привязки для этого номера (ограничение частоты). Попробуйте после {}.",
                at(*until)
            ),
            Self::GuardRefused { until, why } => {
                let what = match why {
                    GuardWhy::Cooldown => "номер ещё «остывает» после ограничения WhatsApp",
                    GuardWhy::TooManyCodes => "за последний час для этого номера уже запрошено три кода",
                    GuardWhy::TooManyQr => "за последний час для этого номера уже показано пять QR-кодов",
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
            Self::QrExhausted => "QR-коды закончились, а телефон ни один не отсканировал. Покажите новый.".into(),
            Self::CodeExpired => "Срок действия кода истёк, прежде чем его ввели на телефоне. Получите новый.".into(),
            Self::LinkInterrupted => "Связь с WhatsApp прервалась во время привязки; показанный код больше не работает. Начните заново.".into(),
            Self::PairRejected => "Телефон не смог завершить привязку. Попробуйте ещё раз; если повторится — привяжите по QR-коду.".into(),
            Self::TooManyDevices => "К телефону уже привязано 4 устройства. Отвяжите одно (Настройки › Связанные устройства) и попробуйте снова.".into(),
            Self::AlreadyLinked => "Эта компания уже привязана. Чтобы привязать другой номер, попросите администратора сначала отвязать текущий.".into(),
            Self::NumberTaken => "Этот номер уже привязан к другой компании; номер может принадлежать только одной компании. Обратитесь к администратору.".into(),
            Self::PasskeyRequired => "Этот аккаунт подтверждает привязку ключом доступа (passkey): привяжите по QR-коду.".into(),
            Self::NetworkUnreachable | Self::ServiceUnavailable => "Сервер не может связаться с WhatsApp. Попробуйте позже; администратор видит причину.".into(),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = 1_795_000_000; // 2026-11-18 11:06:40 UTC

    #[test]
    fn the_page_keeps_the_time_and_drops_the_admins_advice() {
        let utc = FixedOffset::east_opt(0).expect("offset");
        let msk = FixedOffset::east_opt(3 * 3600).expect("offset");
        let guard = FailureReason::GuardRefused {
            until: NOW + 3600,
            why: GuardWhy::TooManyCodes,
        };
        let en = guard.page_sentence(false, NOW, utc);
        assert!(en.ends_with("Try again after 12:06."), "{en}");
        assert!(!en.contains("force"), "{en}");
        let ru = guard.page_sentence(true, NOW, msk);
        assert!(ru.ends_with("Попробуйте после 15:06."), "{ru}");
        // Failures without a Russian sentence keep the dashboard's.
        let ban = FailureReason::ServerUnverified;
        assert_eq!(ban.page_sentence(true, NOW, utc), ban.sentence(NOW, utc));
        let busy = FailureReason::LinkInProgress {
            by: "dashboard (pid 9)".into(),
            since: NOW - 60,
        };
        let en = busy.page_sentence(false, NOW, utc);
        assert!(!en.contains("pid") && en.contains("since 11:05"), "{en}");
    }
}
