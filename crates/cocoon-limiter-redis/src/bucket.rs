//! The GCRA with reservations and pauses, as plain arithmetic over microseconds.
//!
//! The Lua script ([`crate::script`]) runs exactly this arithmetic inside Redis on the server's
//! clock; this Rust copy runs the local fallback budget on this process's clock. Keep the two
//! in step: the tests of both check the same cases.

/// One budget: the latest slot handed out, how far pauses have moved the slots still to come,
/// and the end of the current pause. All times in microseconds on one clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Bucket {
    /// The latest slot handed out, if any.
    pub(crate) last: Option<u64>,
    /// How far pauses have moved the slots handed out, in all.
    pub(crate) shift: u64,
    /// No slot before this.
    pub(crate) paused_until: u64,
    /// No new slot before this (a full window heard): unlike a pause, the slots handed out
    /// keep their times.
    pub(crate) floor: u64,
}

impl Bucket {
    /// No slot before `until`: the slots still to come move back together by as much as the
    /// first of them needs, keeping their order and spacing, so the first lands when the pause
    /// ends. The slot just due counts as still to come (its caller may not have gone yet: if it
    /// has, its moved place is only a gap). Returns how far they moved.
    pub(crate) fn pause(&mut self, now: u64, until: u64, period: u64) -> u64 {
        if until <= now || until <= self.paused_until {
            return 0;
        }
        let mut moved = 0;
        if let Some(last) = self.last.filter(|last| *last >= now) {
            let mut first_to_come = last - period * (last - now).div_ceil(period.max(1));
            if self.paused_until > now {
                // A pause still running moved them past its end already: this one moves them on
                // by the difference, not by all of it again.
                first_to_come = first_to_come.max(self.paused_until.min(last));
            }
            if until > first_to_come {
                moved = until - first_to_come;
                self.shift += moved;
                self.last = Some(last + moved);
            }
        }
        self.paused_until = until;
        moved
    }

    /// The next slot, first come first served: not before `now`, the pause's end or the floor,
    /// one `period` after the latest slot, nor one `period` after `after` (a slot of the
    /// caller's own that this budget did not hand out). Taken when it is at most `max_wait`
    /// away; otherwise refused with the slot it would have been, and nothing is used up.
    pub(crate) fn reserve(
        &mut self,
        now: u64,
        period: u64,
        max_wait: u64,
        after: Option<u64>,
    ) -> Result<u64, u64> {
        let mut slot = now.max(self.paused_until).max(self.floor);
        if let Some(last) = self.last {
            slot = slot.max(last + period);
        }
        if let Some(after) = after {
            slot = slot.max(after + period);
        }
        if slot - now > max_wait {
            return Err(slot);
        }
        self.last = Some(slot);
        Ok(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: u64 = 103_000;
    const FOREVER: u64 = u64::MAX / 2;

    #[test]
    fn slots_are_first_come_first_served_one_period_apart() {
        let mut b = Bucket::default();
        assert_eq!(b.reserve(1_000, P, FOREVER, None), Ok(1_000));
        assert_eq!(b.reserve(1_000, P, FOREVER, None), Ok(1_000 + P));
        assert_eq!(b.reserve(1_010, P, FOREVER, None), Ok(1_000 + 2 * P));
        // Idle long enough: the next slot is now.
        assert_eq!(b.reserve(10_000_000, P, FOREVER, None), Ok(10_000_000));
    }

    #[test]
    fn a_refusal_past_max_wait_uses_no_slot() {
        let mut b = Bucket::default();
        for _ in 0..3 {
            b.reserve(0, P, FOREVER, None).unwrap();
        }
        assert_eq!(b.reserve(0, P, 2 * P, None), Err(3 * P));
        assert_eq!(b.reserve(0, P, 3 * P, None), Ok(3 * P));
    }

    #[test]
    fn a_pause_moves_the_slots_to_come_together() {
        let mut b = Bucket::default();
        for _ in 0..4 {
            b.reserve(0, P, FOREVER, None).unwrap();
        }
        // At P/2 the slots to come are P, 2P, 3P, and 0 is just due: a pause to 1 s moves them
        // all by 1 s.
        let moved = b.pause(P / 2, 1_000_000, P);
        assert_eq!(moved, 1_000_000);
        assert_eq!(b.shift, moved);
        assert_eq!(b.last, Some(3 * P + moved));
        assert_eq!(b.reserve(P / 2, P, FOREVER, None), Ok(4 * P + moved));
        // A shorter pause afterwards changes nothing.
        assert_eq!(b.pause(P, 500_000, P), 0);
    }

    #[test]
    fn overlapping_pauses_move_the_slots_by_the_later_end_not_by_their_sum() {
        let mut b = Bucket::default();
        for _ in 0..4 {
            b.reserve(0, P, FOREVER, None).unwrap();
        }
        let first = b.pause(P / 2, 1_000_000, P);
        // A second 429 while the first pause runs, asking for a little more.
        let second = b.pause(P, 1_200_000, P);
        assert_eq!(second, 200_000);
        assert_eq!(b.shift, first + second);
        assert_eq!(b.last, Some(1_200_000 + 3 * P));
        assert_eq!(b.paused_until, 1_200_000);
    }

    #[test]
    fn a_pause_with_nothing_to_come_only_holds_new_slots() {
        let mut b = Bucket::default();
        b.reserve(0, P, FOREVER, None).unwrap();
        assert_eq!(b.pause(5 * P, 7 * P, P), 0);
        assert_eq!(b.reserve(5 * P, P, FOREVER, None), Ok(7 * P));
    }

    #[test]
    fn a_floor_holds_new_slots_and_leaves_the_ones_handed_out() {
        let mut b = Bucket::default();
        for _ in 0..3 {
            b.reserve(0, P, FOREVER, None).unwrap();
        }
        b.floor = 1_000_000;
        assert_eq!((b.shift, b.last), (0, Some(2 * P)));
        assert_eq!(b.reserve(P, P, FOREVER, None), Ok(1_000_000));
        assert_eq!(b.reserve(P, P, FOREVER, None), Ok(1_000_000 + P));
    }

    #[test]
    fn a_slot_of_the_callers_own_is_followed_by_a_period() {
        let mut b = Bucket::default();
        assert_eq!(b.reserve(0, P, FOREVER, Some(400_000)), Ok(400_000 + P));
    }
}
