//! Where "now" comes from. The daemon, detection, issuing and the commands
//! read the time through a [`WallClock`] passed in, like the store: the
//! system's clock in production, a fixed or hand-moved one in tests, so no
//! test depends on the date or hour it runs.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::Utc;

use super::Instant;

/// A source of the current instant; cheap to clone (clones share the time).
#[derive(Debug, Clone)]
pub struct WallClock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System,
    /// Set by hand; a std `Mutex` because it is held only to copy an instant.
    Manual(Mutex<Instant>),
}

impl WallClock {
    /// The system's clock.
    pub fn system() -> WallClock {
        WallClock(Arc::new(Source::System))
    }

    /// A clock that stays at `at` until [`set`](Self::set) or
    /// [`advance`](Self::advance) moves it.
    pub fn manual(at: Instant) -> WallClock {
        WallClock(Arc::new(Source::Manual(Mutex::new(at))))
    }

    /// The current instant.
    pub fn now(&self) -> Instant {
        match &*self.0 {
            Source::System => Utc::now(),
            Source::Manual(at) => *at.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// Moves a manual clock to `at` (the system's clock cannot be moved: ignored).
    pub fn set(&self, at: Instant) {
        if let Source::Manual(t) = &*self.0 {
            *t.lock().unwrap_or_else(PoisonError::into_inner) = at;
        }
    }

    /// Moves a manual clock on by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        if let Source::Manual(t) = &*self.0 {
            let mut t = t.lock().unwrap_or_else(PoisonError::into_inner);
            *t += by;
        }
    }
}

impl Default for WallClock {
    fn default() -> Self {
        WallClock::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let start: Instant = "2026-10-12T09:00:00Z".parse().unwrap();
        let clock = WallClock::manual(start);
        let other = clock.clone();
        assert_eq!(other.now(), start);
        clock.advance(chrono::Duration::minutes(90));
        assert_eq!(other.now().to_rfc3339(), "2026-10-12T10:30:00+00:00");
        other.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn the_system_clock_reads_the_time() {
        let before = Utc::now();
        let now = WallClock::system().now();
        assert!(now >= before && now <= Utc::now());
    }
}
