//! The approximate index: an HNSW graph over the gallery's encodings, for galleries too large
//! to scan within a frame's budget (a 1M-encoding scan is ~10 ms even on 8-bit codes).
//!
//! *Why `usearch`:* of the HNSW crates on crates.io it is the one that is both actively
//! maintained and supports what a gallery needs: insert into a built graph, and delete (a
//! removed node becomes a tombstone that keeps the graph navigable and whose slot the next
//! insert reuses), with concurrent inserts for the initial build. `hnsw_rs` has no delete and
//! stores every point behind an `Arc` with its own locks; `instant-distance` builds once and
//! cannot insert. usearch is C++ behind a `cxx` bridge, compiled by the `cc` crate with the
//! system g++ (one translation unit, ~30 s). Its default `numkong` feature is off: it compiles a
//! large C library of per-ISA SIMD kernels (4m40s on two cores, measured, and sensitive to the
//! compiler's intrinsics support); the graph's distance is ours instead (`code_distance`).
//!
//! The graph only *finds* candidates: keys map back to encodings, and the caller re-ranks them
//! with the exact f32 vectors it keeps, so distances never depend on the graph's arithmetic.
//! That is why the graph stores 8-bit codes: a graph walk is a chain of cache misses on node
//! vectors, and 192 bytes per node instead of 768 made searches ~1.8x faster (100k encodings:
//! median 0.88 → 0.48 ms, measured), for a dot-product error near 1e-3 that the re-rank repairs. usearch's own f32→i8 cast truncates
//! `x·127/|x|`, which leaves ~4 bits for a 192-D unit vector's components (≈ ±0.07); the codes
//! here use one scale for the whole graph, fitted to the largest component at build time.
//! For the same reason the memory the graph maps as it grows is advised onto transparent huge
//! pages (`huge_pages`): at 200k encodings p50/p99 went from 1.28/1.73 ms to 0.90/1.19 ms.
//!
//! *Why the graph's distance is ours* (`code_distance`): without `numkong`, usearch's i8 inner
//! product accumulates in f32 one element after another, and since the compiler may not
//! reorder float additions that is a chain of 192 dependent additions per distance (gdb
//! samples of a 1M build sat in it). An i32 dot product of the same codes is exact, may be
//! reordered, and vectorises in portable code. Measured back to back at 100k encodings
//! (`benches/gallery.rs`, 2026-12-01): build 116.7 → 105.1 s, search p50/p99 1.63/2.03 →
//! 1.37/1.75 ms. Compiled for AVX-512BW and AVX2 as well as the baseline (`multiversion`,
//! chosen at run time; 47 → 9 ns per 192-D distance on an AMD EPYC with AVX-512), again back to
//! back at 100k: build 159.7 → 62.7 s, search p50/p99 0.91/1.20 → 0.34/0.51 ms. So the walk
//! was bound by the distance's arithmetic, not by its cache misses.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread;

use multiversion::multiversion;
use usearch::{Index, IndexOptions, MetricKind, ScalarKind};
use uuid::Uuid;

use super::GalleryError;
use super::huge_pages::MappingSnapshot;

/// HNSW construction and search parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HnswParams {
    pub connectivity: usize,
    pub expansion_add: usize,
    pub expansion_search: usize,
}

/// An HNSW graph keyed by encoding id.
pub(super) struct HnswIndex {
    index: Index,
    /// usearch keys are `u64`; ours are UUIDs. Keys are never reused, so a stale key can never
    /// name a different encoding.
    key_of: HashMap<Uuid, u64>,
    encoding_of: HashMap<u64, Uuid>,
    next_key: u64,
    /// Removed nodes not yet reused by an insert: they still cost hops during search.
    tombstones: usize,
    /// Bytes of the memory mapped while the graph grew that were advised to use huge pages.
    huge_page_bytes: usize,
    /// Value of one code step, shared by every vector (inner products compare across vectors,
    /// so a per-vector scale would distort them); fitted by the first insert.
    step: Option<f32>,
    /// Threads that insert a batch; at most `contexts`.
    threads: usize,
    /// usearch keeps one scratch context per concurrent caller, sized at every reserve, and
    /// *fails* a call when none is free; `free_contexts` hands them out so that extra concurrent
    /// searches wait instead.
    contexts: usize,
    free_contexts: Mutex<usize>,
    context_freed: Condvar,
}

