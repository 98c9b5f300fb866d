//! [`Gallery`]: the one gallery type services use. Exact search while the gallery is small
//! enough to scan within budget, an HNSW graph beyond, switching by itself as it grows and
//! shrinks.
//!
//! The exact index is always kept: it owns the f32 vectors every reported distance comes from,
//! refuses foreign vectors, and is what the graph is (re)built from. The graph only finds
//! candidate encodings; they are re-ranked exactly and deduplicated by person, so both modes
//! return the same kind of answer and, when the graph finds the right encodings, the same
//! answer.

use std::collections::HashSet;

use uuid::Uuid;

use super::approximate::{HnswIndex, HnswParams};
use super::{Candidate, Embedding, ExactIndex, GalleryError, ModelId};

/// When to switch to approximate search, and how the graph is built and searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GalleryConfig {
    /// Above this many encodings, search goes through the HNSW graph (built when the gallery
    /// grows past it). The graph is dropped again below three quarters of it, so a gallery
    /// hovering at the threshold does not rebuild on every change.
    pub approximate_above: usize,
    /// HNSW links per node (`M`): more gives better recall and a bigger, slower-to-build graph.
    pub connectivity: usize,
    /// Candidate list size while inserting (`efConstruction`): graph quality against build time.
    pub expansion_add: usize,
    /// Candidate list size while searching (`ef`), raised to the number of encodings fetched.
    pub expansion_search: usize,
    /// Encodings fetched from the graph per person asked for: people have several encodings
    /// and only their closest counts, so `k` persons need more than `k` encodings.
    pub fetch_per_person: usize,
    /// Threads that build the graph (0: every core). Searches are single-threaded.
    pub build_threads: usize,
    /// Whether the change that needs a graph (growth past the threshold, or removed nodes
    /// outnumbering live ones) builds it itself. A service that must keep searching meanwhile
    /// sets this to false and builds with [`Gallery::build_graph_detached`] under a read lock,
    /// then [`Gallery::install_graph`]: a build takes tens of seconds at 50k encodings.
    pub build_on_change: bool,
}

impl Default for GalleryConfig {
    /// Measured by `benches/gallery.rs` (192-D, 5 encodings per person, one core). The exact
    /// scan costs ~1.2 ms per 100k encodings, so 50k keeps exact search near 0.6 ms. At 1M
    /// encodings, recall@1 against exact search and p50/p99: M = 16, ef = 64 reached only
    /// 0.895 (1.0/1.6 ms); M = 32 gives 0.975 at ef = 48 (1.1/1.8 ms), 0.994 at ef = 64
    /// (1.3/2.1 ms) and 1.0 at ef = 96 (1.8/2.5 ms). Since the graph's distance runs on
    /// AVX-512/AVX2 (`approximate::code_distance`), one run at 1M on an AMD EPYC (2026-12-02):
    /// ef = 48 0.982 (0.53/0.81 ms), ef = 64 0.994 (0.95/1.70 ms, measured first, on the
    /// coldest caches), ef = 80 0.995 (0.77/1.09 ms), ef = 96 0.998 (0.88/1.23 ms). Synthetic
    /// centres are uniform on the sphere, the hardest case for a graph; real embeddings have
    /// far fewer effective dimensions. The graph takes 12 min to build at 1M on two cores.
    fn default() -> Self {
        Self {
            approximate_above: 50_000,
            connectivity: 32,
            expansion_add: 128,
            expansion_search: 64,
            fetch_per_person: 8,
            build_threads: 0,
            build_on_change: true,
        }
    }
}

/// A graph built from a gallery by [`Gallery::build_graph_detached`], to be installed into
/// the same gallery if nothing changed in between.
#[derive(Debug)]
pub struct DetachedGraph {
    graph: HnswIndex,
    generation: u64,
}

/// A model's enrolled encodings, searched exactly or through an HNSW graph depending on size.
#[derive(Debug)]
pub struct Gallery {
    config: GalleryConfig,
    exact: ExactIndex,
    /// Present while the gallery is above the threshold; always in step with `exact`.
    graph: Option<HnswIndex>,
    /// Counts changes to the stored encodings: a detached graph is installed only into the
    /// generation it was built from.
    generation: u64,
}

