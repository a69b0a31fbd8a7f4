//! The column's current dipole as hnn-core computes and post-processes it:
//! per layer the sum over pyramidal cells of axial current times length
//! along the apical axis (fAm), zero at t = 0 (hnn-core's `finitialize`
//! zeroes it after the initial value), then hnn-core's baseline
//! renormalization and scaling to nAm; smoothing and scaling as options.

/// A dipole time series per layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Dipole {
    /// Sample times, ms.
    pub times: Vec<f64>,
    /// Layer 2/3 pyramidal cells' dipole.
    pub l2: Vec<f64>,
    /// Layer 5 pyramidal cells' dipole.
    pub l5: Vec<f64>,
    /// Their sum.
    pub agg: Vec<f64>,
}

impl Dipole {
    /// The raw sums (fAm) of `l2` and `l5`, with hnn-core's agg = L2 + L5.
    pub fn raw(times: Vec<f64>, l2: Vec<f64>, l5: Vec<f64>) -> Dipole {
        let agg = l2.iter().zip(&l5).map(|(a, b)| a + b).collect();
        Dipole { times, l2, l5, agg }
    }

    /// hnn-core's `_baseline_renormalize` for a grid of `n_pyr_x` ×
    /// `n_pyr_y` pyramidal cells per layer (offsets fitted to the resting
    /// column's dipole), then its conversion from fAm to nAm (× 1e-6):
    /// what `simulate_dipole` returns.
    pub fn renormalize(&mut self, n_pyr_x: usize, n_pyr_y: usize) {
        let n = (n_pyr_x * n_pyr_y) as f64;
        let l2_offset = n * 0.0443;
        let (m, b, t1, m1, b1) = (0.0034770508, -51.231085, 750.0, 0.000101, -48.412078);
        for (k, &t) in self.times.iter().enumerate() {
            self.l2[k] -= l2_offset;
            if t <= 37.0 {
                self.l5[k] -= n * -49.0502;
            } else if t < t1 {
                self.l5[k] -= n * (m * t + b);
            } else {
                self.l5[k] -= n * (m1 * t + b1);
            }
            self.agg[k] = self.l2[k] + self.l5[k];
        }
        self.scale(1e-6);
    }

    /// Multiplies every layer by `factor` (hnn-core's `Dipole.scale`, e.g.
    /// by `dipole_scalefctr`).
    pub fn scale(&mut self, factor: f64) {
        for series in [&mut self.l2, &mut self.l5, &mut self.agg] {
            for x in series.iter_mut() {
                *x *= factor;
            }
        }
    }

    /// hnn-core's `Dipole.smooth(window_len)`: convolution with a Hamming
    /// window of `window_ms` ms normalized to sum 1, centred ('same').
    pub fn smooth(&mut self, window_ms: f64) -> crate::Result<()> {
        if self.times.len() < 2 {
            return Ok(());
        }
        let sfreq = 1000.0 / (self.times[1] - self.times[0]);
        let size = (0.001 * window_ms * sfreq).round() as usize;
        if !(window_ms >= 1.0 && (1..=self.times.len()).contains(&size)) {
            return Err(crate::NeuriteError::InvalidParameter {
                what: "dipole smoothing window (ms)".into(),
                value: window_ms,
                reason: "must be at least 1 ms and at most the simulation",
            });
        }
        let mut window: Vec<f64> = if size == 1 {
            vec![1.0]
        } else {
            (0..size).map(|n| 0.54 - 0.46 * (2.0 * std::f64::consts::PI * n as f64 / (size - 1) as f64).cos()).collect()
        };
        let total: f64 = window.iter().sum();
        for w in window.iter_mut() {
            *w /= total;
        }
        for series in [&mut self.l2, &mut self.l5, &mut self.agg] {
            *series = convolve_same(series, &window);
        }
        Ok(())
    }
}

/// NumPy's `convolve(x, w, 'same')`.
fn convolve_same(x: &[f64], w: &[f64]) -> Vec<f64> {
    let (n, m) = (x.len() as isize, w.len() as isize);
    let shift = (m - 1) / 2;
    (0..n)
        .map(|i| {
            let k = i + shift;
            let mut sum = 0.0;
            for j in 0..m {
                let idx = k - j;
                if (0..n).contains(&idx) {
                    sum += x[idx as usize] * w[j as usize];
                }
            }
            sum
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renormalization_is_hnn_cores_piecewise_baseline() {
        let times = vec![0.0, 37.0, 100.0, 800.0];
        let mut d = Dipole::raw(times, vec![0.0; 4], vec![0.0; 4]);
        d.renormalize(10, 10);
        assert!((d.l2[0] + 4.43e-6).abs() < 1e-18);
        assert!((d.l5[1] - 4905.02e-6).abs() < 1e-15);
        assert!((d.l5[2] - -100.0 * (0.0034770508 * 100.0 - 51.231085) * 1e-6).abs() < 1e-15);
        assert!((d.l5[3] - -100.0 * (0.000101 * 800.0 - 48.412078) * 1e-6).abs() < 1e-15);
        assert!((d.agg[2] - (d.l2[2] + d.l5[2])).abs() < 1e-15);
    }

    #[test]
    fn smoothing_keeps_a_constant_away_from_the_edges_and_refuses_bad_windows() {
        let times: Vec<f64> = (0..200).map(|k| k as f64 * 0.5).collect();
        let mut d = Dipole::raw(times, vec![1.0; 200], vec![2.0; 200]);
        d.smooth(10.0).unwrap();
        assert!((d.l2[100] - 1.0).abs() < 1e-12 && d.l2[0] < 0.9);
        assert!(d.smooth(0.5).is_err() && d.smooth(1000.0).is_err());
    }
}
