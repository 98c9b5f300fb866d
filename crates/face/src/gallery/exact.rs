//! Exact nearest-person search: a scan over 8-bit codes, then an exact f32 re-rank.
//!
//! A query over f32 vectors is memory-bound (100,000 × 192-D reads 77 MB: 5.4 ms on one core).
//! The scan here reads 8-bit codes instead (19 MB), keeps the best-scoring few rows, and
//! re-ranks those with the exact f32 dot product from a full-precision copy. Every code score
//! is within a known bound of the exact dot product (see `quantized.rs`), so after the re-rank
//! the index can *prove* that no row left out could have changed the answer; when it cannot
//! (rare: many near-ties around the k-th person), it rescans for every row that could, so the
//! results are those of a full f32 scan, distances included, always.
//!
//! Storage is contiguous and rows are moved on removal (swap-remove), so a scan streams memory.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::mem::size_of;
use std::ops::Range;

use uuid::Uuid;

use super::quantized::{ProbeCodes, encode_row, stride};
use super::{Candidate, Embedding, GalleryError, ModelId, distance_from_dot, dot};

/// Rows shortlisted per requested person, before the exact re-rank. A person's encodings score
/// alike, so the shortlist must reach well past the k-th person for the bound to prove that no
/// row left out matters: with 4 rows per person, 6% of 100k-gallery queries needed the second
/// pass (measured); with 32 almost none do, and re-ranking 160 rows costs ~30 µs.
const SHORTLIST_PER_PERSON: usize = 32;
const SHORTLIST_MIN: usize = 64;

/// Rows scored against every probe of a batch before moving on: 256 rows of 192-D codes are
/// 48 KiB, which stays in L2 while each probe takes its turn, so memory is read once per batch.
const BATCH_BLOCK_ROWS: usize = 256;

/// Rows scored per kernel call: enough that the call and its CPU-feature dispatch cost nothing
/// per row, few enough for a buffer on the stack.
const SCORE_BLOCK_ROWS: usize = 64;

/// Exact nearest-person search over contiguous 8-bit codes with an f32 re-rank.
#[derive(Debug, Clone)]
pub struct ExactIndex {
    model: ModelId,
    /// Bytes per row of `codes`: the dimension rounded up for the kernel.
    stride: usize,
    /// `entries[i]` = (person, encoding) owns row `i` of `codes`, `scales` and `vectors`.
    entries: Vec<(Uuid, Uuid)>,
    codes: Vec<u8>,
    scales: Vec<f32>,
    /// Full precision, read only for the shortlist: the source of every reported distance.
    vectors: Vec<f32>,
    position: HashMap<Uuid, usize>,
    /// The largest coding error of any row stored so far. Never lowered on removal: it only
    /// has to be an upper bound, and recomputing it would cost a scan.
    max_error: f32,
}

impl ExactIndex {
    pub fn new(model: ModelId) -> Self {
        Self {
            stride: stride(model.dimension),
            model,
            entries: Vec::new(),
            codes: Vec::new(),
            scales: Vec::new(),
            vectors: Vec::new(),
            position: HashMap::new(),
            max_error: 0.0,
        }
    }

    pub fn model(&self) -> &ModelId {
        &self.model
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes held per stored encoding (codes, f32 copy, ids, lookup table), for capacity planning.
    pub fn memory_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<(Uuid, Uuid)>()
            + self.codes.capacity()
            + self.scales.capacity() * size_of::<f32>()
            + self.vectors.capacity() * size_of::<f32>()
            // hashbrown: key, value and one control byte per bucket.
            + self.position.capacity() * (size_of::<(Uuid, usize)>() + 1)
    }

    pub(super) fn check(&self, embedding: &Embedding) -> Result<(), GalleryError> {
        if embedding.model != self.model {
            return Err(GalleryError::WrongModel {
                expected: self.model.name.clone(),
                actual: embedding.model.name.clone(),
            });
        }
        Ok(())
    }

