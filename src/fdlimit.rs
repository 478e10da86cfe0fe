//! Open-file limit: every session holds a socket and its own connection to
//! `keys.db` (the database and its WAL; the shared memory is one per
//! process). A login shell's soft limit (often
//! 1,024) would stop walink at a few hundred sessions with nothing said, so
//! walink raises the soft limit to the hard one at start and says when the
//! linked sessions still do not fit.

use std::io;

/// Descriptors one connected session holds: the WebSocket and its
/// connection's database and WAL files in `keys.db`. Measured: 3.00 a
/// session for `walink serve` with 300 linked (`cargo bench --bench
/// scale`; 4.00 when each session had a key file of its own).
pub const PER_SESSION: u64 = 3;
/// The registry, the log, the lock, stdio, the runtime's own descriptors.
pub const MARGIN: u64 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdLimit {
    pub soft: u64,
    pub hard: u64,
    /// The soft limit before walink raised it.
    pub was: u64,
}

impl FdLimit {
    /// About how many sessions fit under the soft limit.
    pub fn sessions(&self) -> u64 {
        self.soft.saturating_sub(MARGIN) / PER_SESSION
    }

    /// The sentence when `linked` sessions do not fit; `None` when they do.
    pub fn budget_sentence(&self, linked: u64) -> Option<String> {
        let fits = self.sessions();
        (linked > fits).then(|| {
            format!(
                "the open-file limit ({}) allows about {} {} and {} are linked: raise LimitNOFILE (walink.service sets it) or ulimit -n",
                thousands(self.soft),
                thousands(fits),
                if fits == 1 { "session" } else { "sessions" },
                thousands(linked)
            )
        })
    }
}

/// Raise the soft `RLIMIT_NOFILE` to the hard limit (as Go programs do at
/// start) and report both.
pub fn raise() -> io::Result<FdLimit> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let was = lim.rlim_cur;
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: setrlimit reads the struct we own; lowering nothing.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim.rlim_cur = lim.rlim_max;
        }
    }
    Ok(FdLimit {
        soft: lim.rlim_cur,
        hard: lim.rlim_max,
        was,
    })
}

/// The process ran out of descriptors (EMFILE) or the system did (ENFILE),
/// as the error text says it.
pub fn is_out_of_files(text: &str) -> bool {
    text.contains("os error 24")
        || text.contains("os error 23")
        || text.contains("Too many open files")
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_says_when_sessions_do_not_fit() {
        let lim = FdLimit {
            soft: 1024,
            hard: 1024,
            was: 1024,
        };
        assert_eq!(lim.sessions(), 320);
        assert_eq!(lim.budget_sentence(320), None);
        assert_eq!(
            lim.budget_sentence(400).as_deref(),
            Some(
                "the open-file limit (1,024) allows about 320 sessions and 400 are linked: raise LimitNOFILE (walink.service sets it) or ulimit -n"
            )
        );
        let big = FdLimit {
            soft: 1_048_576,
            hard: 1_048_576,
            was: 1024,
        };
        assert_eq!(big.budget_sentence(10_000), None);
    }

    #[test]
    fn out_of_files_is_recognised() {
        assert!(is_out_of_files("Too many open files (os error 24)"));
        assert!(is_out_of_files("connecting to x failed: os error 23"));
        assert!(!is_out_of_files("connection refused (os error 111)"));
    }

    #[test]
    fn raising_never_lowers() {
        let lim = raise().expect("getrlimit");
        assert!(lim.soft >= lim.was);
        assert_eq!(lim.soft, lim.hard);
    }
}
