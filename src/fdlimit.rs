//! Open-file limit: every session holds a socket; the key stores open at a
//! time (`keys.db`'s database and WAL each; the shared memory is one per
//! process) are bounded by the limit itself. A login shell's soft limit (often
//! 1,024) would stop walink at a few hundred sessions with nothing said, so
//! walink raises the soft limit to the hard one at start and says when the
//! linked sessions still do not fit.

use std::io;

/// Descriptors one connected session holds: its WebSocket. Its keys'
/// store is open only while used (`KEY_STORE` each, `key_stores` at
/// most). Was 3 (a store always open) and 4 (a key file each).
pub const PER_SESSION: u64 = 1;
/// Descriptors one open key store holds: the database and its WAL.
pub const KEY_STORE: u64 = 2;
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
    /// How many key stores may be open at once: an eighth of the limit,
    /// from 16 to 1,024 (enough for a restore to run at full speed).
    pub fn key_stores(&self) -> u64 {
        (self.soft / 8).clamp(16, 1024)
    }

    /// About how many sessions fit under the soft limit.
    pub fn sessions(&self) -> u64 {
        self.soft
            .saturating_sub(MARGIN + KEY_STORE * self.key_stores())
            / PER_SESSION
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
        // 1,024 less the margin and 128 stores of two.
        assert_eq!(lim.key_stores(), 128);
        assert_eq!(lim.sessions(), 704);
        assert_eq!(lim.budget_sentence(704), None);
        assert_eq!(
            lim.budget_sentence(800).as_deref(),
            Some(
                "the open-file limit (1,024) allows about 704 sessions and 800 are linked: raise LimitNOFILE (walink.service sets it) or ulimit -n"
            )
        );
        let big = FdLimit {
            soft: 1_048_576,
            hard: 1_048_576,
            was: 1024,
        };
        assert_eq!(big.key_stores(), 1024);
        assert_eq!(big.budget_sentence(10_000), None);
        let machine = FdLimit {
            soft: 20_000,
            hard: 20_000,
            was: 1024,
        };
        assert_eq!(machine.budget_sentence(10_000), None);
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
