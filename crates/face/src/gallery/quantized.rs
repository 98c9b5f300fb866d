//! 8-bit codes for unit vectors, the integer dot product the exact scan runs on, and the error
//! bound that lets the scan's shortlist be proven large enough.
//!
//! A stored vector `x` becomes codes `c_i = round(x_i / s)` in [-127, 127] with its own scale
//! `s = max|x_i| / 127`; a probe is coded the same way but on 16 bits (it is coded once per
//! query, and its error adds to the bound, so it gets all the precision the kernel allows).
//! Scores are then one integer dot product per row, a quarter of the bytes of f32. By Cauchy–Schwarz, for unit `q` and `x` with coded
//! versions `q'` and `x'`:
//!
//! ```text
//! |q·x − q'·x'| ≤ |q|·|x − x'| + |q − q'|·|x'| ≤ e_x + e_q·(1 + e_x)
//! ```
//!
//! where `e_x = |x − x'|` is measured once at insert time and `e_q` once per probe. So a code
//! score plus that bound is an upper bound on the exact dot product, which is what the exact
//! index needs to know when it may stop re-ranking.
//!
//! *Why offset-binary (`c + 128` as `u8`) for stored codes:* the default x86-64 target has only
//! SSE2, which cannot sign-extend bytes without a false dependency that makes the loop
//! latency-bound (2.7 ms per 100k rows, measured); zero-extending `u8` next to an `i16` probe
//! lets LLVM use `punpcklbw` + `pmaddwd` with no dependency chain (0.8–1.4 ms per 100k rows, at
//! memory speed), in safe, portable code. The offset is removed with one multiply per row:
//! `Σ (c+128)·p = Σ c·p + 128·Σ p`.
//!
//! *Why the row loop is compiled three times* (`multiversion`): the same safe loop built for
//! AVX-512BW and AVX2 as well as the baseline, the best one picked at run time from the CPU's
//! features, so a release binary stays portable and still uses the wide registers where they
//! exist. The scan streams 19 MB per 100k rows either way, so it gains less than the graph's
//! distance does: 1.32 → 1.23 ms p50 at 100k rows, back to back (`benches/gallery.rs`, an AMD
//! EPYC with AVX-512, 2026-12-01).

use multiversion::multiversion;

/// Codes are stored in rows of this many bytes (the dimension rounded up to it) so the kernel
/// needs no remainder loop; padding codes stand for zero.
pub(super) const LANES: usize = 16;

/// Offset added to a signed code to store it as `u8`.
const OFFSET: i32 = 128;

/// Largest stored code magnitude: symmetric, so −128 (which would overflow the offset) never
/// occurs.
const MAX_CODE: f32 = 127.0;

/// Largest stored code value once offset.
const MAX_STORED: usize = 255;

/// Absolute slack added to every bound: covers f32 rounding in both the code score and the exact
/// f32 dot product (≤ dim·2⁻²⁴ for unit vectors, ≈ 1.2e-5 at 192-D) and the slack in `|q| = 1`.
const ROUNDING_SLACK: f32 = 1e-4;

/// The row length in bytes for a dimension.
pub(super) fn stride(dimension: usize) -> usize {
    dimension.div_ceil(LANES).max(1) * LANES
}

/// Writes the codes of `values` into `row` (length [`stride`]); returns the scale and the
/// coding error `|x − x'|`, rounded up.
pub(super) fn encode_row(values: &[f32], row: &mut [u8]) -> (f32, f32) {
    let scale = scale_of(values);
    let mut error = 0.0f64;
    for (code, &v) in row.iter_mut().zip(values) {
        let c = quantize(v, scale);
        error += (f64::from(v) - f64::from(c) * f64::from(scale)).powi(2);
        *code = (c + OFFSET) as u8;
    }
    row[values.len()..].fill(OFFSET as u8);
    (scale, round_up(error.sqrt()))
}

/// A probe's codes, ready to score rows.
#[derive(Debug, Clone)]
pub(super) struct ProbeCodes {
    /// Signed codes widened to `i16` once per probe, zero-padded to the row stride.
    codes: Vec<i16>,
    /// `128·Σ codes`: the offset-binary correction.
    offset_correction: i32,
    scale: f32,
    /// `|q − q'|`, rounded up.
    error: f32,
}

impl ProbeCodes {
    pub(super) fn new(values: &[f32], stride: usize) -> Self {
        // As fine as i16 allows, but coarse enough that `Σ row·probe` (≤ stride·255·max) fits
        // in i32: 32767 up to 257 dimensions, then less.
        let max_code =
            (i32::MAX as usize / (stride * MAX_STORED)).clamp(1, i16::MAX as usize) as f32;
        let max = values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = if max > 0.0 { max / max_code } else { 1.0 };
        let mut codes = vec![0i16; stride];
        let mut error = 0.0f64;
        let mut sum = 0i32;
        for (code, &v) in codes.iter_mut().zip(values) {
            let c = (v / scale).round().clamp(-max_code, max_code) as i32;
            error += (f64::from(v) - f64::from(c) * f64::from(scale)).powi(2);
            sum += c;
            *code = c as i16;
        }
        Self {
            codes,
            offset_correction: OFFSET * sum,
            scale,
            error: round_up(error.sqrt()),
        }
    }

