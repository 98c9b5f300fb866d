//! Alignment: turning a detected face into the upright, centred 112×112 crop an embedder
//! was trained on.
//!
//! Five keypoints (eye centres, nose tip, mouth corners) are mapped onto the standard template
//! by the least-squares *similarity* transform (rotation, uniform scale, translation; no
//! shear, no reflection), and the crop is resampled bilinearly. Measured on this project's
//! data (`shared/face-models.md`): alignment lifts verification accuracy from 87 % to 99.6 %.
//!
//! A face much larger than the crop (a 2-megapixel portrait, a close camera) is low-pass
//! reduced before it is sampled: bilinear samples several pixels apart alias, and the
//! embedding then depends on where the samples happen to fall. On the development photos
//! this took the true-accept rate at FAR ≤ 1e-3 from 97.1 % to 99.3 % (all 1,830 pairs,
//! `faceattend calibrate`); the triangle filter measured best of six (box, triangle,
//! Hamming, Catmull-Rom, Mitchell, Lanczos3; `docs/calibration.md`).

use std::cell::RefCell;

use image::RgbImage;

/// A point in pixel coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }
}

/// Side of the aligned crop.
pub const ALIGNED_SIZE: u32 = 112;

/// Where the five keypoints sit in a 112×112 aligned face: the subject's right eye, left eye,
/// nose tip, right and left mouth corners (the template MobileFaceNet and ArcFace use).
pub const TEMPLATE_112: [Point; 5] = [
    Point::new(38.2946, 51.6963),
    Point::new(73.5318, 51.5014),
    Point::new(56.0252, 71.7366),
    Point::new(41.5493, 92.3655),
    Point::new(70.7299, 92.2041),
];

/// `p ↦ [a −b; b a]·p + t`: rotation and uniform scale by (a, b), then translation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimilarityTransform {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl SimilarityTransform {
    /// The least-squares similarity mapping `from[i]` onto `to[i]`; `None` when the points
    /// are too few or all coincide (nothing to align on).
    pub fn estimate(from: &[Point], to: &[Point]) -> Option<Self> {
        if from.len() != to.len() || from.len() < 2 {
            return None;
        }
        let n = from.len() as f64;
        let mean = |points: &[Point]| {
            let (sx, sy) = points.iter().fold((0.0f64, 0.0f64), |(x, y), p| {
                (x + p.x as f64, y + p.y as f64)
            });
            (sx / n, sy / n)
        };
        let (fx, fy) = mean(from);
        let (tx, ty) = mean(to);
        let (mut dot, mut cross, mut norm) = (0.0f64, 0.0f64, 0.0f64);
        for (f, t) in from.iter().zip(to) {
            let (sx, sy) = (f.x as f64 - fx, f.y as f64 - fy);
            let (dx, dy) = (t.x as f64 - tx, t.y as f64 - ty);
            dot += sx * dx + sy * dy;
            cross += sx * dy - sy * dx;
            norm += sx * sx + sy * sy;
        }
        if norm < 1e-9 || !norm.is_finite() {
            return None;
        }
        let a = dot / norm;
        let b = cross / norm;
        Some(Self {
            a: a as f32,
            b: b as f32,
            tx: (tx - (a * fx - b * fy)) as f32,
            ty: (ty - (b * fx + a * fy)) as f32,
        })
    }

    pub fn apply(&self, p: Point) -> Point {
        Point::new(
            self.a * p.x - self.b * p.y + self.tx,
            self.b * p.x + self.a * p.y + self.ty,
        )
    }

    /// The transform undoing this one; `None` for a degenerate (zero-scale) transform.
    pub fn inverse(&self) -> Option<Self> {
        let det = self.a * self.a + self.b * self.b;
        if det < 1e-12 || !det.is_finite() {
            return None;
        }
        let (a, b) = (self.a / det, -self.b / det);
        Some(Self {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        })
    }

    /// Uniform scale factor.
    pub fn scale(&self) -> f32 {
        (self.a * self.a + self.b * self.b).sqrt()
    }
}

/// The aligned 112×112 crop of the face whose five keypoints (in `image` coordinates, in
/// [`TEMPLATE_112`]'s order) are given. `None` when the keypoints are degenerate.
pub fn align_face(image: &RgbImage, keypoints: &[Point; 5]) -> Option<RgbImage> {
    align_to(image, keypoints, &TEMPLATE_112)
}

