//! Following faces across sampled frames, so one appearance becomes one track and publishes
//! a few crops instead of one per frame.
//!
//! Greedy IoU matching: each detection continues the unmatched track it overlaps most (at
//! least `min_iou`), best overlaps first; the rest start tracks. At the few frames per second
//! a camera is sampled, a person walking moves less than their face's width between frames,
//! so overlap suffices and no appearance model is needed. Each track keeps the best-quality
//! face seen since its last capture; [`Tracker::update`] says which tracks to publish now.
//!
//! When to publish is a trade between a fast answer and the best evidence, and the tracker
//! takes both: the first face that passes the quality gate (`capture_quality`) is published
//! at once, from the very frame it is seen, because a person at a door is waiting for the
//! answer; after it, only a face clearly better than every crop published of the appearance
//! (`improve_by`), at most `max_captures_per_track` in all. Downstream the first confident
//! capture decides and the later ones only improve the evidence of the same mark (or, when a
//! clearer face names someone else, withdraw it: `faceattend_domain::attendance::superseded`).
//! A track that never passes the gate publishes its best face once it is `first_capture_after`
//! old (600 ms) or when it ends, after `min_hits` frames.
//! Time is the caller's (the video's clock for files), which makes the tracker pure and
//! testable without a camera.

use std::time::Duration;

use faceattend_face::BoundingBox;
use uuid::Uuid;

use crate::config::TrackingConfig;

/// One face in one sampled frame, with what the caller wants published if it is the best.
#[derive(Debug, Clone)]
pub struct Sighting<T> {
    pub bbox: BoundingBox,
    /// Quality score in [0, 1]; the best of a track is published.
    pub quality: f32,
    pub payload: T,
}

#[derive(Debug)]
struct Track<T> {
    id: Uuid,
    bbox: BoundingBox,
    first_seen: Duration,
    last_seen: Duration,
    hits: u32,
    captures: u32,
    last_capture: Option<Duration>,
    /// The best quality published of this appearance so far.
    published_quality: f32,
    best: Option<Sighting<T>>,
}

/// A crop to publish: the best sighting of a track since its previous capture.
#[derive(Debug)]
pub struct Capture<T> {
    pub track_id: Uuid,
    /// When the track's first sighting was (the appearance's start, for latency).
    pub first_seen: Duration,
    pub sighting: Sighting<T>,
}

#[derive(Debug)]
pub struct Tracker<T> {
    config: TrackingConfig,
    tracks: Vec<Track<T>>,
}

impl<T> Tracker<T> {
    pub fn new(config: TrackingConfig) -> Self {
        Self {
            config,
            tracks: Vec::new(),
        }
    }

    /// Tracks alive now.
    pub fn active(&self) -> usize {
        self.tracks.len()
    }

