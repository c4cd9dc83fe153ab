//! The prompt as tokens, in one place for inference and training: SmolLM2's ChatML with the fixed
//! system message first (its KV cache is computed once, by the base model, and shared by every
//! unit), then each unit's own tokens, then the answer.
//!
//! The shared prefix is encoded by the base model even when an adapter is loaded: the adapter acts
//! on the unit's tokens and the answer only. Training does the same, so the two agree, and a
//! training step never pays for the ~400-token system message.

use pycwe_core::detect::UnitRequest;
use pycwe_core::prompt::{AnswerItem, format_answer, system_prompt, user_prompt};

use crate::tokenize::{TextTokenizer, TokenizerError};

/// Units longer than this many tokens are cut (the pieces' budget keeps units below it).
pub const MAX_UNIT_TOKENS: usize = 1024;

/// The end-of-turn token that closes every answer.
pub const END_OF_TURN: &str = "<|im_end|>";

/// The system message and the opening of the user turn: identical for every unit.
pub fn prefix_tokens(tokenizer: &TextTokenizer) -> Result<Vec<u32>, TokenizerError> {
    tokenizer.encode(&format!("<|im_start|>system\n{}{END_OF_TURN}\n<|im_start|>user\n", system_prompt()))
}

/// One unit's part of the prompt, through the opening of the assistant turn. User code is encoded
/// without special tokens, so a file containing `<|im_end|>` cannot end the turn early.
pub fn unit_tokens(tokenizer: &TextTokenizer, unit: &UnitRequest) -> Result<Vec<u32>, TokenizerError> {
    let mut ids = tokenizer.encode_plain(&user_prompt(&unit.text, &unit.imports, &unit.class_headers))?;
    ids.truncate(MAX_UNIT_TOKENS);
    ids.extend(tokenizer.encode(&format!("{END_OF_TURN}\n<|im_start|>assistant\n"))?);
    Ok(ids)
}

/// The answer a unit should get, as training targets: the grammar's text, then the end token.
pub fn answer_tokens(tokenizer: &TextTokenizer, items: &[AnswerItem]) -> Result<Vec<u32>, TokenizerError> {
    let mut ids = tokenizer.encode_plain(&format_answer(items))?;
    ids.push(tokenizer.id_of(END_OF_TURN).ok_or_else(|| TokenizerError::MissingToken(END_OF_TURN.to_string()))?);
    Ok(ids)
}

/// The token count a line adds to a unit's prompt (for cutting long units into windows).
pub fn line_cost(tokenizer: &TextTokenizer, line: &str) -> usize {
    // "NNN | " costs about three tokens.
    tokenizer.encode_plain(line).map(|ids| ids.len()).unwrap_or(line.len()) + 3
}
