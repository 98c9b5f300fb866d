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
pub fn best_threshold(pairs: &[ScoredPair]) -> (f32, f64) {
    let mut candidates: Vec<f32> = pairs.iter().map(|p| p.distance).collect();
    candidates.sort_by(f32::total_cmp);
    candidates.dedup();
    let mut best = (f32::INFINITY, 0.0);
    for threshold in candidates {
        let accuracy = accuracy(pairs, threshold);
        if accuracy > best.1 {
            best = (threshold, accuracy);
        }
    }
    best
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
