//! NMODL's FUNCTION_TABLE: a function of a mechanism whose values the model
//! supplies as a table, as NEURON's `table_<name>_<suffix>(...)` sets them,
//! looked up with NEURON's interpolation (`hoc_func_table`).

/// One argument's axis of a [`FunctionTable`].
#[derive(Debug, Clone, PartialEq)]
pub enum TableAxis {
    /// `size` points evenly spaced from `min` to `max` (in the argument's
    /// units: mV for `v`, degC for `celsius`, ...), NEURON's
    /// `table_f(&values, size, min, max)`.
    Uniform {
        /// Number of points (>= 1).
        size: usize,
        /// The first point.
        min: f64,
        /// The last point (>= `min`).
        max: f64,
    },
    /// Points given one by one, in increasing order, NEURON's
    /// `table_f(yvec, xvec)` or `table_f(&values, size, &points)`.
    Points(Vec<f64>),
}

impl TableAxis {
    fn size(&self) -> usize {
        match self {
            TableAxis::Uniform { size, .. } => *size,
            TableAxis::Points(points) => points.len(),
        }
    }

    /// NEURON's `arg_index`: the index of the last point at or below `x`
    /// and the fraction of the way to the next one (0 at or beyond the
    /// ends, where the end value holds).
    fn locate(&self, x: f64) -> (usize, f64) {
        match self {
            TableAxis::Points(points) => {
                let last = points.len() - 1;
                if x <= points[0] {
                    (0, 0.0)
                } else if x >= points[last] {
                    (last, 0.0)
                } else {
                    // Bisection as NEURON's: the largest j with points[j] <= x.
                    let (mut low, mut high) = (0, last);
                    while low < high - 1 {
                        let mid = (low + high) / 2;
                        if points[mid] <= x {
                            low = mid;
                        } else {
                            high = mid;
                        }
                    }
                    (low, (x - points[low]) / (points[low + 1] - points[low]))
                }
            }
            &TableAxis::Uniform { size, min, max } => {
                if x <= min || size == 1 {
                    (0, 0.0)
                } else if x >= max {
                    (size - 1, 0.0)
                } else {
                    let step = (max - min) / ((size - 1) as f64);
                    let position = (x - min) / step;
                    let j = position as usize;
                    (j, position - j as f64)
                }
            }
        }
    }
}

/// The values of a FUNCTION_TABLE: a constant, or values on a grid with one
/// axis per argument of the function. Lookups interpolate linearly as
/// NEURON's do (in one and two dimensions; a function of more arguments
/// takes the value at the grid point at or below its arguments), and hold
/// the end values beyond the axes. Set on a running model with
/// [`crate::Simulation::set_function_table`]; the table is copied, where
/// NEURON keeps referring to the Vectors it was given.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionTable {
    /// Row-major values (the last argument varies fastest), or the one
    /// constant value.
    values: Vec<f64>,
    /// One per argument; empty for a constant.
    axes: Vec<TableAxis>,
}

impl FunctionTable {
    /// The same value for every argument: NEURON's `table_f(value)`.
    pub fn constant(value: f64) -> Self {
        FunctionTable { values: vec![value], axes: Vec::new() }
    }

    /// A function of one argument through the points (`x[i]`, `y[i]`), `x`
    /// increasing: NEURON's `table_f(yvec, xvec)`.
    pub fn from_points(x: Vec<f64>, y: Vec<f64>) -> Self {
        FunctionTable { values: y, axes: vec![TableAxis::Points(x)] }
    }

    /// Values on a grid, one axis per argument, row-major (the last axis
    /// varies fastest): NEURON's `table_f(&values, nx, xmin, xmax, ny, ...)`.
    pub fn grid(values: Vec<f64>, axes: Vec<TableAxis>) -> Self {
        FunctionTable { values, axes }
    }

    /// The function's value at `args` (one per argument of the function).
    pub fn value(&self, args: &[f64]) -> f64 {
        if self.axes.is_empty() {
            return self.values[0];
        }
        let mut located = [(0usize, 0.0f64); 2];
        let mut index = 0;
        for (i, (axis, &x)) in self.axes.iter().zip(args).enumerate() {
            let (j, fraction) = axis.locate(x);
            index = index * axis.size() + j;
            if i < 2 {
                located[i] = (j, fraction);
            }
        }
        let along = |fraction: f64, at: usize| {
            if fraction > 0.0 {
                (1.0 - fraction) * self.values[at] + fraction * self.values[at + 1]
            } else {
                self.values[at]
            }
        };
        match self.axes.len() {
            1 => along(located[0].1, index),
            2 => {
                // Along the second argument in the two rows, then between
                // the rows, in NEURON's order of operations.
                let (fx, fy) = (located[0].1, located[1].1);
                let first = along(fy, index);
                if fx != 0.0 {
                    let second = along(fy, index + self.axes[1].size());
                    (1.0 - fx) * first + fx * second
                } else {
                    first
                }
            }
            _ => self.values[index],
        }
    }