/// The aligned crop from the detector's coarser points: right eye, left eye, nose tip and the
/// mouth's centre (matched to the midpoint of the template's mouth corners). For when FaceMesh
/// cannot refine a face.
pub fn align_face_coarse(image: &RgbImage, eyes_nose_mouth: &[Point; 4]) -> Option<RgbImage> {
    let [right_eye, left_eye, nose, mouth_right, mouth_left] = TEMPLATE_112;
    let mouth = Point::new(
        (mouth_right.x + mouth_left.x) / 2.0,
        (mouth_right.y + mouth_left.y) / 2.0,
    );
    align_to(image, eyes_nose_mouth, &[right_eye, left_eye, nose, mouth])
}

fn align_to(image: &RgbImage, keypoints: &[Point], template: &[Point]) -> Option<RgbImage> {
    let to_template = SimilarityTransform::estimate(keypoints, template)?;
    let to_image = to_template.inverse()?;
    Some(warp(image, &to_image, ALIGNED_SIZE, ALIGNED_SIZE))
}

/// Resamples `image` into a `width`×`height` output: each output pixel takes the bilinear
/// sample at `output_to_image(pixel centre)`; outside the image is black. Where output pixels
/// lie more than [`REDUCE_ABOVE`] image pixels apart, the region they cover is first reduced
/// with a low-pass filter to one pixel per output pixel: bilinear samples that far apart skip
/// most of the image and alias.
pub fn warp(
    image: &RgbImage,
    output_to_image: &SimilarityTransform,
    width: u32,
    height: u32,
) -> RgbImage {
    if output_to_image.scale() > REDUCE_ABOVE
        && let Some(output) = warp_reduced(image, output_to_image, width, height)
    {
        return output;
    }
    warp_bilinear(image, output_to_image, width, height)
}

/// Image pixels per output pixel beyond which [`warp`] reduces first.
const REDUCE_ABOVE: f32 = 1.5;

/// [`warp`] through a reduced copy of the region the output covers; `None` when that region
/// is (nearly) outside the image.
fn warp_reduced(
    image: &RgbImage,
    output_to_image: &SimilarityTransform,
    width: u32,
    height: u32,
) -> Option<RgbImage> {
    let step = output_to_image.scale();
    let (out_w, out_h) = (width as f32, height as f32);
    let corners = [(0.0, 0.0), (out_w, 0.0), (0.0, out_h), (out_w, out_h)]
        .map(|(x, y)| output_to_image.apply(Point::new(x, y)));
    let (xs, ys) = (corners.map(|p| p.x), corners.map(|p| p.y));
    let left = xs
        .iter()
        .copied()
        .fold(f32::INFINITY, f32::min)
        .floor()
        .max(0.0);
    let top = ys
        .iter()
        .copied()
        .fold(f32::INFINITY, f32::min)
        .floor()
        .max(0.0);
    let right = xs
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max)
        .ceil()
        .min(image.width() as f32);
    let bottom = ys
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max)
        .ceil()
        .min(image.height() as f32);
    let (reduced_w, reduced_h) = (
        ((right - left) / step).floor(),
        ((bottom - top) / step).floor(),
    );
    if reduced_w < 2.0 || reduced_h < 2.0 {
        return None;
    }
    let reduced = reduce_region(
        image,
        [left, top, reduced_w * step, reduced_h * step],
        reduced_w as u32,
        reduced_h as u32,
    )?;
    // output → image → reduced region: shift by the region's corner, shrink by `step`.
    let to_reduced = SimilarityTransform {
        a: output_to_image.a / step,
        b: output_to_image.b / step,
        tx: (output_to_image.tx - left) / step,
        ty: (output_to_image.ty - top) / step,
    };
    Some(warp_bilinear(&reduced, &to_reduced, width, height))
}

/// The `[left, top, width, height]` region of `image` resized to `width`×`height` with a
/// triangle filter as wide as the reduction (each output pixel averages the pixels it covers,
/// weighted by distance); `None` if the region does not fit the image.
fn reduce_region(image: &RgbImage, region: [f32; 4], width: u32, height: u32) -> Option<RgbImage> {
    let reduced = resize(
        image,
        Some(region.map(f64::from)),
        width,
        height,
        fast_image_resize::FilterType::Bilinear,
    )?;
    RgbImage::from_raw(width, height, reduced)
}

thread_local! {
    /// One resizer per thread: it keeps its scratch buffer (for a 1280×720 frame's detector
    /// input, 400 KB) from one call to the next instead of allocating and zeroing it each time.
    /// The buffer is as large as the largest resize the thread has done (3 MB for a 40 MP
    /// photo) and is freed when the thread ends.
    static RESIZER: RefCell<fast_image_resize::Resizer> =
        RefCell::new(fast_image_resize::Resizer::new());
}

