//! The encoder's arithmetic: dense layers with their weights packed once at load, and the
//! element-wise steps between them, written as plain loops that the compiler vectorises.
//!
//! The caller runs them inside `pulp::Arch::dispatch`, which compiles them for the widest
//! vector instructions the CPU has (AVX2 and FMA on x86-64, NEON on arm64), detected at run
//! time, with no unsafe code of ours. Every function a call runs is `#[inline(always)]` so
//! that it is compiled in that context. Called from anywhere else it gives the same results,
//! but on x86-64 without the wide instructions, where `mul_add` is a library call, it runs
//! dozens of times slower (decision 0033). Packing, at load, is not inlined.

/// Outputs per panel of a packed weight: two AVX2 registers, four NEON ones.
const NR: usize = 16;
/// Input rows per block: with `NR` this keeps the 6 × 16 partial sums in registers (12 of
/// AVX2's 16, 24 of NEON's 32).
const MR: usize = 6;

/// A dense layer `y = x · Wᵀ + b` whose weight is stored as panels of `NR` outputs: for each
/// input `k`, the panel holds `W[o][k]` for its `NR` outputs side by side. The multiplication
/// then streams each panel once, in order, against blocks of `MR` input rows, and nothing is
/// repacked per call (a general routine repacks the whole weight every time, which is most of
/// the cost for a short message).
pub(crate) struct Dense {
    panels: Vec<[f32; NR]>,
    bias: Vec<[f32; NR]>,
    inputs: usize,
    outputs: usize,
}

impl Dense {
    /// Packs `weight` (`outputs × inputs`, row-major, as stored) and `bias` (`outputs`).
    pub(crate) fn new(
        weight: &[f32],
        bias: &[f32],
        outputs: usize,
        inputs: usize,
    ) -> Result<Self, String> {
        if outputs == 0 || inputs == 0 || !outputs.is_multiple_of(NR) {
            return Err(format!(
                "a dense layer needs a multiple of {NR} outputs, not {outputs} × {inputs}"
            ));
        }
        if weight.len() != outputs * inputs || bias.len() != outputs {
            return Err(format!(
                "a {outputs} × {inputs} layer with {} weights and {} biases",
                weight.len(),
                bias.len()
            ));
        }
        let mut panels = vec![[0.0; NR]; outputs / NR * inputs];
        for (o, row) in weight.chunks_exact(inputs).enumerate() {
            let panel = &mut panels[o / NR * inputs..][..inputs];
            for (slot, w) in panel.iter_mut().zip(row) {
                slot[o % NR] = *w;
            }
        }
        let bias = bias
            .chunks_exact(NR)
            .map(|c| std::array::from_fn(|j| c[j]))
            .collect();
        Ok(Self {
            panels,
            bias,
            inputs,
            outputs,
        })
    }

    /// `x · Wᵀ + b` for the `rows` rows of `x` (row-major, `rows × inputs`), row-major.
    #[inline(always)]
    pub(crate) fn forward(&self, x: &[f32], rows: usize) -> Result<Vec<f32>, String> {
        if x.len() != rows * self.inputs {
            return Err(format!(
                "{} values are not {rows} rows of {}",
                x.len(),
                self.inputs
            ));
        }
        let blocks = pack_rows(x, rows, self.inputs);
        let mut y = vec![0.0; rows * self.outputs];
        let panels = self.panels.chunks_exact(self.inputs);
        for (p, (panel, bias)) in panels.zip(&self.bias).enumerate() {
            for (b, block) in blocks.chunks_exact(self.inputs).enumerate() {
                let sums = multiply_block(block, panel, bias);
                for (i, sum) in sums.iter().enumerate().take(rows.saturating_sub(b * MR)) {
                    let at = (b * MR + i) * self.outputs + p * NR;
                    y[at..at + NR].copy_from_slice(sum);
                }
            }
        }
        Ok(y)
    }
}

