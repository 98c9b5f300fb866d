//! The gallery: every enrolled encoding, searched for the people closest to a probe face, and
//! the open-set decision on top.
//!
//! Encodings are unit vectors, so squared Euclidean distance is `2 − 2·dot`: a search is one
//! dot product per stored vector. Vectors of different models never meet: an index holds one
//! model's vectors and refuses others.
//!
//! Three layers, each in its own file:
//! - [`ExactIndex`] (`gallery/exact.rs`): a full scan over 8-bit codes of every vector (a
//!   quarter of the bytes of f32: exact search is memory-bound, see `shared/face-models.md`),
//!   then an exact f32 re-rank of a shortlist. An error bound per code makes the shortlist
//!   provably large enough, so results equal a full-precision scan.
//! - an HNSW graph (`gallery/approximate.rs`, the `usearch` crate) for galleries too large to
//!   scan within a frame's budget.
//! - [`Gallery`] (`gallery/tiered.rs`): the one type services use; exact below
//!   [`GalleryConfig::approximate_above`] encodings, the graph above, switching by itself.
//!
//! The decision is *open-set*: a probe matches a person only if it is close enough
//! (threshold) *and* clearly closer to them than to anyone else (margin), so a stranger who
//! resembles two employees is marked as neither.

mod approximate;
mod exact;
mod huge_pages;
mod quantized;
mod tiered;

pub use exact::ExactIndex;
pub use tiered::{DetachedGraph, Gallery, GalleryConfig};

use uuid::Uuid;

/// Which embedding model produced a vector, and its dimension.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelId {
    pub name: String,
    pub dimension: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GalleryError {
    #[error(
        "vector has {actual} dimensions; the index holds {expected}-dimensional vectors of model {model}"
    )]
    WrongDimension {
        model: String,
        expected: usize,
        actual: usize,
    },
    #[error("vector of model {actual} cannot be compared with the index's model {expected}")]
    WrongModel { expected: String, actual: String },
    #[error("vector is not finite or has zero length")]
    InvalidVector,
    /// The approximate (HNSW) index failed: out of memory, or a bug in the binding.
    #[error("approximate index: {0}")]
    ApproximateIndex(String),
}

/// A unit-length embedding with its model.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    model: ModelId,
    values: Vec<f32>,
}

impl Embedding {
    /// L2-normalises `values`; refuses NaN, infinities and the zero vector.
    pub fn new(model: ModelId, mut values: Vec<f32>) -> Result<Self, GalleryError> {
        if values.len() != model.dimension {
            return Err(GalleryError::WrongDimension {
                model: model.name.clone(),
                expected: model.dimension,
                actual: values.len(),
            });
        }
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if !norm.is_finite() || norm < 1e-12 {
            return Err(GalleryError::InvalidVector);
        }
        values.iter_mut().for_each(|v| *v /= norm);
        Ok(Self { model, values })
    }

    pub fn model(&self) -> &ModelId {
        &self.model
    }

    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Euclidean distance to another embedding of the same model, in [0, 2].
    pub fn distance(&self, other: &Embedding) -> f32 {
        distance_from_dot(dot(&self.values, &other.values))
    }
}

/// One person's best-matching encoding for a probe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub person_id: Uuid,
    pub encoding_id: Uuid,
    /// Euclidean distance between unit vectors, in [0, 2].
    pub distance: f32,
}

/// The open-set rule: how close a match must be, and by how much closer than anyone else.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchRule {
    /// Largest accepted distance.
    pub max_distance: f32,
    /// The runner-up person must be at least this much farther.
    pub min_margin: f32,
}

/// What a probe is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Identification {
    /// Close to one person and clearly closer to them than to anyone else.
    Match(Candidate),
    /// Close enough to the best person, but another is nearly as close.
    Ambiguous {
        best: Candidate,
        runner_up: Candidate,
    },
    /// Nobody is close enough (or the gallery is empty).
    Unknown,
}

impl MatchRule {
    /// Decides from candidates ranked nearest first (as [`Gallery::search`] returns them).
    pub fn decide(&self, ranked: &[Candidate]) -> Identification {
        let Some(best) = ranked.first().copied() else {
            return Identification::Unknown;
        };
        if best.distance > self.max_distance {
            return Identification::Unknown;
        }
        match ranked.get(1).copied() {
            Some(runner_up) if runner_up.distance - best.distance < self.min_margin => {
                Identification::Ambiguous { best, runner_up }
            }
            _ => Identification::Match(best),
        }
    }
}

/// The exact dot product every reported distance comes from (re-ranking included), so a
/// distance does not depend on which path found the encoding.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent accumulators let the compiler vectorise and hide add latency.
    let mut acc = [0.0f32; 8];
    let (chunks_a, rest_a) = a.split_at(a.len() / 8 * 8);
    let (chunks_b, rest_b) = b.split_at(chunks_a.len());
    for (x, y) in chunks_a.chunks_exact(8).zip(chunks_b.chunks_exact(8)) {
        for lane in 0..8 {
            acc[lane] += x[lane] * y[lane];
        }
    }
    acc.iter().sum::<f32>() + rest_a.iter().zip(rest_b).map(|(x, y)| x * y).sum::<f32>()
}

/// Unit vectors: |a − b|² = 2 − 2·a·b.
fn distance_from_dot(dot: f32) -> f32 {
    (2.0 - 2.0 * dot).max(0.0).sqrt()
}