/// `image`, or its `[left, top, width, height]` `region`, resized to `width`×`height`
/// (interleaved RGB bytes) by a SIMD convolution with `filter`, whose kernel widens with the
/// reduction (area-aware). `None` if the region does not fit the image.
pub(crate) fn resize(
    image: &RgbImage,
    region: Option<[f64; 4]>,
    width: u32,
    height: u32,
    filter: fast_image_resize::FilterType,
) -> Option<Vec<u8>> {
    use fast_image_resize::{PixelType, ResizeAlg, ResizeOptions, images};
    let source = images::ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        PixelType::U8x3,
    )
    .ok()?;
    let mut resized = images::Image::new(width, height, PixelType::U8x3);
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter));
    if let Some([left, top, region_width, region_height]) = region {
        options = options.crop(left, top, region_width, region_height);
    }
    RESIZER
        .with_borrow_mut(|resizer| resizer.resize(&source, &mut resized, &options))
        .ok()?;
    Some(resized.into_vec())
}

/// [`warp`] by bilinear sampling alone, one output row at a time (see [`SampleRow`]).
fn warp_bilinear(
    image: &RgbImage,
    output_to_image: &SimilarityTransform,
    width: u32,
    height: u32,
) -> RgbImage {
    let mut output = RgbImage::new(width, height);
    let row_bytes = width as usize * 3;
    if row_bytes == 0 {
        return output;
    }
    let mut row = SampleRow::new(width as usize);
    for (y, pixels) in output.chunks_exact_mut(row_bytes).enumerate() {
        row.locate(output_to_image, y as f32, image);
        row.gather(image);
        row.blend(pixels);
    }
    output
}

/// The bilinear samples of one output row, taken in three passes: where each sample falls,
/// its four neighbours' values, and their blend. The first and last are straight loops over
/// arrays that the compiler turns into SIMD; only the neighbour loads stay one sample at a
/// time. Sample by sample, a 192×192 FaceMesh crop took 24 ns a sample (0.9 ms); this way,
/// 11 ns (`perf` and a timing loop on one machine, back to back).
///
/// Every sample is computed with the same operations in the same order as [`bilinear`], so the
/// output is the same to the bit (`warp_bilinear_equals_bilinear_sample_by_sample`).
struct SampleRow {
    /// The sample's top-left neighbour, `floor` of its position (an integer, as f32 so that
    /// the loop computing it vectorises).
    x0: Vec<f32>,
    y0: Vec<f32>,
    /// Its position's fractions past that neighbour; 0 for a sample outside the image.
    fx: Vec<f32>,
    fy: Vec<f32>,
    /// Whether the sample is close enough to the image to see any of it.
    inside: Vec<bool>,
    /// Channel `c` of the top-left, top-right, bottom-left and bottom-right neighbours is
    /// `neighbours[c]`, `[3 + c]`, `[6 + c]` and `[9 + c]`; 0 outside the image.
    neighbours: [Vec<f32>; 12],
    /// The blended channels, before they are interleaved into the output row.
    channels: [Vec<u8>; 3],
}

impl SampleRow {
    fn new(width: usize) -> Self {
        Self {
            x0: vec![0.0; width],
            y0: vec![0.0; width],
            fx: vec![0.0; width],
            fy: vec![0.0; width],
            inside: vec![false; width],
            neighbours: std::array::from_fn(|_| vec![0.0; width]),
            channels: std::array::from_fn(|_| vec![0; width]),
        }
    }

    /// Where output row `y`'s samples fall in `image` (as `SimilarityTransform::apply` and
    /// [`bilinear`] place them).
    fn locate(&mut self, output_to_image: &SimilarityTransform, y: f32, image: &RgbImage) {
        let SimilarityTransform { a, b, tx, ty } = *output_to_image;
        let (w, h) = (image.width() as f32, image.height() as f32);
        let (by, ay) = (b * y, a * y);
        let n = self.x0.len();
        let (x0s, y0s) = (&mut self.x0[..n], &mut self.y0[..n]);
        let (fxs, fys, inside) = (&mut self.fx[..n], &mut self.fy[..n], &mut self.inside[..n]);
        // Indexed, branch-free and counting in i32, so that the loop vectorises.
        for i in 0..n {
            let x = i as i32 as f32;
            let (px, py) = (a * x - by + tx, b * x + ay + ty);
            // The negation of `bilinear`'s early return; NaN fails every comparison.
            let seen = (px >= -1.0) & (py >= -1.0) & (px <= w) & (py <= h);
            let (px, py) = if seen { (px, py) } else { (0.0, 0.0) };
            let (x0, y0) = (floor(px), floor(py));
            (x0s[i], y0s[i], inside[i]) = (x0, y0, seen);
            (fxs[i], fys[i]) = (px - x0, py - y0);
        }
    }

