//! Verification metrics over labelled pairs: what `faceattend eval` prints, and what the
//! confidence calibration is derived from.
//!
//! Inputs are distances (smaller = more alike) with a same/different label. Accuracy is the
//! usual 10-fold protocol: the threshold is chosen on nine folds and scored on the tenth.

/// A scored pair: the distance between the two faces and whether they are the same person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    pub distance: f32,
    pub same: bool,
}

/// The distance threshold that classifies `pairs` best (same ⇔ distance ≤ threshold), and
/// the accuracy it reaches on them.
///
/// Every threshold between two neighbouring observed distances classifies the pairs alike, so
/// the choice within the best such gap only matters for unseen pairs: the midpoint keeps the
/// widest margin on both sides. Where several gaps tie on accuracy, the widest wins. (Taking
/// the observed distance itself, as a naive search does, puts the threshold exactly on a
/// genuine pair and biases held-out folds towards false rejects.)
pub fn best_threshold(pairs: &[ScoredPair]) -> (f32, f64) {
    let mut distances: Vec<f32> = pairs.iter().map(|p| p.distance).collect();
    distances.sort_by(f32::total_cmp);
    distances.dedup();
    let Some(&largest) = distances.last() else {
        return (f32::INFINITY, 0.0);
    };
    // Accepting nothing is a candidate too: below the smallest distance.
    let mut best = (
        distances[0] - 1e-3,
        accuracy(pairs, distances[0] - 1e-3),
        0.0f32,
    );
    for (i, &low) in distances.iter().enumerate() {
        let high = distances.get(i + 1).copied().unwrap_or(largest + 1e-3);
        let accuracy = accuracy(pairs, low);
        let gap = high - low;
        if accuracy > best.1 || (accuracy == best.1 && gap > best.2) {
            best = ((low + high) / 2.0, accuracy, gap);
        }
    }
    (best.0, best.1)
}

pub fn accuracy(pairs: &[ScoredPair], threshold: f32) -> f64 {
    if pairs.is_empty() {
        return 0.0;
    }
    let correct = pairs
        .iter()
        .filter(|p| (p.distance <= threshold) == p.same)
        .count();
    correct as f64 / pairs.len() as f64
}

/// Mean and standard deviation of the 10-fold accuracy. Pair `i` goes to fold `i mod 10`, so
/// a pairs file grouped by person still gives folds that mix same and different pairs.
pub fn ten_fold_accuracy(pairs: &[ScoredPair]) -> (f64, f64) {
    let folds = 10.min(pairs.len());
    if folds < 2 {
        return (0.0, 0.0);
    }
    let scores: Vec<f64> = (0..folds)
        .map(|k| {
            let in_fold = |i: &usize| i % folds == k;
            let test: Vec<ScoredPair> = pairs
                .iter()
                .enumerate()
                .filter(|(i, _)| in_fold(i))
                .map(|(_, p)| *p)
                .collect();
            let train: Vec<ScoredPair> = pairs
                .iter()
                .enumerate()
                .filter(|(i, _)| !in_fold(i))
                .map(|(_, p)| *p)
                .collect();
            let (threshold, _) = best_threshold(&train);
            accuracy(&test, threshold)
        })
        .collect();
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let variance = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / scores.len() as f64;
    (mean, variance.sqrt())
}

/// Area under the ROC curve: the probability that a random genuine pair is closer than a
/// random impostor pair (ties count half).
pub fn roc_auc(pairs: &[ScoredPair]) -> f64 {
    let Some((genuine, impostor)) = split(pairs) else {
        return 0.0;
    };
    let mut favourable = 0.0f64;
    for g in &genuine {
        let farther = impostor.len() - impostor.partition_point(|i| i <= g);
        let ties = impostor.partition_point(|i| i <= g) - impostor.partition_point(|i| i < g);
        favourable += farther as f64 + ties as f64 / 2.0;
    }
    favourable / (genuine.len() as f64 * impostor.len() as f64)
}

/// At the largest threshold whose false-accept rate is at most `far`: the true-accept rate
/// and that threshold. With fewer than `1/far` impostor pairs the answer is only as fine as
/// the data allows (at least one impostor stays rejected).
pub fn tar_at_far(pairs: &[ScoredPair], far: f64) -> (f64, f32) {
    let Some((genuine, impostor)) = split(pairs) else {
        return (0.0, 0.0);
    };
    let allowed = (far * impostor.len() as f64).floor() as usize;
    // Accepting distances strictly below the (allowed+1)-th closest impostor accepts at most
    // `allowed` impostors.
    let threshold = impostor[allowed.min(impostor.len() - 1)];
    let accepted = genuine.iter().filter(|g| **g < threshold).count();
    (accepted as f64 / genuine.len() as f64, threshold)
}

/// The calibration knot for a false-accept rate: the largest distance, rounded down to a
/// hundredth, at which accepting `distance <= knot` accepts at most `far` of the impostor
/// pairs. `None` without impostor pairs, or when there are fewer than `1/far` of them (the
/// rate could not be measured).
pub fn distance_at_far(pairs: &[ScoredPair], far: f64) -> Option<f32> {
    let (_, impostor) = split(pairs)?;
    if (impostor.len() as f64) * far < 1.0 {
        return None;
    }
    let (_, first_rejected) = tar_at_far(pairs, far);
    // Strictly below the first impostor that must stay rejected.
    let knot = ((first_rejected - 1e-4) * 100.0).floor() / 100.0;
    Some(knot.max(0.0))
}