    /// The coded dot product with one stored row: an estimate of the exact dot product within
    /// [`Self::bound`].
    #[cfg(test)]
    pub(super) fn score(&self, row: &[u8], row_scale: f32) -> f32 {
        let mut score = [0.0];
        self.score_rows(row, &[row_scale], &mut score);
        score[0]
    }

    /// [`Self::score`] of consecutive stored rows (`rows` holds `scores.len()` rows of the
    /// probe's stride, `row_scales` their scales), into `scores`.
    pub(super) fn score_rows(&self, rows: &[u8], row_scales: &[f32], scores: &mut [f32]) {
        debug_assert_eq!(rows.len(), scores.len() * self.codes.len());
        debug_assert_eq!(row_scales.len(), scores.len());
        score_rows(
            &self.codes,
            self.offset_correction,
            self.scale,
            rows,
            row_scales,
            scores,
        );
    }

    /// How far [`Self::score`] can be from the exact dot product with a stored unit vector
    /// whose coding error is at most `max_row_error`.
    pub(super) fn bound(&self, max_row_error: f32) -> f32 {
        max_row_error + self.error * (1.0 + max_row_error) + ROUNDING_SLACK
    }
}

/// The row loop behind [`ProbeCodes::score_rows`], one copy per instruction set.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl", "x86_64+avx2"))]
fn score_rows(
    probe: &[i16],
    offset_correction: i32,
    probe_scale: f32,
    rows: &[u8],
    row_scales: &[f32],
    scores: &mut [f32],
) {
    for ((score, row), &row_scale) in scores
        .iter_mut()
        .zip(rows.chunks_exact(probe.len()))
        .zip(row_scales)
    {
        // No overflow: the probe's code range is chosen for it. Converting to f32 may round
        // (|raw| can pass 2²⁴), by a relative 6e-8 that the bound's slack covers.
        let raw = dot_codes(row, probe) - offset_correction;
        *score = raw as f32 * (row_scale * probe_scale);
    }
}

/// `Σ row_i · probe_i` over offset-binary row codes and widened probe codes. Always inlined,
/// so each copy of `score_rows` compiles it for its own instruction set.
#[inline(always)]
fn dot_codes(row: &[u8], probe: &[i16]) -> i32 {
    // Sixteen independent lanes: LLVM turns each 16-byte step into two zero-extends and two
    // `pmaddwd`s, with no loop-carried dependency but the adds.
    let mut acc = [0i32; LANES];
    for (x, y) in row.chunks_exact(LANES).zip(probe.chunks_exact(LANES)) {
        for lane in 0..LANES {
            acc[lane] += i32::from(x[lane]) * i32::from(y[lane]);
        }
    }
    acc.iter().sum()
}

fn scale_of(values: &[f32]) -> f32 {
    let max = values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    // Embeddings are unit vectors, so max > 0; the guard keeps a zero vector harmless.
    if max > 0.0 { max / MAX_CODE } else { 1.0 }
}

fn quantize(v: f32, scale: f32) -> i32 {
    (v / scale).round().clamp(-MAX_CODE, MAX_CODE) as i32
}

/// An f64 error as an f32 that is not smaller.
fn round_up(error: f64) -> f32 {
    let e = error as f32;
    if f64::from(e) < error { e.next_up() } else { e }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (SplitMix64), so tests need no RNG crate.
    fn uniform(seed: &mut u64) -> f32 {
        *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }

    fn unit(seed: &mut u64, dim: usize) -> Vec<f32> {
        let v: Vec<f32> = (0..dim).map(|_| uniform(seed)).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / norm).collect()
    }

    #[test]
    fn scores_stay_within_the_bound_for_any_dimension() {
        let mut seed = 7;
        for dim in [1usize, 3, 16, 17, 128, 192, 512, 2048] {
            let stride = stride(dim);
            for _ in 0..200 {
                let (x, q) = (unit(&mut seed, dim), unit(&mut seed, dim));
                let mut row = vec![0u8; stride];
                let (scale, error) = encode_row(&x, &mut row);
                let probe = ProbeCodes::new(&q, stride);
                let exact: f32 = x.iter().zip(&q).map(|(a, b)| a * b).sum();
                let score = probe.score(&row, scale);
                assert!(
                    (score - exact).abs() <= probe.bound(error),
                    "dim {dim}: {score} vs {exact}, bound {}",
                    probe.bound(error)
                );
                // The bound is useful, not just true: a few hundredths at most.
                assert!(probe.bound(error) < 0.05, "dim {dim}");
            }
        }
    }

    #[test]
    fn kernel_matches_the_naive_sum() {
        let row: Vec<u8> = (0..32).map(|i| (i * 7 % 256) as u8).collect();
        let probe: Vec<i16> = (0..32).map(|i| (i * 13 % 255) as i16 - 127).collect();
        let naive: i32 = row
            .iter()
            .zip(&probe)
            .map(|(&a, &b)| i32::from(a) * i32::from(b))
            .sum();
        assert_eq!(dot_codes(&row, &probe), naive);
    }
}