    /// Adds or replaces the encoding `encoding_id` of `person_id`.
    pub fn upsert(
        &mut self,
        person_id: Uuid,
        encoding_id: Uuid,
        embedding: &Embedding,
    ) -> Result<(), GalleryError> {
        self.check(embedding)?;
        let (dim, stride) = (self.model.dimension, self.stride);
        let row = match self.position.get(&encoding_id) {
            Some(&i) => {
                self.entries[i] = (person_id, encoding_id);
                self.vectors[i * dim..(i + 1) * dim].copy_from_slice(&embedding.values);
                i
            }
            None => {
                let i = self.entries.len();
                self.position.insert(encoding_id, i);
                self.entries.push((person_id, encoding_id));
                self.vectors.extend_from_slice(&embedding.values);
                self.codes.resize((i + 1) * stride, 0);
                self.scales.push(0.0);
                i
            }
        };
        let (scale, error) = encode_row(
            &embedding.values,
            &mut self.codes[row * stride..(row + 1) * stride],
        );
        self.scales[row] = scale;
        self.max_error = self.max_error.max(error);
        Ok(())
    }

    /// Removes one encoding; true when it was present.
    pub fn remove_encoding(&mut self, encoding_id: Uuid) -> bool {
        let Some(i) = self.position.remove(&encoding_id) else {
            return false;
        };
        // Move the last row into the hole, keeping storage contiguous.
        self.entries.swap_remove(i);
        self.scales.swap_remove(i);
        swap_remove_row(&mut self.vectors, i, self.model.dimension);
        swap_remove_row(&mut self.codes, i, self.stride);
        if i < self.entries.len() {
            self.position.insert(self.entries[i].1, i);
        }
        true
    }

    /// Removes every encoding of a person; returns how many.
    pub fn remove_person(&mut self, person_id: Uuid) -> usize {
        self.encodings_of(person_id)
            .into_iter()
            .filter(|e| self.remove_encoding(*e))
            .count()
    }

    /// The `k` closest *persons* (each by their closest encoding), nearest first; ties broken
    /// by person id.
    pub fn search(&self, probe: &Embedding, k: usize) -> Result<Vec<Candidate>, GalleryError> {
        self.check(probe)?;
        if k == 0 || self.is_empty() {
            return Ok(Vec::new());
        }
        let codes = ProbeCodes::new(&probe.values, self.stride);
        let mut shortlist = shortlist_len(k);
        loop {
            let mut top = TopRows::new(shortlist);
            self.score_rows(&codes, 0..self.len(), &mut top);
            if let Some(found) = self.finish(probe, &codes, top, k) {
                return Ok(found);
            }
            // Fewer than k persons among the shortlist: a few persons own many close rows.
            shortlist = shortlist.saturating_mul(8);
        }
    }

    /// [`Self::search`] for several probes in one pass over memory: each block of rows is
    /// scored against every probe while it is in cache (the camera path identifies all faces of
    /// a frame at once). Results are those of `search`, probe by probe.
    pub fn search_batch(
        &self,
        probes: &[Embedding],
        k: usize,
    ) -> Result<Vec<Vec<Candidate>>, GalleryError> {
        probes.iter().try_for_each(|p| self.check(p))?;
        if k == 0 || self.is_empty() {
            return Ok(vec![Vec::new(); probes.len()]);
        }
        let codes: Vec<ProbeCodes> = probes
            .iter()
            .map(|p| ProbeCodes::new(&p.values, self.stride))
            .collect();
        let mut tops: Vec<TopRows> = probes
            .iter()
            .map(|_| TopRows::new(shortlist_len(k)))
            .collect();
        for start in (0..self.len()).step_by(BATCH_BLOCK_ROWS) {
            let block = start..(start + BATCH_BLOCK_ROWS).min(self.len());
            for (c, top) in codes.iter().zip(&mut tops) {
                self.score_rows(c, block.clone(), top);
            }
        }
        probes
            .iter()
            .zip(&codes)
            .zip(tops)
            .map(|((probe, c), top)| match self.finish(probe, c, top, k) {
                Some(found) => Ok(found),
                None => self.search(probe, k),
            })
            .collect()
    }

    /// Offers rows `rows` to `top` by code score.
    fn score_rows(&self, codes: &ProbeCodes, rows: Range<usize>, top: &mut TopRows) {
        self.for_each_score(codes, rows, |row, score| top.offer(score, row));
    }

