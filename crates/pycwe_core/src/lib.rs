//! pycwe's vocabulary and pure steps: the CWE catalog, the Python front-end (source files, parsing,
//! chunking into the units a model judges), and later datasets, metrics and report emitters.
//! No candle, no clap, no anyhow: errors are typed so callers can branch on them.

pub mod anchor;
pub mod atomic;
pub mod cwe;
pub mod dataset;
pub mod detect;
pub mod evidence;
pub mod judge;
pub mod metrics;
pub mod perturb;
pub mod pieces;
pub mod prompt;
pub mod python;
pub mod source;