impl Gallery {
    pub fn new(model: ModelId, config: GalleryConfig) -> Self {
        Self {
            config,
            exact: ExactIndex::new(model),
            graph: None,
            generation: 0,
        }
    }

    pub fn model(&self) -> &ModelId {
        self.exact.model()
    }

    pub fn config(&self) -> &GalleryConfig {
        &self.config
    }

    pub fn len(&self) -> usize {
        self.exact.len()
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// True while searches go through the HNSW graph.
    pub fn is_approximate(&self) -> bool {
        self.graph.is_some()
    }

    /// Bytes held: exact codes and vectors, ids, and the graph if built.
    pub fn memory_bytes(&self) -> usize {
        self.exact.memory_bytes() + self.graph.as_ref().map_or(0, HnswIndex::memory_bytes)
    }

    /// Bytes of the graph's memory advised to use transparent huge pages (0 without a graph,
    /// or where the process's mappings cannot be read).
    pub fn huge_page_bytes(&self) -> usize {
        self.graph.as_ref().map_or(0, HnswIndex::huge_page_bytes)
    }

    /// Changes [`GalleryConfig::expansion_search`], for the graph too, without a rebuild:
    /// recall against latency, tunable on a live gallery.
    pub fn set_expansion_search(&mut self, expansion: usize) {
        self.config.expansion_search = expansion;
        if let Some(graph) = &self.graph {
            graph.set_expansion_search(expansion);
        }
    }

    /// Adds or replaces the encoding `encoding_id` of `person_id`.
    ///
    /// The upsert that takes the gallery past [`GalleryConfig::approximate_above`] builds the
    /// graph over every encoding (tens of seconds at 50k on two cores); use [`Self::extend`] to
    /// load many encodings at once. An [`GalleryError::ApproximateIndex`] error means the encoding
    /// *is* stored but the graph could not take it: the graph is dropped, searches scan
    /// exactly, and the next change tries to build it again.
    pub fn upsert(
        &mut self,
        person_id: Uuid,
        encoding_id: Uuid,
        embedding: &Embedding,
    ) -> Result<(), GalleryError> {
        self.extend([(person_id, encoding_id, embedding)])
    }

    /// Upserts many encodings, inserting them into the graph from several threads (or building
    /// it once, if this takes the gallery past the threshold). Refuses the whole batch, storing
    /// nothing, if any vector is of another model.
    pub fn extend<'a>(
        &mut self,
        items: impl IntoIterator<Item = (Uuid, Uuid, &'a Embedding)>,
    ) -> Result<(), GalleryError> {
        let items: Vec<(Uuid, Uuid, &Embedding)> = items.into_iter().collect();
        items.iter().try_for_each(|(_, _, e)| self.exact.check(e))?;
        self.generation += 1;
        for (person_id, encoding_id, embedding) in &items {
            self.exact.upsert(*person_id, *encoding_id, embedding)?;
        }
        let Some(graph) = &mut self.graph else {
            return self.build_graph_if_large();
        };
        // Later items win, as in `exact`: insert each encoding once, with its stored vector.
        let mut seen = HashSet::with_capacity(items.len());
        let rows: Vec<(Uuid, &[f32])> = items
            .iter()
            .filter(|(_, e, _)| seen.insert(*e))
            .filter_map(|(_, e, _)| self.exact.vector(*e).map(|v| (*e, v)))
            .collect();
        if let Err(e) = graph.insert_many(&rows) {
            self.graph = None;
            return Err(e);
        }
        Ok(())
    }

    /// Removes one encoding; true when it was present.
    pub fn remove_encoding(&mut self, encoding_id: Uuid) -> bool {
        if !self.exact.remove_encoding(encoding_id) {
            return false;
        }
        self.generation += 1;
        if let Some(graph) = &mut self.graph {
            // A graph that cannot follow is dropped rather than left out of step: searches
            // stay exact, and the graph is rebuilt when the gallery next grows.
            if graph.remove(encoding_id).is_err() {
                self.graph = None;
            }
        }
        self.after_shrink();
        true
    }

    /// Removes every encoding of a person; returns how many.
    pub fn remove_person(&mut self, person_id: Uuid) -> usize {
        self.exact
            .encodings_of(person_id)
            .into_iter()
            .filter(|e| self.remove_encoding(*e))
            .count()
    }

    /// The `k` closest *persons* (each by their closest encoding, with its exact distance),
    /// nearest first; ties broken by person id.
    pub fn search(&self, probe: &Embedding, k: usize) -> Result<Vec<Candidate>, GalleryError> {
        self.exact.check(probe)?;
        match &self.graph {
            None => self.exact.search(probe, k),
            Some(graph) => self.search_graph(graph, probe, k),
        }
    }

    /// [`Self::search`] for several probes (the faces of one frame): one pass over memory in
    /// exact mode, one graph walk per probe in approximate mode.
    pub fn search_batch(
        &self,
        probes: &[Embedding],
        k: usize,
    ) -> Result<Vec<Vec<Candidate>>, GalleryError> {
        match &self.graph {
            None => self.exact.search_batch(probes, k),
            Some(graph) => {
                probes.iter().try_for_each(|p| self.exact.check(p))?;
                probes
                    .iter()
                    .map(|p| self.search_graph(graph, p, k))
                    .collect()
            }
        }
    }

    fn search_graph(
        &self,
        graph: &HnswIndex,
        probe: &Embedding,
        k: usize,
    ) -> Result<Vec<Candidate>, GalleryError> {
        if k == 0 {
            return Ok(Vec::new());
        }
        let mut fetch = k
            .saturating_mul(self.config.fetch_per_person.max(1))
            .min(self.len());
        loop {
            let encodings = graph.search(probe.values(), fetch)?;
            let found = encodings.len();
            let mut ranked = self.exact.rank_encodings(probe, encodings);
            // Too few distinct persons: a few persons own many of the nearest encodings.
            // Fetch more, unless the graph has nothing more to give.
            if ranked.len() >= k || found < fetch || fetch >= self.len() {
                ranked.truncate(k);
                return Ok(ranked);
            }
            fetch = fetch.saturating_mul(4).min(self.len());
        }
    }

    fn params(&self) -> HnswParams {
        HnswParams {
            connectivity: self.config.connectivity,
            expansion_add: self.config.expansion_add,
            expansion_search: self.config.expansion_search,
        }
    }

    /// Whether the gallery needs a graph (re)built: it is past the threshold without one, or
    /// its graph holds more removed nodes than live ones.
    pub fn wants_graph(&self) -> bool {
        match &self.graph {
            None => self.exact.len() > self.config.approximate_above,
            Some(graph) => graph.tombstones() > graph.len(),
        }
    }

    /// Builds a graph over every stored encoding without changing the gallery, so searches
    /// can go on (through a read lock) while it is built.
    pub fn build_graph_detached(&self) -> Result<DetachedGraph, GalleryError> {
        let mut graph = HnswIndex::new(
            self.model().dimension,
            self.params(),
            self.config.build_threads,
        )?;
        let rows: Vec<(Uuid, &[f32])> = self.exact.vectors().collect();
        graph.insert_many(&rows)?;
        Ok(DetachedGraph {
            graph,
            generation: self.generation,
        })
    }

    /// Installs a graph built by [`Self::build_graph_detached`]; false (and nothing changes)
    /// when the gallery changed since, as the graph would then miss or hold stale encodings.
    pub fn install_graph(&mut self, built: DetachedGraph) -> bool {
        if built.generation != self.generation {
            return false;
        }
        self.graph = Some(built.graph);
        true
    }

    /// Builds the graph over every stored encoding once the gallery is past the threshold.
    fn build_graph_if_large(&mut self) -> Result<(), GalleryError> {
        if self.config.build_on_change && self.exact.len() > self.config.approximate_above {
            self.build_graph()?;
        }
        Ok(())
    }

    /// (Re)builds the graph over every stored encoding.
    fn build_graph(&mut self) -> Result<(), GalleryError> {
        self.graph = None;
        let built = self.build_graph_detached()?;
        self.graph = Some(built.graph);
        Ok(())
    }

    /// Drops the graph when the gallery has shrunk well below the threshold, and rebuilds it
    /// when removed nodes outnumber live ones (each still costs hops during a search).
    fn after_shrink(&mut self) {
        let Some(graph) = &self.graph else {
            return;
        };
        let threshold = self.config.approximate_above;
        if self.exact.len() < threshold - threshold / 4 {
            self.graph = None;
        } else if self.config.build_on_change && graph.tombstones() > graph.len() {
            // On failure searches stay exact until an upsert builds the graph again.
            let _ = self.build_graph();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::gallery::test_support::{Rng, model};

    fn config(approximate_above: usize) -> GalleryConfig {
        GalleryConfig {
            approximate_above,
            // One thread: the graph, and so each assertion, is then the same on every run.
            build_threads: 1,
            ..GalleryConfig::default()
        }
    }

    const DIM: usize = 64;

    type Row = (Uuid, Uuid, Embedding);

    /// Persons `first..first + count`, 3 encodings each around their own centre (encoding ids
    /// `person * 10 + n`); returns the centres and the rows.
    fn people(rng: &mut Rng, first: u128, count: u128) -> (Vec<Embedding>, Vec<Row>) {
        let centres: Vec<Embedding> = (0..count).map(|_| rng.embedding(DIM)).collect();
        let mut rows = Vec::new();
        for (p, centre) in (first..first + count).zip(&centres) {
            for n in 0..3 {
                rows.push((
                    Uuid::from_u128(p),
                    Uuid::from_u128(p * 10 + n),
                    rng.near(centre, 0.1),
                ));
            }
        }
        (centres, rows)
    }

    /// Enrols persons `0..count` one upsert at a time.
    fn enrol(gallery: &mut Gallery, rng: &mut Rng, count: u128) -> Vec<Embedding> {
        let (centres, rows) = people(rng, 0, count);
        for (p, e, v) in &rows {
            gallery.upsert(*p, *e, v).unwrap();
        }
        centres
    }

    #[test]
    fn a_detached_graph_is_installed_only_into_the_gallery_it_was_built_from() {
        let mut rng = Rng(5);
        let mut gallery = Gallery::new(
            model(DIM),
            GalleryConfig {
                build_on_change: false,
                ..config(100)
            },
        );
        let centres = enrol(&mut gallery, &mut rng, 50);
        // 150 encodings, past the threshold, but nothing was built by the upserts.
        assert!(!gallery.is_approximate() && gallery.wants_graph());

        let stale = gallery.build_graph_detached().unwrap();
        let (_, more) = people(&mut rng, 1000, 1);
        gallery.upsert(more[0].0, more[0].1, &more[0].2).unwrap();
        assert!(
            !gallery.install_graph(stale),
            "a change in between refuses the graph"
        );
        assert!(!gallery.is_approximate());

        let fresh = gallery.build_graph_detached().unwrap();
        assert!(gallery.install_graph(fresh));
        assert!(gallery.is_approximate() && !gallery.wants_graph());
        let found = gallery.search(&rng.near(&centres[7], 0.05), 1).unwrap();
        assert_eq!(found[0].person_id, Uuid::from_u128(7));
    }

    #[test]
    fn switching_to_the_graph_keeps_results() {
        let mut rng = Rng(11);
        let mut gallery = Gallery::new(model(DIM), config(600));
        let mut reference = ExactIndex::new(model(DIM));
        let (centres, rows) = people(&mut rng, 0, 150);
        for (p, e, v) in &rows {
            gallery.upsert(*p, *e, v).unwrap();
            reference.upsert(*p, *e, v).unwrap();
        }
        assert!(!gallery.is_approximate());
        let probes: Vec<Embedding> = centres.iter().map(|c| rng.near(c, 0.1)).collect();
        for probe in &probes {
            assert_eq!(
                gallery.search(probe, 3).unwrap(),
                reference.search(probe, 3).unwrap()
            );
        }
        // 60 more persons in one batch take the gallery from 450 past 600: the graph is built.
        let (_, more) = people(&mut rng, 1000, 60);
        gallery
            .extend(more.iter().map(|(p, e, v)| (*p, *e, v)))
            .unwrap();
        for (p, e, v) in &more {
            reference.upsert(*p, *e, v).unwrap();
        }
        assert!(gallery.is_approximate());
        assert_eq!(gallery.len(), 630);
        let same = probes
            .iter()
            .filter(|p| gallery.search(p, 3).unwrap() == reference.search(p, 3).unwrap())
            .count();
        assert!(same >= 147, "{same}/150 top-3 lists equal exact search");
        for probe in &probes {
            // The enrolled person is first, with the exact encoding and distance.
            assert_eq!(
                gallery.search(probe, 1).unwrap(),
                reference.search(probe, 1).unwrap()
            );
        }
        let batch = gallery.search_batch(&probes, 3).unwrap();
        for (probe, found) in probes.iter().zip(batch) {
            assert_eq!(found, gallery.search(probe, 3).unwrap());
        }
    }

    #[test]
    fn graph_search_dedups_persons_and_follows_removals() {
        let mut rng = Rng(12);
        let mut gallery = Gallery::new(model(DIM), config(100));
        let centres = enrol(&mut gallery, &mut rng, 200);
        assert!(gallery.is_approximate());
        let probe = rng.near(&centres[5], 0.05);
        let ranked = gallery.search(&probe, 10).unwrap();
        assert_eq!(ranked.len(), 10);
        let persons: HashSet<Uuid> = ranked.iter().map(|c| c.person_id).collect();
        assert_eq!(persons.len(), 10, "one candidate per person");
        assert_eq!(ranked[0].person_id, Uuid::from_u128(5));
        assert!(ranked.windows(2).all(|w| w[0].distance <= w[1].distance));

        // Remove person 5's closest encoding, then person 5.
        let closest = ranked[0].encoding_id;
        assert!(gallery.remove_encoding(closest));
        assert!(!gallery.remove_encoding(closest));
        let ranked = gallery.search(&probe, 1).unwrap();
        assert_eq!(ranked[0].person_id, Uuid::from_u128(5));
        assert_ne!(ranked[0].encoding_id, closest);
        assert_eq!(gallery.remove_person(Uuid::from_u128(5)), 2);
        assert_ne!(
            gallery.search(&probe, 1).unwrap()[0].person_id,
            Uuid::from_u128(5)
        );
        assert_eq!(gallery.len(), 597);

        // Replacing an encoding moves it in the graph too.
        let moved = Uuid::from_u128(70);
        gallery.upsert(Uuid::from_u128(7), moved, &probe).unwrap();
        let ranked = gallery.search(&probe, 1).unwrap();
        assert_eq!(
            (ranked[0].person_id, ranked[0].encoding_id),
            (Uuid::from_u128(7), moved)
        );
        assert!(ranked[0].distance < 1e-3);

        // An encoding twice in one batch: the later vector wins, in the graph as in `exact`.
        let (first, second) = (rng.embedding(DIM), rng.embedding(DIM));
        let twice = Uuid::from_u128(80);
        let person = Uuid::from_u128(8);
        gallery
            .extend([(person, twice, &first), (person, twice, &second)])
            .unwrap();
        assert_eq!(gallery.len(), 597);
        assert_eq!(gallery.search(&second, 1).unwrap()[0].encoding_id, twice);
        assert_ne!(gallery.search(&first, 1).unwrap()[0].encoding_id, twice);
    }

    #[test]
    fn a_gallery_is_shared_across_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Gallery>();
        // Concurrent searches on the graph wait for a usearch context instead of failing.
        let mut rng = Rng(16);
        let mut gallery = Gallery::new(model(DIM), config(10));
        let centres = enrol(&mut gallery, &mut rng, 50);
        std::thread::scope(|scope| {
            for t in 0..8 {
                let (gallery, centres) = (&gallery, &centres);
                scope.spawn(move || {
                    for (p, centre) in centres.iter().enumerate().skip(t).step_by(8) {
                        let found = gallery.search(centre, 1).unwrap();
                        assert_eq!(found[0].person_id, Uuid::from_u128(p as u128));
                    }
                });
            }
        });
    }

    #[test]
    fn shrinking_drops_the_graph_and_heavy_removal_rebuilds_it() {
        let mut rng = Rng(13);
        let mut gallery = Gallery::new(model(DIM), config(300));
        enrol(&mut gallery, &mut rng, 200);
        assert!(gallery.is_approximate());
        // Removing 360 of 600 leaves more tombstones than live nodes before the gallery drops
        // below 225: the graph is rebuilt (tombstones fall back to zero) on the way, then
        // dropped.
        let (mut rebuilt, mut tombstones) = (false, 0);
        for p in 0..130u128 {
            gallery.remove_person(Uuid::from_u128(p));
            match &gallery.graph {
                Some(graph) => {
                    rebuilt |= graph.tombstones() < tombstones;
                    tombstones = graph.tombstones();
                }
                None => assert!(gallery.len() < 225, "dropped at {}", gallery.len()),
            }
        }
        assert!(rebuilt);
        assert!(
            !gallery.is_approximate(),
            "dropped below 3/4 of the threshold"
        );
        let probe = rng.embedding(DIM);
        assert_eq!(gallery.search(&probe, 1).unwrap().len(), 1);
    }

    #[test]
    fn graph_recall_on_random_vectors() {
        // Unclustered random vectors are the hard case for a graph; recall@1 of the person
        // found against exact search over 3,000 of them.
        let mut rng = Rng(14);
        let dim = 96;
        let mut gallery = Gallery::new(model(dim), config(1000));
        let mut exact = ExactIndex::new(model(dim));
        let rows: Vec<(Uuid, Uuid, Embedding)> = (0..3000u128)
            .map(|i| {
                (
                    Uuid::from_u128(i / 2),
                    Uuid::from_u128(i),
                    rng.embedding(dim),
                )
            })
            .collect();
        gallery
            .extend(rows.iter().map(|(p, e, v)| (*p, *e, v)))
            .unwrap();
        for (p, e, v) in &rows {
            exact.upsert(*p, *e, v).unwrap();
        }
        assert!(gallery.is_approximate());
        let recall = |probes: &[Embedding]| {
            let hits = probes
                .iter()
                .filter(|p| gallery.search(p, 1).unwrap()[0] == exact.search(p, 1).unwrap()[0])
                .count();
            hits as f64 / probes.len() as f64
        };
        // Probes near an enrolled vector, as a camera's are near an enrolled face.
        let near: Vec<Embedding> = (0..300).map(|i| rng.near(&rows[i * 10].2, 0.05)).collect();
        // Strangers: every vector is nearly equidistant (≈ 1.41), the worst case for a graph.
        let strangers: Vec<Embedding> = (0..300).map(|_| rng.embedding(dim)).collect();
        let (near, strangers) = (recall(&near), recall(&strangers));
        assert!(near >= 0.99, "recall@1 near enrolled vectors {near}");
        assert!(strangers >= 0.9, "recall@1 for strangers {strangers}");
    }

    #[test]
    fn foreign_vectors_are_refused_in_both_modes() {
        let mut rng = Rng(15);
        let other = Embedding::new(
            ModelId {
                name: "other".into(),
                dimension: DIM,
            },
            vec![1.0; DIM],
        )
        .unwrap();
        let short = Embedding::new(model(3), vec![1.0; 3]).unwrap();
        for threshold in [10_000, 10] {
            let mut gallery = Gallery::new(model(DIM), config(threshold));
            enrol(&mut gallery, &mut rng, 10);
            assert!(matches!(
                gallery.upsert(Uuid::nil(), Uuid::nil(), &other),
                Err(GalleryError::WrongModel { .. })
            ));
            assert!(matches!(
                gallery.search(&short, 1),
                Err(GalleryError::WrongModel { .. })
            ));
            let good = rng.embedding(DIM);
            assert!(
                gallery
                    .extend([
                        (Uuid::nil(), Uuid::nil(), &good),
                        (Uuid::nil(), Uuid::max(), &other)
                    ])
                    .is_err()
            );
            assert_eq!(gallery.len(), 30, "a refused batch stores nothing");
            assert!(matches!(
                gallery.search_batch(&[good, other.clone()], 1),
                Err(GalleryError::WrongModel { .. })
            ));
        }
    }
}