/// The rows of `x` in blocks of `MR`, each block input by input (`[k][row]`), the last block
/// padded with zero rows, so that the inner loop reads both operands in order.
#[inline(always)]
fn pack_rows(x: &[f32], rows: usize, inputs: usize) -> Vec<[f32; MR]> {
    let blocks = rows.div_ceil(MR);
    let mut packed = vec![[0.0; MR]; blocks * inputs];
    for (r, row) in x.chunks_exact(inputs).enumerate() {
        let block = &mut packed[r / MR * inputs..][..inputs];
        for (slot, v) in block.iter_mut().zip(row) {
            slot[r % MR] = *v;
        }
    }
    packed
}

/// One block of `MR` rows times one panel of `NR` outputs, started from the bias.
#[inline(always)]
fn multiply_block(block: &[[f32; MR]], panel: &[[f32; NR]], bias: &[f32; NR]) -> [[f32; NR]; MR] {
    let mut sums = [*bias; MR];
    for (a, w) in block.iter().zip(panel) {
        for (sum, a) in sums.iter_mut().zip(a) {
            for (s, w) in sum.iter_mut().zip(w) {
                *s = a.mul_add(*w, *s);
            }
        }
    }
    sums
}

/// `e^x` to within 2.5 ulp for the inputs softmax and GELU give it, as branch-free arithmetic
/// the compiler can vectorise (a library `exp` is a call per element). The range is split as
/// `2^k · e^r` with `|r| ≤ ln2/2` (Cody and Waite), `e^r` is Cephes' `expf` polynomial, and
/// `2^k` is written into the exponent bits. Below −87 it returns ~1e-38 instead of underflowing
/// further, which neither caller can tell from zero.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    // 1.5 · 2^23: adding it rounds to an integer, which its low mantissa bits then hold.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + ROUND;
    let k = shifted - ROUND;
    let exponent = (shifted.to_bits() as i32 - ROUND.to_bits() as i32 + 127) as u32;
    let r = x - k * 0.693_359_4 + k * 2.121_944_4e-4;
    let p = 1.987_569_1e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 0.166_666_65;
    let p = p * r + 0.5;
    let e_r = p * r * r + r + 1.0;
    e_r * f32::from_bits(exponent << 23)
}

/// The error function to within 1.5e-7 (Abramowitz and Stegun 7.1.26).
#[inline(always)]
pub(crate) fn erf(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_8 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * exp(-x * x);
    y.copysign(x)
}