    /// Calls `f(row, code score)` for every row of `rows`, in order. Rows are scored a block
    /// at a time so the kernel's loop runs without a call per row.
    fn for_each_score(
        &self,
        codes: &ProbeCodes,
        rows: Range<usize>,
        mut f: impl FnMut(usize, f32),
    ) {
        let stride = self.stride;
        let mut scores = [0.0f32; SCORE_BLOCK_ROWS];
        for start in rows.clone().step_by(SCORE_BLOCK_ROWS) {
            let end = (start + SCORE_BLOCK_ROWS).min(rows.end);
            let scores = &mut scores[..end - start];
            codes.score_rows(
                &self.codes[start * stride..end * stride],
                &self.scales[start..end],
                scores,
            );
            for (row, &score) in (start..end).zip(scores.iter()) {
                f(row, score);
            }
        }
    }

    /// The exact answer from a shortlist, or `None` when it holds fewer than `k` persons while
    /// rows were left out (the caller widens the shortlist).
    fn finish(
        &self,
        probe: &Embedding,
        codes: &ProbeCodes,
        top: TopRows,
        k: usize,
    ) -> Option<Vec<Candidate>> {
        let every_row = top.len() == self.len();
        let floor = top.floor();
        let mut ranked = self.rank_rows(probe, top.into_rows());
        if every_row {
            ranked.truncate(k);
            return Some(ranked.into_iter().map(|(c, _)| c).collect());
        }
        let (kth, kth_dot) = *ranked.get(k - 1)?;
        // Every row left out scored at most `floor`, so its exact dot is at most
        // `floor + bound`: if even that is farther than the k-th person, the answer is proven.
        let bound = codes.bound(self.max_error);
        if distance_from_dot(floor + bound) > kth.distance {
            ranked.truncate(k);
            return Some(ranked.into_iter().map(|(c, _)| c).collect());
        }
        // Not provable from the shortlist: re-rank every row that could be as close as the
        // k-th person (the true k-th can only be closer). `min(1)`: at dot ≥ 1 distances clamp
        // to 0 and tie.
        let threshold = kth_dot.min(1.0) - bound;
        let mut rows = Vec::new();
        self.for_each_score(codes, 0..self.len(), |row, score| {
            if score >= threshold {
                rows.push(row);
            }
        });
        let mut ranked = self.rank_rows(probe, rows);
        ranked.truncate(k);
        Some(ranked.into_iter().map(|(c, _)| c).collect())
    }

    /// Persons among `rows`, each by their closest row (the first in storage order on a tie, as
    /// a full scan would pick), with its exact dot product; nearest first.
    fn rank_rows(&self, probe: &Embedding, mut rows: Vec<usize>) -> Vec<(Candidate, f32)> {
        rows.sort_unstable();
        let dim = self.model.dimension;
        let mut best: HashMap<Uuid, (Candidate, f32)> = HashMap::with_capacity(rows.len());
        for i in rows {
            let d = dot(&self.vectors[i * dim..(i + 1) * dim], &probe.values);
            let (person_id, encoding_id) = self.entries[i];
            let candidate = Candidate {
                person_id,
                encoding_id,
                distance: distance_from_dot(d),
            };
            best.entry(person_id)
                .and_modify(|(c, cd)| {
                    if candidate.distance < c.distance {
                        (*c, *cd) = (candidate, d);
                    }
                })
                .or_insert((candidate, d));
        }
        let mut ranked: Vec<(Candidate, f32)> = best.into_values().collect();
        ranked.sort_by(|(a, _), (b, _)| {
            a.distance
                .total_cmp(&b.distance)
                .then(a.person_id.cmp(&b.person_id))
        });
        ranked
    }

    /// Ranks the given encodings exactly, as [`Self::search`] ranks its shortlist; unknown ids
    /// are skipped. The approximate index uses this to re-rank what its graph found.
    pub(super) fn rank_encodings(
        &self,
        probe: &Embedding,
        encodings: impl IntoIterator<Item = Uuid>,
    ) -> Vec<Candidate> {
        let rows = encodings
            .into_iter()
            .filter_map(|e| self.position.get(&e).copied())
            .collect();
        self.rank_rows(probe, rows)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }

    /// The stored f32 vector of an encoding.
    pub(super) fn vector(&self, encoding_id: Uuid) -> Option<&[f32]> {
        let dim = self.model.dimension;
        let i = *self.position.get(&encoding_id)?;
        Some(&self.vectors[i * dim..(i + 1) * dim])
    }

    /// Every encoding of a person.
    pub(super) fn encodings_of(&self, person_id: Uuid) -> Vec<Uuid> {
        self.entries
            .iter()
            .filter(|(p, _)| *p == person_id)
            .map(|(_, e)| *e)
            .collect()
    }

