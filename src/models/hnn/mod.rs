//! HNN-core's cortical column (Jones et al. 2009, hnn-core 0.6): so far the
//! drives' event times, drawn as hnn-core draws them.

pub mod drives;
