//! Every sentence the invitation page shows, in English and Russian.

use serde::Serialize;

use super::Lang;

/// What the server writes into the page.
pub struct PageText {
    pub title: &'static str,
    /// "{company}" is replaced.
    pub intro: &'static str,
    pub phone_label: &'static str,
    /// "{example}" is replaced by a number that never wraps.
    pub phone_hint: &'static str,
    pub phone_locked: &'static str,
    pub method_label: &'static str,
    pub method_code: &'static str,
    pub method_qr: &'static str,
    pub code_steps: &'static str,
    pub qr_steps: &'static str,
    pub copy: &'static str,
    pub use_code: &'static str,
    pub wrong_number: &'static str,
    pub invalid: &'static str,
    /// A reload after the link.
    pub used: &'static str,
    pub switch_to: &'static str,
}

/// What the script needs (sent as JSON inside the page).
#[derive(Serialize)]
pub struct ScriptText {
    pub get_code: &'static str,
    pub show_qr: &'static str,
    pub waiting: &'static str,
    pub copied: &'static str,
    /// "{s}" is replaced by seconds.
    pub left: &'static str,
    pub code_expired: &'static str,
    pub qr_expired: &'static str,
    pub offline: &'static str,
    pub try_again: &'static str,
    /// "{phone}" is replaced.
    pub code_for: &'static str,
}

pub fn page(lang: Lang) -> &'static PageText {
    match lang {
        Lang::En => &EN,
        Lang::Ru => &RU,
    }
}

pub fn script(lang: Lang) -> &'static ScriptText {
    match lang {
        Lang::En => &EN_JS,
        Lang::Ru => &RU_JS,
    }
}

/// "Linked: +7900•••4567 is connected."
pub fn connected(lang: Lang, phone: &str) -> String {
    match lang {
        Lang::En => format!("Linked: {phone} is connected. You can close this page."),
        Lang::Ru => format!("Готово: {phone} подключён. Страницу можно закрыть."),
    }
}

pub fn linked(lang: Lang, phone: &str) -> String {
    match lang {
        Lang::En => format!("Linked {phone}; connecting…"),
        Lang::Ru => format!("{phone} привязан; подключаемся…"),
    }
}

pub fn method_refused(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "This invitation does not offer that way of linking.",
        Lang::Ru => "Это приглашение не предлагает такой способ привязки.",
    }
}

pub fn no_answer(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "WhatsApp gave no answer within 30 s. Try again in a minute.",
        Lang::Ru => "WhatsApp не ответил за 30 с. Попробуйте ещё раз через минуту.",
    }
}

pub fn restarting(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "The server is restarting. Try again in a minute.",
        Lang::Ru => "Сервер перезапускается. Попробуйте ещё раз через минуту.",
    }
}

static EN: PageText = PageText {
    title: "Link WhatsApp",
    intro: "Link the WhatsApp number of {company}.",
    phone_label: "WhatsApp number",
    phone_hint: "With its country code, e.g. {example}",
    phone_locked: "Your administrator set this number.",
    method_label: "How",
    method_code: "Pairing code, on the phone that has WhatsApp",
    method_qr: "QR code, scanned from another screen",
    code_steps: "On the phone: open WhatsApp → Settings → Linked devices → Link a device → Link with phone number instead, then type this code.",
    qr_steps: "On the phone: open WhatsApp → Settings → Linked devices → Link a device, then point the camera at this QR code.",
    copy: "Copy",
    use_code: "Use a code instead",
    wrong_number: "Wrong number? Type it again",
    invalid: "This link is no longer valid — ask your administrator for a new one.",
    used: "This number is linked; you can close this page.",
    switch_to: "Русский",
};

static RU: PageText = PageText {
    title: "Привязка WhatsApp",
    intro: "Привяжите номер WhatsApp компании «{company}».",
    phone_label: "Номер WhatsApp",
    phone_hint: "С кодом страны, например {example}",
    phone_locked: "Этот номер указал ваш администратор.",
    method_label: "Способ",
    method_code: "Код привязки — на телефоне с WhatsApp",
    method_qr: "QR-код — отсканировать с другого экрана",
    code_steps: "На телефоне: откройте WhatsApp → Настройки → Связанные устройства → Привязка устройства → Привязать по номеру телефона и введите этот код.",
    qr_steps: "На телефоне: откройте WhatsApp → Настройки → Связанные устройства → Привязка устройства и наведите камеру на этот QR-код.",
    copy: "Копировать",
    use_code: "Лучше по коду",
    wrong_number: "Не тот номер? Ввести заново",
    invalid: "Эта ссылка больше не действует — попросите администратора прислать новую.",
    used: "Номер привязан; страницу можно закрыть.",
    switch_to: "English",
};

static EN_JS: ScriptText = ScriptText {
    get_code: "Get a code",
    show_qr: "Show the QR code",
    waiting: "Asking WhatsApp…",
    copied: "Copied",
    left: "{s} s left",
    code_expired: "This code has expired. Get a new one.",
    qr_expired: "The QR codes ran out. Show a new one.",
    offline: "Lost the connection to the server; trying again…",
    try_again: "Try again",
    code_for: "The code for {phone}.",
};

static RU_JS: ScriptText = ScriptText {
    get_code: "Получить код",
    show_qr: "Показать QR-код",
    waiting: "Запрашиваем у WhatsApp…",
    copied: "Скопировано",
    left: "осталось {s} с",
    code_expired: "Срок действия кода истёк. Получите новый.",
    qr_expired: "QR-коды закончились. Покажите новый.",
    offline: "Связь с сервером потеряна; пробуем снова…",
    try_again: "Попробовать снова",
    code_for: "Код для номера {phone}.",
};
