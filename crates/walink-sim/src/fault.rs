//! Injectable faults and the set of armed ones.

/// Which accounts a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    All,
    /// A phone number; non-digits are ignored.
    Phone(String),
}

impl Target {
    pub(crate) fn normalized(self) -> Self {
        match self {
            Self::All => Self::All,
            Self::Phone(n) => Self::Phone(super::phone::digits(&n)),
        }
    }

    /// `phone` is `None` while the connection's account is still unknown
    /// (e.g. a registering companion); only `All` reaches those.
    pub(crate) fn matches(&self, phone: Option<&str>) -> bool {
        match self {
            Self::All => true,
            Self::Phone(n) => phone == Some(n.as_str()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// Client emits `StreamReplaced`.
    Replaced,
    /// Client emits `LoggedOut` (any non-"replaced" type does).
    DeviceRemoved,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replaced => "replaced",
            Self::DeviceRemoved => "device_removed",
        }
    }
}

/// `<failure reason=…>` sent instead of `<success>` (SIMULATOR.md §10.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReason {
    /// 401
    LoggedOut,
    /// 402; the client needs both `code` and `expire` to report a ban.
    TempBanned {
        code: u16,
        expire_secs: u64,
    },
    /// 405
    ClientOutdated,
    /// 503; the client keeps retrying.
    ServiceUnavailable,
    Other(u16),
}

impl FailureReason {
    pub fn code(&self) -> u16 {
        match self {
            Self::LoggedOut => 401,
            Self::TempBanned { .. } => 402,
            Self::ClientOutdated => 405,
            Self::ServiceUnavailable => 503,
            Self::Other(code) => *code,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Refuse the next `companion_hello` with `<error code text [backoff]>`.
    PairCodeError {
        code: u16,
        text: String,
        backoff: Option<u32>,
    },
    /// Close the socket right after the ClientHello, `n` times.
    CloseDuringHandshake(u32),
    /// `<stream:error code=…/>` to a logged-in connection (now, or at next login).
    StreamError(u16),
    /// `<stream:error><conflict type=…/></stream:error>`, same timing as `StreamError`.
    Conflict(ConflictKind),
    /// WebSocket close (code 1000) to a logged-in connection, same timing as
    /// `StreamError`: the client emits `Disconnected` and reconnects.
    CloseConnection,
    /// `<failure>` instead of `<success>` at the next login.
    Failure(FailureReason),
    /// Stop answering anything, pings included, while keeping the socket open.
    DeadServer,
    /// Delay IQ replies by this many milliseconds.
    Slow(u64),
    /// Send a pair-success whose HMAC does not match the ADV secret.
    BadHmac,
    /// The next message routed to one of the target's companions arrives
    /// damaged (its MAC broken), as a corrupted delivery would: the
    /// recipient cannot decrypt it and asks the sender again with a retry
    /// receipt.
    Garble,
    /// The target's next `<message>` is routed but the server's `<ack>` to
    /// its sender never comes, as when the ack is lost on the way.
    LostAck,
}

/// Where in the protocol a fault can fire; faults are looked up by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    PairCode,
    HandshakeClose,
    Stream,
    Failure,
    Dead,
    Slow,
    BadHmac,
    Garble,
    LostAck,
}

impl Fault {
    /// 429 `rate-overlimit`: the client reports `PairCodeRejection::RateOverlimit`.
    pub fn pair_code_rate_limited(backoff: Option<u32>) -> Self {
        Self::PairCodeError {
            code: 429,
            text: "rate-overlimit".into(),
            backoff,
        }
    }

    /// 400 `bad-request`: the per-number throttle (`PairCodeRejection::BadRequest`).
    pub fn pair_code_bad_request() -> Self {
        Self::PairCodeError {
            code: 400,
            text: "bad-request".into(),
            backoff: None,
        }
    }

    pub(crate) fn kind(&self) -> FaultKind {
        match self {
            Self::PairCodeError { .. } => FaultKind::PairCode,
            Self::CloseDuringHandshake(_) => FaultKind::HandshakeClose,
            Self::StreamError(_) | Self::Conflict(_) | Self::CloseConnection => FaultKind::Stream,
            Self::Failure(_) => FaultKind::Failure,
            Self::DeadServer => FaultKind::Dead,
            Self::Slow(_) => FaultKind::Slow,
            Self::BadHmac => FaultKind::BadHmac,
            Self::Garble => FaultKind::Garble,
            Self::LostAck => FaultKind::LostAck,
        }
    }

    /// A one-shot `CloseDuringHandshake(n)` fires n times; everything else once.
    fn shots(&self) -> u32 {
        match self {
            Self::CloseDuringHandshake(n) => (*n).max(1),
            _ => 1,
        }
    }
}

struct Armed {
    target: Target,
    fault: Fault,
    sticky: bool,
    shots_left: u32,
}

/// Faults waiting for their trigger point.
#[derive(Default)]
pub(crate) struct FaultSet {
    armed: Vec<Armed>,
}

impl FaultSet {
    pub(crate) fn arm(&mut self, target: Target, fault: Fault, sticky: bool) {
        let shots_left = fault.shots();
        self.armed.push(Armed {
            target,
            fault,
            sticky,
            shots_left,
        });
    }

    /// Returns the first armed fault of `kind` for `phone`, consuming one shot
    /// unless it is sticky.
    pub(crate) fn take(&mut self, phone: Option<&str>, kind: FaultKind) -> Option<Fault> {
        let idx = self
            .armed
            .iter()
            .position(|a| a.fault.kind() == kind && a.target.matches(phone))?;
        let armed = &mut self.armed[idx];
        let fault = armed.fault.clone();
        if !armed.sticky {
            armed.shots_left = armed.shots_left.saturating_sub(1);
            if armed.shots_left == 0 {
                self.armed.remove(idx);
            }
        }
        Some(fault)
    }

    pub(crate) fn clear(&mut self) {
        self.armed.clear();
    }
}
