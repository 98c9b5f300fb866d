//! Transparent huge pages for the HNSW graph's memory.
//!
//! A graph search is a chain of random reads across the whole graph (over 1 GB at 1M
//! encodings). With 4 KiB pages nearly every one of those reads also misses the TLB and walks
//! the page tables; backed by 2 MiB pages the same searches ran ~27 % faster (200k encodings,
//! p50 1.28 → 0.94 ms, p99 1.73 → 1.23 ms, `benches/gallery.rs`, measured by switching the
//! kernel's THP mode). Most kernels run THP in `madvise` mode, which gives huge pages only to
//! memory that asks for them, and usearch maps its arenas itself, out of our reach. So the
//! graph takes a snapshot of the process's anonymous mappings before it grows and, after,
//! advises the mappings that appeared meanwhile (`MADV_HUGEPAGE`: later faults there get huge
//! pages) and collapses what is already filled (`MADV_COLLAPSE`, Linux 6.1+: now, rather than
//! whenever khugepaged gets there).
//!
//! This is advice only: no byte of the memory changes, and a kernel that refuses (THP off, an
//! older kernel, another OS) leaves it as it was. Collapsing fills at most one partly used
//! 2 MiB page at the end of each new mapping; ranges never touched are left unpopulated.

use std::ops::Range;

const HUGE_PAGE: usize = 2 * 1024 * 1024;

/// The anonymous read-write mappings of this process at one moment.
#[derive(Debug, Default)]
pub(super) struct MappingSnapshot {
    anonymous: Vec<Range<usize>>,
}

impl MappingSnapshot {
    /// The mappings now; empty where `/proc/self/maps` cannot be read.
    pub(super) fn take() -> Self {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        Self {
            anonymous: anonymous_mappings(&maps),
        }
    }

    /// Advises and collapses to huge pages every whole 2 MiB page of the anonymous mappings
    /// that exist now but did not at `self`. Returns the bytes advised.
    pub(super) fn advise_new_mappings(&self) -> usize {
        let now = Self::take();
        let mut advised = 0;
        for range in now.anonymous {
            for new in subtract(&range, &self.anonymous) {
                let start = new.start.next_multiple_of(HUGE_PAGE);
                let end = new.end - new.end % HUGE_PAGE;
                if end > start {
                    advise(start..end);
                    advised += end - start;
                }
            }
        }
        advised
    }
}

/// Anonymous private read-write mappings: `start-end rw-p offset dev inode` with inode 0 and
/// no path (the heap, stacks and files are named or backed, and are left alone).
fn anonymous_mappings(maps: &str) -> Vec<Range<usize>> {
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.split_ascii_whitespace();
            let (range, perms) = (fields.next()?, fields.next()?);
            let (_offset, _device, inode) = (fields.next()?, fields.next()?, fields.next()?);
            if perms != "rw-p" || inode != "0" || fields.next().is_some() {
                return None;
            }
            let (start, end) = range.split_once('-')?;
            let start = usize::from_str_radix(start, 16).ok()?;
            let end = usize::from_str_radix(end, 16).ok()?;
            (end > start).then_some(start..end)
        })
        .collect()
}

/// The parts of `range` that none of `old` covers.
fn subtract(range: &Range<usize>, old: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut parts = vec![range.clone()];
    for taken in old {
        parts = parts
            .into_iter()
            .flat_map(|part| {
                if taken.end <= part.start || taken.start >= part.end {
                    return vec![part];
                }
                [part.start..taken.start, taken.end..part.end]
                    .into_iter()
                    .filter(|p| p.end > p.start)
                    .collect()
            })
            .collect();
    }
    parts
}

#[cfg(target_os = "linux")]
fn advise(range: Range<usize>) {
    let (address, length) = (range.start as *mut libc::c_void, range.end - range.start);
    // SAFETY: both calls are advice on whole pages of a mapping this process owns (read from
    // its own /proc/self/maps a moment ago); neither reads, writes nor unmaps the memory, and
    // a range the kernel cannot take (unmapped since, THP disabled, a kernel before 6.1 for
    // MADV_COLLAPSE) fails the call with an error and changes nothing, which is fine: the
    // memory then keeps its small pages.
    unsafe {
        libc::madvise(address, length, libc::MADV_HUGEPAGE);
        libc::madvise(address, length, libc::MADV_COLLAPSE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_range: Range<usize>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unnamed_private_writable_mappings_count() {
        let maps = "\
55d0c0000000-55d0c0021000 rw-p 00000000 00:00 0          [heap]
7f0000000000-7f0000400000 rw-p 00000000 00:00 0
7f0000400000-7f0000800000 r--p 00000000 fd:01 1234       /usr/lib/libc.so.6
7f0000800000-7f0000c00000 rw-s 00000000 00:01 99         /dev/zero (deleted)
7f0000c00000-7f0001000000 rw-p 00000000 fd:01 1234       /data/file
7f0001000000-7f0001200000 ---p 00000000 00:00 0
";
        assert_eq!(
            anonymous_mappings(maps),
            vec![0x7f00_0000_0000..0x7f00_0040_0000]
        );
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one old mapping, not a range of them
    fn subtract_keeps_what_was_not_there_before() {
        assert_eq!(subtract(&(0..100), &[]), vec![0..100]);
        assert_eq!(subtract(&(0..100), &[0..100]), Vec::<Range<usize>>::new());
        assert_eq!(subtract(&(0..100), &[20..30, 60..200]), vec![0..20, 30..60]);
        // A mapping that grew (the kernel merged a new neighbour into it): only the growth.
        assert_eq!(subtract(&(0..100), &[0..40]), vec![40..100]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_mapping_made_after_the_snapshot_is_advised_and_its_contents_kept() {
        let before = MappingSnapshot::take();
        // 64 MiB of u64s: above glibc's largest mmap threshold, so always a fresh mapping.
        let mut block = vec![0u64; 8 << 20];
        for (i, x) in block.iter_mut().enumerate() {
            *x = i as u64;
        }
        let advised = before.advise_new_mappings();
        // The block spans at least 31 whole 2 MiB pages wherever it starts.
        assert!(advised >= 31 * HUGE_PAGE, "advised {advised} bytes");
        assert!(block.iter().enumerate().all(|(i, x)| *x == i as u64));
    }
}