/// GELU as BERT defines it, `x · Φ(x)` with the exact normal CDF, in place.
#[inline(always)]
pub(crate) fn gelu(x: &mut [f32]) {
    for v in x {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// Lanes for sums and maxima: floating-point addition is not associative, so the compiler
/// vectorises a reduction only when it is written as several running values.
const LANES: usize = 8;

/// The sum of `x`.
#[inline(always)]
pub(crate) fn sum(x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let rest: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (l, v) in lanes.iter_mut().zip(chunk) {
            *l += v;
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// The largest value of `x` (−∞ for none).
#[inline(always)]
fn max(x: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks
        .remainder()
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    for chunk in chunks {
        for (l, v) in lanes.iter_mut().zip(chunk) {
            *l = if *v > *l { *v } else { *l };
        }
    }
    lanes.iter().copied().fold(rest, f32::max)
}

/// Softmax of each row of `x`, in place.
#[inline(always)]
pub(crate) fn softmax_rows(x: &mut [f32], width: usize) {
    for row in x.chunks_exact_mut(width) {
        let max = max(row);
        for v in row.iter_mut() {
            *v = exp(*v - max);
        }
        let inverse = 1.0 / sum(row);
        for v in row.iter_mut() {
            *v *= inverse;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x · Wᵀ + b`, one product at a time.
    fn reference(x: &[f32], w: &[f32], b: &[f32], rows: usize, inputs: usize) -> Vec<f32> {
        let outputs = b.len();
        let mut y = vec![0.0f64; rows * outputs];
        for r in 0..rows {
            for o in 0..outputs {
                let dot: f64 = (0..inputs)
                    .map(|k| f64::from(x[r * inputs + k]) * f64::from(w[o * inputs + k]))
                    .sum();
                y[r * outputs + o] = dot + f64::from(b[o]);
            }
        }
        y.into_iter().map(|v| v as f32).collect()
    }

    /// Deterministic values in [-1, 1).
    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).max(1);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state as f32 / u32::MAX as f32) * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn a_packed_layer_multiplies_as_written_for_any_number_of_rows() {
        let (outputs, inputs) = (48, 37);
        let (w, b) = (values(outputs * inputs, 1), values(outputs, 2));
        let layer = Dense::new(&w, &b, outputs, inputs).expect("packs");
        for rows in [1, 5, 6, 7, 13, 128] {
            let x = values(rows * inputs, rows as u32 + 3);
            let want = reference(&x, &w, &b, rows, inputs);
            // As called outside any dispatch, and as the encoder calls it, compiled for this
            // CPU's vector instructions.
            let plain = layer.forward(&x, rows).expect("fits");
            let dispatched = pulp::Arch::new()
                .dispatch(Forward {
                    layer: &layer,
                    x: &x,
                    rows,
                })
                .expect("fits");
            for got in [plain, dispatched] {
                let worst = got
                    .iter()
                    .zip(&want)
                    .map(|(g, w)| (g - w).abs())
                    .fold(0.0f32, f32::max);
                assert!(worst < 1e-5, "{rows} rows: off by {worst}");
            }
        }
    }

    struct Forward<'a> {
        layer: &'a Dense,
        x: &'a [f32],
        rows: usize,
    }

    impl pulp::WithSimd for Forward<'_> {
        type Output = Result<Vec<f32>, String>;

        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) -> Self::Output {
            self.layer.forward(self.x, self.rows)
        }
    }

    #[test]
    fn a_layer_refuses_weights_that_do_not_fit_its_shape() {
        assert!(Dense::new(&[0.0; 15 * 2], &[0.0; 15], 15, 2).is_err());
        assert!(Dense::new(&[0.0; 16 * 2], &[0.0; 15], 16, 2).is_err());
        let layer = Dense::new(&[0.0; 16 * 2], &[0.0; 16], 16, 2).expect("packs");
        assert!(layer.forward(&[0.0; 5], 2).is_err());
    }

    #[test]
    fn erf_is_within_two_millionths_of_the_tabulated_values() {
        for (x, expected) in [
            (0.0f32, 0.0f32),
            (0.1, 0.112_462_92),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (-1.0, -0.842_700_8),
            (2.0, 0.995_322_3),
            (-3.5, -0.999_999_3),
            (10.0, 1.0),
        ] {
            assert!((erf(x) - expected).abs() < 2e-6, "erf({x}) = {}", erf(x));
        }
    }

    #[test]
    fn softmax_rows_sum_to_one_and_keep_their_order() {
        let mut x = vec![1.0, 2.0, 3.0, -1000.0, 0.0, 1000.0];
        softmax_rows(&mut x, 3);
        for row in x.chunks(3) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        assert!(x[0] < x[1] && x[1] < x[2]);
        assert!(x[5] > 0.999 && x[3] < 1e-30);
    }

    #[test]
    fn exp_is_within_two_ulp_of_the_library_from_minus_eighty_to_eighty() {
        let mut x = -80.0f32;
        while x < 80.0 {
            let (got, want) = (exp(x), x.exp());
            assert!(
                (got - want).abs() <= 2.5 * f32::EPSILON * want,
                "exp({x}) = {got}, not {want}"
            );
            x += 0.013;
        }
        assert!(exp(-1000.0) < 1e-37 && exp(-1000.0) >= 0.0);
        assert!(exp(1000.0).is_finite());
    }

    #[test]
    fn sums_and_maxima_by_lanes_match_the_plain_ones() {
        for n in [0, 1, 7, 8, 9, 100] {
            let x = values(n, n as u32 + 11);
            let plain: f32 = x.iter().sum();
            assert!((sum(&x) - plain).abs() < 1e-5, "sum of {n}");
            let largest = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            assert_eq!(max(&x), largest, "max of {n}");
        }
    }
}