/// A usearch context held for one call.
struct ContextGuard<'a>(&'a HnswIndex);

impl Drop for ContextGuard<'_> {
    fn drop(&mut self) {
        *self
            .0
            .free_contexts
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.context_freed.notify_one();
    }
}

impl std::fmt::Debug for HnswIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HnswIndex")
            .field("len", &self.len())
            .field("tombstones", &self.tombstones)
            .finish_non_exhaustive()
    }
}

fn index_error(e: impl std::fmt::Display) -> GalleryError {
    GalleryError::ApproximateIndex(e.to_string())
}

impl HnswIndex {
    /// An empty graph that inserts batches from `threads` threads (0: every core).
    pub(super) fn new(
        dimension: usize,
        params: HnswParams,
        threads: usize,
    ) -> Result<Self, GalleryError> {
        let cores = thread::available_parallelism().map_or(1, |n| n.get());
        let threads = if threads == 0 { cores } else { threads };
        let contexts = threads.max(cores);
        let options = IndexOptions {
            dimensions: dimension,
            // Unit vectors: inner product orders exactly as Euclidean distance does.
            metric: MetricKind::IP,
            // Codes are given as i8 already (see `encode`), so usearch stores them as they are.
            quantization: ScalarKind::I8,
            connectivity: params.connectivity,
            expansion_add: params.expansion_add,
            expansion_search: params.expansion_search,
            multi: false,
        };
        let mut index = Index::new(&options).map_err(index_error)?;
        index.change_metric::<i8>(Box::new(move |a, b| {
            // SAFETY: usearch calls the metric with two vectors of the index's `dimension`
            // scalars of its storage kind, i8 (`ScalarKind::I8`): stored nodes, and queries
            // given as i8 codes of that length (`encode`), never cast.
            let (a, b) = unsafe {
                (
                    std::slice::from_raw_parts(a, dimension),
                    std::slice::from_raw_parts(b, dimension),
                )
            };
            code_distance(a, b)
        }));
        Ok(Self {
            index,
            key_of: HashMap::new(),
            encoding_of: HashMap::new(),
            next_key: 0,
            tombstones: 0,
            huge_page_bytes: 0,
            step: None,
            threads,
            contexts,
            free_contexts: Mutex::new(contexts),
            context_freed: Condvar::new(),
        })
    }