/// Seeded synthetic embeddings for the gallery's unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Embedding, ModelId};

    pub fn model(dimension: usize) -> ModelId {
        ModelId {
            name: "test".into(),
            dimension,
        }
    }

    /// SplitMix64: seeded, dependency-free.
    pub struct Rng(pub u64);

    impl Rng {
        /// Uniform in [-1, 1).
        pub fn uniform(&mut self) -> f32 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
        }

        pub fn embedding(&mut self, dim: usize) -> Embedding {
            Embedding::new(model(dim), (0..dim).map(|_| self.uniform()).collect()).unwrap()
        }

        /// `centre` plus noise of relative size `noise`.
        pub fn near(&mut self, centre: &Embedding, noise: f32) -> Embedding {
            let v = centre
                .values()
                .iter()
                .map(|c| c + noise * self.uniform())
                .collect();
            Embedding::new(centre.model().clone(), v).unwrap()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::model;
    use super::*;

    fn embedding(values: &[f32]) -> Embedding {
        Embedding::new(model(values.len()), values.to_vec()).unwrap()
    }

    #[test]
    fn embeddings_are_normalised_and_validated() {
        let e = embedding(&[3.0, 4.0]);
        assert!((e.values()[0] - 0.6).abs() < 1e-6);
        assert_eq!(
            Embedding::new(model(2), vec![0.0, 0.0]),
            Err(GalleryError::InvalidVector)
        );
        assert_eq!(
            Embedding::new(model(2), vec![f32::NAN, 1.0]),
            Err(GalleryError::InvalidVector)
        );
        assert!(matches!(
            Embedding::new(model(3), vec![1.0, 0.0]),
            Err(GalleryError::WrongDimension { .. })
        ));
        assert!(
            (embedding(&[1.0, 0.0]).distance(&embedding(&[0.0, 1.0])) - 2f32.sqrt()).abs() < 1e-6
        );
        assert!(embedding(&[1.0, 0.0]).distance(&embedding(&[1.0, 0.0])) < 1e-3);
    }

    #[test]
    fn search_ranks_people_by_their_closest_encoding() {
        let (alice, bob) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut index = ExactIndex::new(model(3));
        index
            .upsert(alice, Uuid::from_u128(11), &embedding(&[1.0, 0.0, 0.0]))
            .unwrap();
        index
            .upsert(alice, Uuid::from_u128(12), &embedding(&[0.0, 0.0, 1.0]))
            .unwrap();
        index
            .upsert(bob, Uuid::from_u128(21), &embedding(&[0.0, 1.0, 0.0]))
            .unwrap();
        let ranked = index.search(&embedding(&[0.1, 0.0, 1.0]), 5).unwrap();
        assert_eq!(ranked.len(), 2, "one candidate per person");
        assert_eq!(
            (ranked[0].person_id, ranked[0].encoding_id),
            (alice, Uuid::from_u128(12))
        );
        assert_eq!(ranked[1].person_id, bob);
        assert_eq!(
            index.search(&embedding(&[0.1, 0.0, 1.0]), 1).unwrap().len(),
            1
        );
    }

    #[test]
    fn removal_keeps_the_index_consistent() {
        let mut index = ExactIndex::new(model(2));
        for i in 0..5u128 {
            let angle = i as f32;
            index
                .upsert(
                    Uuid::from_u128(i % 2),
                    Uuid::from_u128(100 + i),
                    &embedding(&[angle.cos(), angle.sin()]),
                )
                .unwrap();
        }
        assert_eq!(index.remove_person(Uuid::from_u128(0)), 3);
        assert_eq!(index.len(), 2);
        assert!(!index.remove_encoding(Uuid::from_u128(100)));
        // What remains is person 1's encodings 101 and 103, findable exactly.
        let probe = embedding(&[3f32.cos(), 3f32.sin()]);
        let ranked = index.search(&probe, 3).unwrap();
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].encoding_id, Uuid::from_u128(103));
        assert!(ranked[0].distance < 1e-3);
        // Replacing an encoding updates it in place.
        index
            .upsert(
                Uuid::from_u128(1),
                Uuid::from_u128(103),
                &embedding(&[1.0, 0.0]),
            )
            .unwrap();
        assert_eq!(index.len(), 2);
        assert!(index.search(&probe, 1).unwrap()[0].encoding_id != Uuid::from_u128(103));
    }

    #[test]
    fn vectors_of_another_model_are_refused() {
        let mut index = ExactIndex::new(model(2));
        let other = Embedding::new(
            ModelId {
                name: "other".into(),
                dimension: 2,
            },
            vec![1.0, 0.0],
        )
        .unwrap();
        assert!(matches!(
            index.upsert(Uuid::nil(), Uuid::nil(), &other),
            Err(GalleryError::WrongModel { .. })
        ));
        assert!(matches!(
            index.search(&other, 1),
            Err(GalleryError::WrongModel { .. })
        ));
    }

    #[test]
    fn open_set_decision_needs_threshold_and_margin() {
        let rule = MatchRule {
            max_distance: 1.0,
            min_margin: 0.1,
        };
        let candidate = |person: u128, distance: f32| Candidate {
            person_id: Uuid::from_u128(person),
            encoding_id: Uuid::from_u128(person + 100),
            distance,
        };
        assert_eq!(rule.decide(&[]), Identification::Unknown);
        assert_eq!(rule.decide(&[candidate(1, 1.2)]), Identification::Unknown);
        assert_eq!(
            rule.decide(&[candidate(1, 0.7)]),
            Identification::Match(candidate(1, 0.7))
        );
        assert_eq!(
            rule.decide(&[candidate(1, 0.7), candidate(2, 0.9)]),
            Identification::Match(candidate(1, 0.7))
        );
        assert!(matches!(
            rule.decide(&[candidate(1, 0.70), candidate(2, 0.75)]),
            Identification::Ambiguous { .. }
        ));
    }

    #[test]
    fn dot_matches_the_naive_sum_for_any_length() {
        for n in [1usize, 7, 8, 9, 192, 200] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - naive).abs() < 1e-4, "n={n}");
        }
    }
}