    /// Every (encoding, f32 vector), in storage order.
    pub(super) fn vectors(&self) -> impl ExactSizeIterator<Item = (Uuid, &[f32])> {
        self.entries
            .iter()
            .map(|(_, e)| *e)
            .zip(self.vectors.chunks_exact(self.model.dimension.max(1)))
    }
}

fn shortlist_len(k: usize) -> usize {
    k.saturating_mul(SHORTLIST_PER_PERSON).max(SHORTLIST_MIN)
}

/// Moves the last `width`-wide row of `data` into row `row` and drops the last row.
fn swap_remove_row<T: Copy>(data: &mut Vec<T>, row: usize, width: usize) {
    let last = data.len() / width - 1;
    if row != last {
        data.copy_within(last * width..(last + 1) * width, row * width);
    }
    data.truncate(last * width);
}

/// A row and its code score, ordered by score.
#[derive(Debug, Clone, Copy)]
struct Scored {
    score: f32,
    row: usize,
}

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(self.row.cmp(&other.row))
    }
}

/// The best-scoring `capacity` rows seen, and the score a row must beat to get in.
struct TopRows {
    heap: BinaryHeap<Reverse<Scored>>,
    capacity: usize,
    /// Once full, the lowest score held; every row turned away or evicted scored at most this.
    floor: f32,
}

