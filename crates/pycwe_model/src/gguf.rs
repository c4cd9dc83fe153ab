//! Reading a GGUF file: metadata, and tensors dequantized to f32 with the q/k projections
//! un-permuted back to the Hugging Face row order (llama.cpp's converter permutes them for its
//! rope layout; adapters trained here must use the Hugging Face layout to load elsewhere).

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::{Device, Tensor};

#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    #[error("{path}: cannot open the model file")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a readable GGUF file")]
    Format {
        path: PathBuf,
        #[source]
        source: Box<candle_core::Error>,
    },
    #[error("{path}: metadata `{key}` is missing or has the wrong type")]
    Metadata { path: PathBuf, key: String },
    #[error("{path}: tensor `{name}`")]
    Tensor {
        path: PathBuf,
        name: String,
        #[source]
        source: Box<candle_core::Error>,
    },
}

/// An open GGUF file: its metadata, and tensors read on demand.
pub struct GgufFile {
    path: PathBuf,
    content: Content,
    reader: BufReader<File>,
}

impl std::fmt::Debug for GgufFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GgufFile").field("path", &self.path).field("tensors", &self.content.tensor_infos.len()).finish()
    }
}

impl GgufFile {
    pub fn open(path: &Path) -> Result<Self, GgufError> {
        let file = File::open(path).map_err(|source| GgufError::Io { path: path.to_path_buf(), source })?;
        let mut reader = BufReader::new(file);
        let content = Content::read(&mut reader)
            .map_err(|e| GgufError::Format { path: path.to_path_buf(), source: Box::new(e) })?;
        Ok(GgufFile { path: path.to_path_buf(), content, reader })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn metadata(&self) -> &HashMap<String, Value> {
        &self.content.metadata
    }

    fn missing(&self, key: &str) -> GgufError {
        GgufError::Metadata { path: self.path.clone(), key: key.to_string() }
    }

    pub fn get(&self, key: &str) -> Result<&Value, GgufError> {
        self.content.metadata.get(key).ok_or_else(|| self.missing(key))
    }

    pub fn get_u32(&self, key: &str) -> Result<u32, GgufError> {
        let v = self.get(key)?;
        v.to_u32()
            .or_else(|_| v.to_u64().map(|x| x as u32))
            .or_else(|_| v.to_i32().map(|x| x as u32))
            .map_err(|_| self.missing(key))
    }

    pub fn get_f32(&self, key: &str) -> Result<f32, GgufError> {
        let v = self.get(key)?;
        v.to_f32().or_else(|_| v.to_f64().map(|x| x as f32)).map_err(|_| self.missing(key))
    }

    pub fn get_str(&self, key: &str) -> Result<&str, GgufError> {
        self.get(key)?.to_string().map(String::as_str).map_err(|_| self.missing(key))
    }

    pub fn get_strings(&self, key: &str) -> Result<Vec<&str>, GgufError> {
        let values = self.get(key)?.to_vec().map_err(|_| self.missing(key))?;
        values.iter().map(|v| v.to_string().map(String::as_str).map_err(|_| self.missing(key))).collect()
    }

    pub fn get_i32s(&self, key: &str) -> Result<Vec<i32>, GgufError> {
        let values = self.get(key)?.to_vec().map_err(|_| self.missing(key))?;
        values.iter().map(|v| v.to_i32().map_err(|_| self.missing(key))).collect()
    }

    pub fn has_tensor(&self, name: &str) -> bool {
        self.content.tensor_infos.contains_key(name)
    }

    /// The tensor `name`, dequantized to f32 (shape as candle reads GGUF: `[out, in]` for weights).
    pub fn tensor_f32(&mut self, name: &str, device: &Device) -> Result<Tensor, GgufError> {
        let path = self.path.clone();
        let err = move |e| GgufError::Tensor { path: path.clone(), name: name.to_string(), source: Box::new(e) };
        let q = self.content.tensor(&mut self.reader, name, device).map_err(&err)?;
        q.dequantize(device).map_err(&err)
    }
}

/// Undoes llama.cpp's q/k row permutation: GGUF rows are ordered `(head, half, pair)`-interleaved for
/// rotating adjacent pairs; Hugging Face orders each head as `[first halves, second halves]`.
pub fn unpermute_qk(w: &Tensor, n_heads: usize) -> candle_core::Result<Tensor> {
    let (out, inp) = w.dims2()?;
    let head_dim = out / n_heads;
    w.reshape((n_heads, head_dim / 2, 2, inp))?.transpose(1, 2)?.contiguous()?.reshape((out, inp))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The permutation llama.cpp's converter applies (convert_hf_to_gguf.py `permute`), for the test.
    fn permute(w: &Tensor, n_heads: usize) -> Tensor {
        let (out, inp) = w.dims2().unwrap();
        w.reshape((n_heads, 2, out / n_heads / 2, inp))
            .unwrap()
            .transpose(1, 2)
            .unwrap()
            .contiguous()
            .unwrap()
            .reshape((out, inp))
            .unwrap()
    }

    #[test]
    fn unpermute_inverts_the_converters_permutation() {
        let w = Tensor::arange(0f32, 96.0, &Device::Cpu).unwrap().reshape((12, 8)).unwrap();
        let back = unpermute_qk(&permute(&w, 3), 3).unwrap();
        assert_eq!(back.to_vec2::<f32>().unwrap(), w.to_vec2::<f32>().unwrap());
        // And it is a real reordering, not the identity.
        assert_ne!(permute(&w, 3).to_vec2::<f32>().unwrap(), w.to_vec2::<f32>().unwrap());
    }
}