    /// Feeds the sightings of the frame at `now`; returns the captures due.
    pub fn update(&mut self, now: Duration, sightings: Vec<Sighting<T>>) -> Vec<Capture<T>> {
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        for (s, sighting) in sightings.iter().enumerate() {
            for (t, track) in self.tracks.iter().enumerate() {
                let iou = track.bbox.iou(&sighting.bbox);
                if iou >= self.config.min_iou {
                    pairs.push((iou, s, t));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut assigned: Vec<Option<usize>> = vec![None; sightings.len()];
        let mut taken = vec![false; self.tracks.len()];
        for (_, s, t) in pairs {
            if assigned[s].is_none() && !taken[t] {
                assigned[s] = Some(t);
                taken[t] = true;
            }
        }
        for (sighting, track) in sightings.into_iter().zip(assigned) {
            match track {
                Some(t) => {
                    let track = &mut self.tracks[t];
                    track.bbox = sighting.bbox;
                    track.last_seen = now;
                    track.hits += 1;
                    if track
                        .best
                        .as_ref()
                        .is_none_or(|best| sighting.quality > best.quality)
                    {
                        track.best = Some(sighting);
                    }
                }
                None => self.tracks.push(Track {
                    id: Uuid::now_v7(),
                    bbox: sighting.bbox,
                    first_seen: now,
                    last_seen: now,
                    hits: 1,
                    captures: 0,
                    last_capture: None,
                    published_quality: 0.0,
                    best: Some(sighting),
                }),
            }
        }
        self.collect(now, false)
    }

    /// Ends every track (the stream stopped): their pending captures.
    pub fn finish(&mut self, now: Duration) -> Vec<Capture<T>> {
        self.collect(now, true)
    }

    fn collect(&mut self, now: Duration, ending: bool) -> Vec<Capture<T>> {
        let config = self.config;
        let mut due = Vec::new();
        let mut kept = Vec::with_capacity(self.tracks.len());
        for mut track in self.tracks.drain(..) {
            let lost = ending || now.saturating_sub(track.last_seen) >= config.lost_after;
            let room = track.captures < config.max_captures_per_track;
            let best = track.best.as_ref().map_or(0.0, |best| best.quality);
            let publish = room
                && track.best.is_some()
                && match track.last_capture {
                    // The gate passed: at once. A poor view: its best, once it has lasted.
                    None => {
                        best >= config.capture_quality
                            || (track.hits >= config.min_hits
                                && (lost
                                    || now.saturating_sub(track.first_seen)
                                        >= config.first_capture_after))
                    }
                    // Clearly better evidence (even as the track ends), or a lingering person.
                    Some(at) => {
                        best >= track.published_quality + config.improve_by
                            || (!lost && now.saturating_sub(at) >= config.recapture_every)
                    }
                };
            if publish && let Some(sighting) = track.best.take() {
                track.captures += 1;
                track.last_capture = Some(now);
                track.published_quality = track.published_quality.max(sighting.quality);
                due.push(Capture {
                    track_id: track.id,
                    first_seen: track.first_seen,
                    sighting,
                });
            }
            if !lost {
                kept.push(track);
            }
        }
        self.tracks = kept;
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, quality: f32, tag: u32) -> Sighting<u32> {
        Sighting {
            bbox: BoundingBox {
                x_min: x,
                y_min: 100.0,
                x_max: x + 100.0,
                y_max: 220.0,
            },
            quality,
            payload: tag,
        }
    }

    fn at(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    fn config() -> TrackingConfig {
        TrackingConfig {
            min_iou: 0.3,
            min_hits: 2,
            lost_after: at(1000),
            capture_quality: 0.7,
            improve_by: 0.1,
            first_capture_after: at(1500),
            recapture_every: at(30_000),
            max_captures_per_track: 3,
        }
    }

    #[test]
    fn a_short_poor_appearance_publishes_its_best_face_once_when_it_ends() {
        let mut tracker = Tracker::new(config());
        let mut published = Vec::new();
        // Five frames at 5 fps, the person drifting right, none past the gate (0.7); the
        // third face is the sharpest.
        for (i, quality) in [0.4, 0.5, 0.65, 0.6, 0.3].into_iter().enumerate() {
            let now = at(200 * i as u64);
            published.extend(tracker.update(now, vec![face(10.0 * i as f32, quality, i as u32)]));
        }
        assert!(published.is_empty(), "nothing before the track ends");
        for i in 5..12 {
            published.extend(tracker.update(at(200 * i), vec![]));
        }
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].sighting.payload, 2);
        assert_eq!(tracker.active(), 0);
    }

    #[test]
    fn a_lingering_person_is_published_early_then_rarely() {
        let mut tracker = Tracker::new(config());
        let mut published = Vec::new();
        // Ever so slightly better each frame, so the newest face is the best, but never
        // past the gate nor clearly better than what was published.
        for i in 0..(5 * 70) {
            let quality = 0.5 + 0.0001 * i as f32;
            published.extend(tracker.update(at(200 * i), vec![face(50.0, quality, i as u32)]));
        }
        // At 1.5 s, then every 30 s: 3 captures cap a 70-second stay.
        assert_eq!(published.len(), 3);
        assert_eq!(published[0].sighting.payload, 8);
        let ids: std::collections::HashSet<_> = published.iter().map(|c| c.track_id).collect();
        assert_eq!(ids.len(), 1, "one appearance, one track");
    }

    #[test]
    fn a_single_poor_frame_false_positive_publishes_nothing() {
        let mut tracker = Tracker::new(config());
        let mut published = tracker.update(at(0), vec![face(0.0, 0.4, 0)]);
        for i in 1..10 {
            published.extend(tracker.update(at(200 * i), vec![]));
        }
        published.extend(tracker.finish(at(2000)));
        assert!(published.is_empty());
    }

    #[test]
    fn two_people_side_by_side_are_two_tracks() {
        let mut tracker = Tracker::new(config());
        let mut published = Vec::new();
        for i in 0..5 {
            published
                .extend(tracker.update(at(200 * i), vec![face(0.0, 0.5, 1), face(600.0, 0.5, 2)]));
        }
        assert_eq!(tracker.active(), 2);
        published.extend(tracker.finish(at(1000)));
        let mut tags: Vec<u32> = published.iter().map(|c| c.sighting.payload).collect();
        tags.sort();
        assert_eq!(tags, [1, 2]);
    }

    #[test]
    fn leaving_and_coming_back_is_a_new_appearance() {
        let mut tracker = Tracker::new(config());
        let mut published = Vec::new();
        for i in 0..4 {
            published.extend(tracker.update(at(200 * i), vec![face(0.0, 0.5, 1)]));
        }
        for i in 4..12 {
            published.extend(tracker.update(at(200 * i), vec![]));
        }
        for i in 12..16 {
            published.extend(tracker.update(at(200 * i), vec![face(0.0, 0.5, 2)]));
        }
        published.extend(tracker.finish(at(3400)));
        assert_eq!(published.len(), 2);
        assert_ne!(published[0].track_id, published[1].track_id);
    }

    #[test]
    fn a_face_past_the_gate_is_published_from_the_frame_it_is_seen() {
        let mut tracker = Tracker::new(config());
        assert!(tracker.update(at(0), vec![face(0.0, 0.5, 0)]).is_empty());
        let published = tracker.update(at(200), vec![face(5.0, 0.75, 1)]);
        assert_eq!(published.len(), 1, "no fixed wait once the gate is passed");
        assert_eq!(published[0].sighting.payload, 1);
        assert_eq!(published[0].first_seen, at(0));
        // Even a first frame: a good face needs no second hit.
        let mut fresh = Tracker::new(config());
        assert_eq!(fresh.update(at(0), vec![face(0.0, 0.8, 7)]).len(), 1);
    }

    #[test]
    fn later_captures_are_only_clearly_better_faces_and_bounded() {
        let mut tracker = Tracker::new(config());
        let mut published = Vec::new();
        // 0.75 opens; 0.8 is not clearly better (< 0.85); 0.9 is; 0.95 is not (< 1.0);
        // a track ending with its best unpublished publishes it only if clearly better.
        for (i, quality) in [0.75, 0.8, 0.9, 0.95, 0.92].into_iter().enumerate() {
            let now = at(200 * i as u64);
            published.extend(tracker.update(now, vec![face(5.0 * i as f32, quality, i as u32)]));
        }
        for i in 5..12 {
            published.extend(tracker.update(at(200 * i), vec![]));
        }
        let tags: Vec<u32> = published.iter().map(|c| c.sighting.payload).collect();
        assert_eq!(tags, [0, 2]);
        let ids: std::collections::HashSet<_> = published.iter().map(|c| c.track_id).collect();
        assert_eq!(ids.len(), 1, "one appearance");

        // Steadily sharper faces: never more than max_captures_per_track (3).
        let mut tracker = Tracker::new(config());
        let mut published = Vec::new();
        for i in 0..20 {
            let quality = 0.7 + 0.05 * i as f32;
            published
                .extend(tracker.update(at(100 * i), vec![face(50.0, quality.min(1.0), i as u32)]));
        }
        published.extend(tracker.finish(at(2000)));
        assert_eq!(published.len(), 3);
    }
}
