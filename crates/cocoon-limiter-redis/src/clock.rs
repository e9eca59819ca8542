//! The offset between this process's clock and Redis's, from the answers' round trips.

/// How many clock measurements the offset is chosen from, at most.
const CLOCK_SAMPLES: usize = 16;

/// A round trip slower than this (microseconds) measures the clock too loosely to rely on
/// alone: half of it, the most the measurement can be off, would crowd a slot's neighbours.
const CLOCK_SURE_ROUND_TRIP: u64 = 20_000;

/// How long a clock measurement counts (clocks of different hosts drift apart slowly; an idle
/// process starts afresh).
const CLOCK_SAMPLE_LIFE: u64 = 10_000_000;

/// The offset between this process's clock and the server's. Each answer measures it as the
/// middle of the round trip (between sending and reading) minus the server's clock when the
/// script ran: the true offset, give or take half the round trip. The measurement of the
/// fastest recent round trip is the one closest to the truth, so slots converted with it do
/// not inherit one slow answer's delay (and two processes agree on the schedule to within
/// half their fastest round trips).
#[derive(Debug, Default)]
pub(crate) struct ClockOffset {
    /// When each measurement was made (this process's clock), its round trip, and what it
    /// found.
    samples: std::collections::VecDeque<(u64, u64, i128)>,
    /// The offset chosen: this process's time minus the server's.
    pub(crate) least: Option<i128>,
}

impl ClockOffset {
    pub(crate) fn measured(&mut self, server: u64, sent: u64, received: u64) {
        while self.samples.len() == CLOCK_SAMPLES
            || self
                .samples
                .front()
                .is_some_and(|(at, _, _)| received.saturating_sub(*at) > CLOCK_SAMPLE_LIFE)
        {
            self.samples.pop_front();
        }
        let sent = sent.min(received);
        let middle = sent + (received - sent) / 2;
        self.samples.push_back((
            received,
            received - sent,
            i128::from(middle) - i128::from(server),
        ));
        // The fastest round trip; the latest of equals (clocks drift).
        self.least = self
            .samples
            .iter()
            .rev()
            .min_by_key(|(_, round_trip, _)| *round_trip)
            .map(|(_, _, offset)| *offset);
    }

    /// Whether the offset rests on one measurement only, from a slow round trip.
    pub(crate) fn unsure(&self) -> bool {
        matches!(self.samples.as_slices(), ([(_, round_trip, _)], []) | ([], [(_, round_trip, _)])
            if *round_trip > CLOCK_SURE_ROUND_TRIP)
    }

    pub(crate) fn to_local(&self, server: u64) -> Option<u64> {
        let local = i128::from(server) + self.least?;
        Some(u64::try_from(local.max(0)).unwrap_or(u64::MAX))
    }

    pub(crate) fn to_server(&self, local: u64) -> Option<u64> {
        let server = i128::from(local) - self.least?;
        u64::try_from(server).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_offset_is_the_least_delayed_recent_measurement() {
        let mut clock = ClockOffset::default();
        assert_eq!(clock.to_local(5), None);
        // Server at 1_000_000 when the script ran, in the middle of a round trip from 150 to
        // 350 here: offset 250 - 1_000_000.
        clock.measured(1_000_000, 150, 350);
        // A faster round trip (10 us) measures 100_203.
        clock.measured(1_100_000, 100_198, 100_208);
        // A slower one, however small its offset, does not count over the fastest.
        clock.measured(1_200_000, 150_000, 200_100);
        assert_eq!(clock.to_local(1_300_000), Some(300_203));
        assert_eq!(clock.to_server(300_203), Some(1_300_000));
        // Eleven seconds later the old measurements no longer count.
        clock.measured(12_200_000, 11_200_600, 11_200_800);
        assert_eq!(clock.to_local(12_300_000), Some(11_300_700));
    }
}