    /// Loads each sample's four neighbours.
    fn gather(&mut self, image: &RgbImage) {
        let (w, h) = (image.width() as i64, image.height() as i64);
        let raw = image.as_raw();
        let stride = w as usize * 3;
        for i in 0..self.x0.len() {
            let (x0, y0) = (self.x0[i] as i64, self.y0[i] as i64);
            let mut values = [0.0f32; 12];
            if !self.inside[i] {
                // Black, as `bilinear` returns.
            } else if x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h {
                let at = y0 as usize * stride + x0 as usize * 3;
                let (top, bottom) = (&raw[at..at + 6], &raw[at + stride..at + stride + 6]);
                for (value, byte) in values.iter_mut().zip(top.iter().chain(bottom)) {
                    *value = f32::from(*byte);
                }
            } else {
                for (n, (dx, dy)) in [(0, 0), (1, 0), (0, 1), (1, 1)].into_iter().enumerate() {
                    let (xi, yi) = (x0 + dx, y0 + dy);
                    if xi >= 0 && yi >= 0 && xi < w && yi < h {
                        let at = yi as usize * stride + xi as usize * 3;
                        for c in 0..3 {
                            values[3 * n + c] = f32::from(raw[at + c]);
                        }
                    }
                }
            }
            for (column, value) in self.neighbours.iter_mut().zip(values) {
                column[i] = value;
            }
        }
    }

    /// Blends the neighbours into `pixels` (the row's interleaved RGB bytes).
    fn blend(&mut self, pixels: &mut [u8]) {
        let n = &self.neighbours;
        let width = self.fx.len();
        let (fxs, fys) = (&self.fx[..width], &self.fy[..width]);
        for (c, channel) in self.channels.iter_mut().enumerate() {
            let (p00, p10) = (&n[c][..width], &n[3 + c][..width]);
            let (p01, p11) = (&n[6 + c][..width], &n[9 + c][..width]);
            let channel = &mut channel[..width];
            for i in 0..width {
                let (fx, fy) = (fxs[i], fys[i]);
                let top = p00[i] * (1.0 - fx) + p10[i] * fx;
                let bottom = p01[i] * (1.0 - fx) + p11[i] * fx;
                // Rounds half up by truncation (`f32::round` is a libm call on baseline x86-64).
                channel[i] = ((top * (1.0 - fy) + bottom * fy).clamp(0.0, 255.0) + 0.5) as u8;
            }
        }
        let [r, g, b] = &self.channels;
        for (((pixel, r), g), b) in pixels.chunks_exact_mut(3).zip(r).zip(g).zip(b) {
            pixel.copy_from_slice(&[*r, *g, *b]);
        }
    }
}

/// The bilinear sample at (x, y); pixels outside the image count as black: the reference
/// [`SampleRow`] must match, written one sample at a time as `warp` used to take them.
#[cfg(test)]
fn bilinear(image: &RgbImage, x: f32, y: f32) -> [u8; 3] {
    let (w, h) = (image.width() as i64, image.height() as i64);
    if !(x.is_finite() && y.is_finite()) || x < -1.0 || y < -1.0 || x > w as f32 || y > h as f32 {
        return [0, 0, 0];
    }
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let raw = image.as_raw();
    let stride = w as usize * 3;
    let sample = |xi: i64, yi: i64| -> [f32; 3] {
        if xi < 0 || yi < 0 || xi >= w || yi >= h {
            [0.0; 3]
        } else {
            let at = yi as usize * stride + xi as usize * 3;
            [raw[at] as f32, raw[at + 1] as f32, raw[at + 2] as f32]
        }
    };
    let (p00, p10, p01, p11) = (
        sample(x0, y0),
        sample(x0 + 1, y0),
        sample(x0, y0 + 1),
        sample(x0 + 1, y0 + 1),
    );
    let mut out = [0u8; 3];
    for c in 0..3 {
        let top = p00[c] * (1.0 - fx) + p10[c] * fx;
        let bottom = p01[c] * (1.0 - fx) + p11[c] * fx;
        out[c] = ((top * (1.0 - fy) + bottom * fy).clamp(0.0, 255.0) + 0.5) as u8;
    }
    out
}