impl TopRows {
    fn new(capacity: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(capacity + 1),
            capacity,
            floor: f32::NEG_INFINITY,
        }
    }

    #[inline]
    fn offer(&mut self, score: f32, row: usize) {
        // One predictable compare per row: most rows are turned away here.
        if score <= self.floor {
            return;
        }
        self.heap.push(Reverse(Scored { score, row }));
        if self.heap.len() > self.capacity {
            self.heap.pop();
        }
        if self.heap.len() == self.capacity {
            self.floor = self.heap.peek().map_or(f32::NEG_INFINITY, |s| s.0.score);
        }
    }

    fn len(&self) -> usize {
        self.heap.len()
    }

    fn floor(&self) -> f32 {
        self.floor
    }

    fn into_rows(self) -> Vec<usize> {
        self.heap.into_iter().map(|s| s.0.row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::gallery::test_support::{Rng, model};

    /// The old implementation: every row's exact distance, best per person, sorted.
    fn reference(rows: &[(Uuid, Uuid, Embedding)], probe: &Embedding, k: usize) -> Vec<Candidate> {
        let mut best: HashMap<Uuid, Candidate> = HashMap::new();
        for (person_id, encoding_id, e) in rows {
            let distance = distance_from_dot(dot(e.values(), probe.values()));
            let c = Candidate {
                person_id: *person_id,
                encoding_id: *encoding_id,
                distance,
            };
            best.entry(*person_id)
                .and_modify(|b| {
                    if distance < b.distance {
                        *b = c;
                    }
                })
                .or_insert(c);
        }
        let mut ranked: Vec<Candidate> = best.into_values().collect();
        ranked.sort_by(|a, b| {
            a.distance
                .total_cmp(&b.distance)
                .then(a.person_id.cmp(&b.person_id))
        });
        ranked.truncate(k);
        ranked
    }

    /// Clustered like a real gallery: `per_person` noisy encodings around each person's centre.
    fn gallery(
        rng: &mut Rng,
        dim: usize,
        persons: usize,
        per_person: usize,
    ) -> (Vec<Embedding>, Vec<(Uuid, Uuid, Embedding)>) {
        let centres: Vec<Embedding> = (0..persons).map(|_| rng.embedding(dim)).collect();
        let mut rows = Vec::new();
        for (p, centre) in centres.iter().enumerate() {
            for e in 0..per_person {
                rows.push((
                    Uuid::from_u128(p as u128),
                    Uuid::from_u128((p * 1000 + e) as u128 + (1 << 64)),
                    rng.near(centre, 0.05),
                ));
            }
        }
        (centres, rows)
    }

    #[test]
    fn compact_search_equals_a_full_precision_scan() {
        let mut rng = Rng(1);
        for (dim, persons, per_person) in [(192usize, 2000usize, 3usize), (17, 300, 5), (2, 50, 2)]
        {
            let (centres, rows) = gallery(&mut rng, dim, persons, per_person);
            let mut index = ExactIndex::new(model(dim));
            for (p, e, v) in &rows {
                index.upsert(*p, *e, v).unwrap();
            }
            let mut probes: Vec<Embedding> = (0..40).map(|_| rng.embedding(dim)).collect();
            probes.extend(centres.iter().take(40).map(|c| rng.near(c, 0.05)));
            for k in [1, 5, 40] {
                for probe in &probes {
                    assert_eq!(
                        index.search(probe, k).unwrap(),
                        reference(&rows, probe, k),
                        "dim {dim} k {k}"
                    );
                }
                let batch = index.search_batch(&probes, k).unwrap();
                for (probe, found) in probes.iter().zip(batch) {
                    assert_eq!(found, reference(&rows, probe, k), "batch, dim {dim} k {k}");
                }
            }
        }
    }

    #[test]
    fn ties_and_many_encodings_per_person_stay_exact() {
        // One person owns 100 copies of nearly the probe: the shortlist holds one person only,
        // so the index must widen it to find k persons.
        let mut rng = Rng(2);
        let dim = 32;
        let probe = rng.embedding(dim);
        let mut rows = Vec::new();
        for e in 0..100u128 {
            rows.push((Uuid::from_u128(1), Uuid::from_u128(1000 + e), probe.clone()));
        }
        for p in 2..400u128 {
            rows.push((Uuid::from_u128(p), Uuid::from_u128(p), rng.embedding(dim)));
        }
        // Exact duplicates of a stranger under two persons: a tie broken by person id.
        let twin = rng.embedding(dim);
        rows.push((Uuid::from_u128(900), Uuid::from_u128(9001), twin.clone()));
        rows.push((Uuid::from_u128(901), Uuid::from_u128(9002), twin.clone()));
        let mut index = ExactIndex::new(model(dim));
        for (p, e, v) in &rows {
            index.upsert(*p, *e, v).unwrap();
        }
        for (probe, k) in [(&probe, 10), (&twin, 3), (&probe, 1000)] {
            assert_eq!(index.search(probe, k).unwrap(), reference(&rows, probe, k));
        }
        assert_eq!(
            index.search(&probe, 10).unwrap()[0].person_id,
            Uuid::from_u128(1)
        );
    }

    #[test]
    fn removal_and_replacement_keep_codes_in_step_with_vectors() {
        let mut rng = Rng(3);
        let dim = 48;
        let (_, mut rows) = gallery(&mut rng, dim, 200, 4);
        let mut index = ExactIndex::new(model(dim));
        for (p, e, v) in &rows {
            index.upsert(*p, *e, v).unwrap();
        }
        // Remove a person and scattered encodings, replace others: the swap-removes move rows.
        assert_eq!(index.remove_person(Uuid::from_u128(7)), 4);
        rows.retain(|(p, _, _)| *p != Uuid::from_u128(7));
        for i in (0..rows.len()).step_by(9).rev() {
            assert!(index.remove_encoding(rows[i].1));
            rows.swap_remove(i);
        }
        for row in rows.iter_mut().step_by(5) {
            row.2 = rng.embedding(dim);
            index.upsert(row.0, row.1, &row.2).unwrap();
        }
        assert_eq!(index.len(), rows.len());
        for _ in 0..50 {
            let probe = rng.embedding(dim);
            assert_eq!(
                index.search(&probe, 5).unwrap(),
                reference(&rows, &probe, 5)
            );
        }
        for (_, e, v) in rows.iter().take(20) {
            assert_eq!(index.search(v, 1).unwrap()[0].encoding_id, *e);
        }
    }

    #[test]
    fn batches_refuse_a_foreign_probe_and_handle_empty_cases() {
        let mut index = ExactIndex::new(model(4));
        let mut rng = Rng(4);
        let e = rng.embedding(4);
        assert_eq!(
            index.search_batch(std::slice::from_ref(&e), 3).unwrap(),
            vec![vec![]]
        );
        index.upsert(Uuid::nil(), Uuid::nil(), &e).unwrap();
        assert_eq!(
            index.search_batch(&[], 3).unwrap(),
            Vec::<Vec<Candidate>>::new()
        );
        assert_eq!(index.search(&e, 0).unwrap(), vec![]);
        let foreign = Embedding::new(model(5), vec![1.0; 5]).unwrap();
        assert!(matches!(
            index.search_batch(&[e, foreign], 1),
            Err(GalleryError::WrongModel { .. })
        ));
    }
}