    /// Checks that the table fits a function of `arguments` arguments: an
    /// axis per argument, as many values as grid points, axes of at least
    /// one point, finite and increasing. The reason if not.
    pub(crate) fn check(&self, arguments: usize) -> Result<(), String> {
        if self.axes.is_empty() {
            return match self.values.first() {
                Some(v) if v.is_finite() => Ok(()),
                _ => Err("the constant must be a finite number".into()),
            };
        }
        if self.axes.len() != arguments {
            return Err(format!(
                "the function has {arguments} argument(s) but the table has {} axis/axes",
                self.axes.len()
            ));
        }
        let mut points = 1usize;
        for (i, axis) in self.axes.iter().enumerate() {
            match axis {
                TableAxis::Uniform { size, min, max } => {
                    if *size < 1 {
                        return Err(format!("axis {i} has no points"));
                    }
                    if !(min.is_finite() && max.is_finite()) || max < min {
                        return Err(format!("axis {i}: min {min} and max {max} must be finite with min <= max"));
                    }
                }
                TableAxis::Points(x) => {
                    if x.is_empty() {
                        return Err(format!("axis {i} has no points"));
                    }
                    if let Some(at) = x.iter().position(|p| !p.is_finite()) {
                        return Err(format!("axis {i}: point {at} is {}", x[at]));
                    }
                    if let Some(at) = x.windows(2).position(|w| w[1] < w[0]) {
                        return Err(format!(
                            "axis {i}: points must not decrease (point {} = {} after {})",
                            at + 1,
                            x[at + 1],
                            x[at]
                        ));
                    }
                }
            }
            points = points.saturating_mul(axis.size());
        }
        if points != self.values.len() {
            return Err(format!("{} values for a grid of {points} points", self.values.len()));
        }
        if let Some(at) = self.values.iter().position(|v| !v.is_finite()) {
            return Err(format!("value {at} is {}", self.values[at]));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_dimension_interpolates_between_points_and_holds_the_ends() {
        let table = FunctionTable::from_points(vec![-80.0, -65.0, -50.0], vec![0.02, 0.1, 0.3]);
        assert!(table.check(1).is_ok());
        assert_eq!(table.value(&[-70.0]), (1.0 - 10.0 / 15.0) * 0.02 + (10.0 / 15.0) * 0.1);
        assert_eq!(table.value(&[-65.0]), 0.1);
        assert_eq!(table.value(&[-100.0]), 0.02);
        assert_eq!(table.value(&[0.0]), 0.3);
    }

    #[test]
    fn a_uniform_grid_interpolates_in_two_dimensions() {
        // f(x, y) = x + 10 y on x in 0..=2 (3 points), y in 0..=10 (2 points).
        let values = vec![0.0, 100.0, 1.0, 101.0, 2.0, 102.0];
        let axes = vec![
            TableAxis::Uniform { size: 3, min: 0.0, max: 2.0 },
            TableAxis::Uniform { size: 2, min: 0.0, max: 10.0 },
        ];
        let table = FunctionTable::grid(values, axes);
        assert!(table.check(2).is_ok());
        assert!((table.value(&[0.5, 5.0]) - 50.5).abs() < 1e-12);
        assert_eq!(table.value(&[1.0, 0.0]), 1.0);
        assert_eq!(table.value(&[5.0, 20.0]), 102.0);
    }

    #[test]
    fn bad_tables_are_refused_with_their_reason() {
        assert!(FunctionTable::from_points(vec![0.0, 1.0], vec![1.0]).check(1).unwrap_err().contains("1 values"));
        assert!(FunctionTable::from_points(vec![1.0, 0.0], vec![1.0, 2.0]).check(1).unwrap_err().contains("decrease"));
        assert!(FunctionTable::from_points(vec![0.0], vec![1.0]).check(2).unwrap_err().contains("2 argument"));
        assert!(FunctionTable::constant(f64::NAN).check(1).is_err());
        assert!(FunctionTable::constant(3.0).check(2).is_ok());
    }
}