    /// Adds every `(encoding, vector)`, replacing earlier vectors of the same encodings.
    /// Encodings must be distinct.
    pub(super) fn insert_many(&mut self, rows: &[(Uuid, &[f32])]) -> Result<(), GalleryError> {
        for (encoding, _) in rows {
            self.remove(*encoding)?;
        }
        // usearch maps memory as the graph grows; what it maps now is advised afterwards.
        let mappings = MappingSnapshot::take();
        let needed = self.index.size() + self.tombstones + rows.len();
        if needed > self.index.capacity() {
            // At least doubling keeps one-by-one inserts to amortised O(1) reallocations.
            let capacity = needed.max(self.index.capacity() * 2).max(1024);
            self.index
                .reserve_capacity_and_threads(capacity, self.contexts)
                .map_err(index_error)?;
        }
        let threads = self.threads.min(rows.len()).max(1);
        let step = *self.step.get_or_insert_with(|| {
            let max = rows
                .iter()
                .flat_map(|(_, v)| v.iter())
                .fold(0.0f32, |m, x| m.max(x.abs()));
            if max > 0.0 { max / 127.0 } else { 1.0 }
        });
        let first_key = self.next_key;
        // Keys are assigned before the threads start, so they never depend on scheduling.
        self.next_key += rows.len() as u64;
        let chunk = rows.len().div_ceil(threads).max(1);
        let index = &self.index;
        thread::scope(|scope| {
            let workers: Vec<_> = rows
                .chunks(chunk)
                .enumerate()
                .map(|(c, part)| {
                    scope.spawn(move || {
                        part.iter().enumerate().try_for_each(|(i, (_, vector))| {
                            let key = first_key + (c * chunk + i) as u64;
                            index.add(key, &encode(vector, step)).map_err(index_error)
                        })
                    })
                })
                .collect();
            workers.into_iter().try_for_each(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(index_error("an insert thread panicked")))
            })
        })?;
        for (i, (encoding, _)) in rows.iter().enumerate() {
            let key = first_key + i as u64;
            self.key_of.insert(*encoding, key);
            self.encoding_of.insert(key, *encoding);
        }
        // usearch fills freed slots before new ones.
        self.tombstones = self.tombstones.saturating_sub(rows.len());
        self.huge_page_bytes += mappings.advise_new_mappings();
        Ok(())
    }

    pub(super) fn len(&self) -> usize {
        self.index.size()
    }

    pub(super) fn tombstones(&self) -> usize {
        self.tombstones
    }

    /// Bytes advised to use huge pages (see `huge_pages`).
    pub(super) fn huge_page_bytes(&self) -> usize {
        self.huge_page_bytes
    }

    pub(super) fn memory_bytes(&self) -> usize {
        self.index.memory_usage()
            + (self.key_of.capacity() + self.encoding_of.capacity()) * (8 + 16 + 1)
    }

    /// Removes `encoding`; true when it was present.
    pub(super) fn remove(&mut self, encoding: Uuid) -> Result<bool, GalleryError> {
        let Some(key) = self.key_of.remove(&encoding) else {
            return Ok(false);
        };
        self.encoding_of.remove(&key);
        self.index.remove(key).map_err(index_error)?;
        self.tombstones += 1;
        Ok(true)
    }

    /// Changes the search breadth (`ef`) of later searches.
    pub(super) fn set_expansion_search(&self, expansion: usize) {
        self.index.change_expansion_search(expansion);
    }

    /// Waits for a free usearch context.
    fn context(&self) -> ContextGuard<'_> {
        let mut free = self
            .free_contexts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .context_freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        ContextGuard(self)
    }

    /// Up to `count` encodings near `vector`, nearest first by the graph's reckoning.
    pub(super) fn search(&self, vector: &[f32], count: usize) -> Result<Vec<Uuid>, GalleryError> {
        let _context = self.context();
        let Some(step) = self.step else {
            return Ok(Vec::new());
        };
        let matches = self
            .index
            .search(&encode(vector, step), count)
            .map_err(index_error)?;
        Ok(matches
            .keys
            .iter()
            .filter_map(|key| self.encoding_of.get(key).copied())
            .collect())
    }
}

/// The graph's distance between two code vectors: the negated integer inner product, which
/// orders pairs as usearch's `1 − a·b` does (every code shares one step). Exact in f32 up to
/// 1,040 dimensions (1,040 · 127² < 2²⁴). Compiled for AVX-512BW and AVX2 as well, picked at
/// run time (as the exact scan's kernel is, see `quantized`).
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl", "x86_64+avx2"))]
fn code_distance(a: &[i8], b: &[i8]) -> f32 {
    let dot: i32 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum();
    -(dot as f32)
}

/// A vector's codes at `step` per unit; components beyond the fitted range (inserted after the
/// build) clamp, which only blurs the graph's ordering.
fn encode(vector: &[f32], step: f32) -> Vec<i8> {
    vector
        .iter()
        .map(|x| (x / step).round().clamp(-127.0, 127.0) as i8)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::gallery::test_support::Rng;

    #[test]
    fn the_code_distance_is_the_negated_exact_inner_product() {
        let mut rng = Rng(11);
        // Codes over the whole range, made the way the graph makes them.
        let mut codes = |dimension: usize| {
            let values: Vec<f32> = (0..dimension).map(|_| rng.uniform()).collect();
            encode(&values, 1.0 / 127.0)
        };
        for dimension in [1, 7, 64, 192, 512] {
            let (a, b) = (codes(dimension), codes(dimension));
            let naive: i64 = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| i64::from(x) * i64::from(y))
                .sum();
            assert_eq!(code_distance(&a, &b), -(naive as f32), "{dimension}-D");
        }
        // The extremes stay exact.
        let top = vec![127i8; 192];
        let bottom = vec![-127i8; 192];
        assert_eq!(code_distance(&top, &top), -(192.0 * 127.0 * 127.0));
        assert_eq!(code_distance(&top, &bottom), 192.0 * 127.0 * 127.0);
    }
}