/// Genuine distances, and impostor distances sorted ascending; `None` when either is empty.
fn split(pairs: &[ScoredPair]) -> Option<(Vec<f32>, Vec<f32>)> {
    let (genuine, impostor): (Vec<&ScoredPair>, Vec<&ScoredPair>) =
        pairs.iter().partition(|p| p.same);
    let genuine: Vec<f32> = genuine.iter().map(|p| p.distance).collect();
    let mut impostor: Vec<f32> = impostor.iter().map(|p| p.distance).collect();
    impostor.sort_by(f32::total_cmp);
    (!genuine.is_empty() && !impostor.is_empty()).then_some((genuine, impostor))
}

/// False- and true-accept rates at a threshold (accept ⇔ distance ≤ threshold).
pub fn rates_at(pairs: &[ScoredPair], threshold: f32) -> (f64, f64) {
    let rate = |same: bool| {
        let group: Vec<&ScoredPair> = pairs.iter().filter(|p| p.same == same).collect();
        if group.is_empty() {
            0.0
        } else {
            group.iter().filter(|p| p.distance <= threshold).count() as f64 / group.len() as f64
        }
    };
    (rate(false), rate(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(genuine: &[f32], impostor: &[f32]) -> Vec<ScoredPair> {
        genuine
            .iter()
            .map(|d| ScoredPair {
                distance: *d,
                same: true,
            })
            .chain(impostor.iter().map(|d| ScoredPair {
                distance: *d,
                same: false,
            }))
            .collect()
    }

    #[test]
    fn separable_pairs_score_perfectly() {
        let p = pairs(&[0.5, 0.6, 0.7], &[1.2, 1.3, 1.4]);
        assert_eq!(roc_auc(&p), 1.0);
        let (threshold, accuracy) = best_threshold(&p);
        assert_eq!(accuracy, 1.0);
        assert!((0.7..1.2).contains(&threshold));
        assert_eq!(tar_at_far(&p, 0.0).0, 1.0);
        assert_eq!(rates_at(&p, 1.0), (0.0, 1.0));
    }

    #[test]
    fn overlapping_pairs() {
        // One impostor (0.55) is closer than two genuine pairs.
        let p = pairs(&[0.5, 0.6, 0.7], &[0.55, 1.3, 1.4, 1.5]);
        // Favourable (genuine, impostor) orderings: 0.5 beats all 4, 0.6 and 0.7 beat 3.
        assert!((roc_auc(&p) - 10.0 / 12.0).abs() < 1e-9);
        // No impostor accepted: only the genuine pair below 0.55.
        let (tar, threshold) = tar_at_far(&p, 0.0);
        assert_eq!(threshold, 0.55);
        assert!((tar - 1.0 / 3.0).abs() < 1e-9);
        // One impostor in four allowed: everything below 1.3.
        assert_eq!(tar_at_far(&p, 0.25).0, 1.0);
        assert!((accuracy(&p, 0.7) - 6.0 / 7.0).abs() < 1e-9);
    }

    #[test]
    fn far_knots_accept_at_most_the_allowed_impostors() {
        let impostor: Vec<f32> = (0..200).map(|i| 0.9 + i as f32 * 0.005).collect();
        let p = pairs(&[0.5, 0.8, 0.95], &impostor);
        // 1e-2 of 200 impostors: two may be accepted, so the knot sits below the third (0.91).
        let knot = distance_at_far(&p, 1e-2).unwrap();
        assert!((0.905 - 0.011..0.91).contains(&knot), "{knot}");
        assert!(rates_at(&p, knot).0 <= 1e-2);
        // 1e-3 cannot be measured with 200 impostors.
        assert_eq!(distance_at_far(&p, 1e-3), None);
    }

    #[test]
    fn best_threshold_takes_the_middle_of_the_gap() {
        let p = pairs(&[0.5, 0.6], &[1.0, 1.2]);
        let (threshold, accuracy) = best_threshold(&p);
        assert_eq!(accuracy, 1.0);
        assert!((threshold - 0.8).abs() < 1e-6, "{threshold}");
    }

    #[test]
    fn ten_folds_use_held_out_thresholds() {
        // 50 genuine near 0.6 and 50 impostors near 1.4, interleaved so every fold has both.
        let mut p = Vec::new();
        for i in 0..50 {
            p.push(ScoredPair {
                distance: 0.6 + (i % 7) as f32 * 0.03,
                same: true,
            });
            p.push(ScoredPair {
                distance: 1.4 - (i % 5) as f32 * 0.03,
                same: false,
            });
        }
        let (mean, std) = ten_fold_accuracy(&p);
        assert_eq!(mean, 1.0);
        assert_eq!(std, 0.0);
        assert_eq!(ten_fold_accuracy(&p[..1]), (0.0, 0.0));
    }
}
