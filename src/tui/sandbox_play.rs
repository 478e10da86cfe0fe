//! The sandbox's phone and fault keys, mapped onto the in-process simulator.
//! Without the `sandbox` feature they do nothing (the keys are not offered).

use super::extras::Extras;
use super::msg::{PhonePlay, SandboxFault};

#[cfg(feature = "sandbox")]
pub fn play_phone(extras: &Extras, play: PhonePlay) {
    let Some(sim) = extras.sim.clone() else {
        return;
    };
    tokio::spawn(async move {
        let result = match play {
            PhonePlay::EnterCode { phone, code } => sim.enter_code(&phone, code.as_str()).await,
            PhonePlay::ScanQr { payload } => sim.phone(DEMO_PHONE).scan_qr(&payload).await,
        };
        if let Err(e) = result {
            tracing::warn!("the simulated phone could not link: {e}");
        }
    });
}

/// The number the simulated phone scans QRs with.
#[cfg(feature = "sandbox")]
pub const DEMO_PHONE: &str = "79001234567";

#[cfg(feature = "sandbox")]
pub fn inject(extras: &Extras, phone: Option<String>, fault: SandboxFault) {
    use crate::sim::{ConflictKind, FailureReason, Fault, Target};
    let Some(sim) = extras.sim.as_ref() else {
        return;
    };
    let target = phone.map(Target::Phone).unwrap_or(Target::All);
    let fault = match fault {
        SandboxFault::RateLimit => Fault::pair_code_rate_limited(None),
        SandboxFault::CloseConnection => Fault::CloseConnection,
        SandboxFault::Replaced => Fault::Conflict(ConflictKind::Replaced),
        SandboxFault::LoggedOut => Fault::Failure(FailureReason::LoggedOut),
    };
    sim.inject(target, fault, false);
}

#[cfg(not(feature = "sandbox"))]
pub fn play_phone(_: &Extras, _: PhonePlay) {}

#[cfg(not(feature = "sandbox"))]
pub fn inject(_: &Extras, _: Option<String>, _: SandboxFault) {}