/// `v.floor()`, exactly, for every f32. `f32::floor` is a software routine on baseline x86-64
/// (no SSE4.1), which a profile showed as a quarter of the warp, and it keeps the loop that
/// calls it from vectorising. Adding and subtracting 2^23 rounds a magnitude below 2^23 to an
/// integer (the sum's last bit is worth 1); from 2^23 up every f32 is an integer already.
fn floor(v: f32) -> f32 {
    const TWO_POW_23: f32 = 8_388_608.0;
    let magnitude = v.abs();
    let nearest = if magnitude < TWO_POW_23 {
        ((magnitude + TWO_POW_23) - TWO_POW_23).copysign(v)
    } else {
        v
    };
    if nearest > v { nearest - 1.0 } else { nearest }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn close(a: Point, b: Point) -> bool {
        (a.x - b.x).abs() < 1e-3 && (a.y - b.y).abs() < 1e-3
    }

    #[test]
    fn recovers_an_exact_similarity() {
        // Rotate 30°, scale 2.5, move by (100, -40).
        let (angle, scale) = (30f32.to_radians(), 2.5f32);
        let truth = SimilarityTransform {
            a: scale * angle.cos(),
            b: scale * angle.sin(),
            tx: 100.0,
            ty: -40.0,
        };
        let from = TEMPLATE_112;
        let to: Vec<Point> = from.iter().map(|p| truth.apply(*p)).collect();
        let estimated = SimilarityTransform::estimate(&from, &to).unwrap();
        for (f, t) in from.iter().zip(&to) {
            assert!(close(estimated.apply(*f), *t));
        }
        assert!((estimated.scale() - 2.5).abs() < 1e-4);
        let back = estimated.inverse().unwrap();
        for (f, t) in from.iter().zip(&to) {
            assert!(close(back.apply(*t), *f));
        }
    }

    #[test]
    fn degenerate_keypoints_give_none() {
        let same = [Point::new(5.0, 5.0); 5];
        assert!(SimilarityTransform::estimate(&same, &TEMPLATE_112).is_none());
        assert!(SimilarityTransform::estimate(&same[..1], &TEMPLATE_112[..1]).is_none());
        let nan = [Point::new(f32::NAN, 1.0); 5];
        assert!(SimilarityTransform::estimate(&nan, &TEMPLATE_112).is_none());
        assert!(align_face(&RgbImage::new(10, 10), &same).is_none());
    }

    #[test]
    fn aligning_a_tilted_face_puts_its_features_on_the_template() {
        // Draw a "face" of five bright dots at the template positions scaled ×3, rotated by
        // 20° and shifted, on a 500×500 canvas; aligning must bring each dot back to its
        // template spot.
        let truth = {
            let (angle, scale) = (20f32.to_radians(), 3.0f32);
            SimilarityTransform {
                a: scale * angle.cos(),
                b: scale * angle.sin(),
                tx: 180.0,
                ty: 60.0,
            }
        };
        let keypoints: Vec<Point> = TEMPLATE_112.iter().map(|p| truth.apply(*p)).collect();
        let mut canvas = RgbImage::new(500, 500);
        // Dots of 15×15 pixels: 5×5 in the crop once the ×3 face is reduced.
        for k in &keypoints {
            for dy in -7..=7i32 {
                for dx in -7..=7i32 {
                    canvas.put_pixel(
                        (k.x as i32 + dx) as u32,
                        (k.y as i32 + dy) as u32,
                        Rgb([255, 255, 255]),
                    );
                }
            }
        }
        let aligned = align_face(&canvas, &keypoints.try_into().unwrap()).unwrap();
        assert_eq!(aligned.dimensions(), (112, 112));
        for t in TEMPLATE_112 {
            let p = aligned.get_pixel(t.x.round() as u32, t.y.round() as u32);
            assert!(
                p[0] > 200,
                "template point {t:?} is bright after alignment: {p:?}"
            );
        }
        // Between the eyes there is no dot.
        assert!(aligned.get_pixel(56, 51)[0] < 50);
    }

    #[test]
    fn floor_matches_f32_floor() {
        let special = [
            -1.0f32,
            -0.99999994,
            -0.5,
            -1e-30,
            -0.0,
            0.0,
            1e-30,
            0.5,
            0.99999994,
            1.0,
            2.5,
            3.5,
            7.25,
            1279.999,
            8_388_607.5,
            -8_388_607.5,
            8_388_608.0,
            16_777_217.0,
            -3e9,
            3e38,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        // And a sweep of bit patterns over the whole range, both signs.
        let sweep = (0..200_000u32).map(|i| f32::from_bits(i.wrapping_mul(21_473)));
        for v in special.into_iter().chain(sweep).filter(|v| !v.is_nan()) {
            assert_eq!(floor(v).to_bits(), v.floor().to_bits(), "{v}");
        }
        assert!(floor(f32::NAN).is_nan());
    }

    #[test]
    fn samples_at_the_border_blend_with_black() {
        let white = RgbImage::from_pixel(4, 4, Rgb([255, 255, 255]));
        // Inside: exact pixel values; half a pixel past the right edge: half black.
        assert_eq!(bilinear(&white, 1.5, 2.25), [255, 255, 255]);
        assert_eq!(bilinear(&white, 3.5, 1.0), [128, 128, 128]);
        assert_eq!(bilinear(&white, -0.5, -0.5), [64, 64, 64]);
        assert_eq!(bilinear(&white, 4.5, 1.0), [0, 0, 0]);
    }

    #[test]
    fn warp_bilinear_equals_bilinear_sample_by_sample() {
        // A textured image and transforms that rotate, scale, cross every border and leave
        // the image entirely, plus non-finite ones.
        let image = RgbImage::from_fn(37, 23, |x, y| {
            Rgb([(x * 7 + y * 3) as u8, (x * y) as u8, (255 - x * 5) as u8])
        });
        let transforms = [
            (1.0, 0.0, 0.0, 0.0),
            (0.37, 0.21, -3.5, 2.25),
            (-0.8, 0.6, 40.0, -5.0),
            (1.7, -0.3, -10.0, 30.0),
            (0.01, 0.0, 36.5, 22.5),
            (1.0, 0.0, 1000.0, -1000.0),
            (f32::NAN, 0.0, 0.0, 0.0),
            (f32::INFINITY, 1.0, 0.0, 0.0),
        ];
        for (a, b, tx, ty) in transforms {
            let t = SimilarityTransform { a, b, tx, ty };
            let warped = warp_bilinear(&image, &t, 29, 31);
            for (x, y, pixel) in warped.enumerate_pixels() {
                let p = t.apply(Point::new(x as f32, y as f32));
                assert_eq!(pixel.0, bilinear(&image, p.x, p.y), "{t:?} at ({x}, {y})");
            }
        }
    }

    #[test]
    fn outside_the_image_is_black() {
        let white = RgbImage::from_pixel(4, 4, Rgb([255, 255, 255]));
        let far = SimilarityTransform {
            a: 1.0,
            b: 0.0,
            tx: 1000.0,
            ty: 1000.0,
        };
        assert_eq!(warp(&white, &far, 2, 2).get_pixel(0, 0), &Rgb([0, 0, 0]));
        let identity = SimilarityTransform {
            a: 1.0,
            b: 0.0,
            tx: 0.0,
            ty: 0.0,
        };
        assert_eq!(
            warp(&white, &identity, 2, 2).get_pixel(1, 1),
            &Rgb([255, 255, 255])
        );
    }

    #[test]
    fn a_large_reduction_averages_instead_of_aliasing() {
        // One-pixel stripes seen 4 pixels per output pixel: point samples would land on one
        // colour only (all black here); the reduced warp sees their mean.
        let stripes = RgbImage::from_fn(448, 448, |x, _| {
            if x % 2 == 0 {
                Rgb([0, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        let shrink = SimilarityTransform {
            a: 4.0,
            b: 0.0,
            tx: 0.0,
            ty: 0.0,
        };
        let crop = warp(&stripes, &shrink, 112, 112);
        for pixel in crop.pixels().skip(112 * 2).take(112 * 100) {
            assert!((100..=155).contains(&pixel[0]), "{pixel:?}");
        }
        // And where the transform keeps the scale, the stripes stay stripes.
        let identity = SimilarityTransform {
            a: 1.0,
            b: 0.0,
            tx: 0.0,
            ty: 0.0,
        };
        let kept = warp(&stripes, &identity, 8, 8);
        assert_eq!(kept.get_pixel(2, 3)[0], 0);
        assert_eq!(kept.get_pixel(3, 3)[0], 255);
    }
}
