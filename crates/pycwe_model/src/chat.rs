//! The prompt as tokens, in one place for inference and training: the fixed system message first
//! (its KV cache is computed once, by the base model, and shared by every unit), then each unit's
//! own tokens, then the answer. A chat model (SmolLM2) gets ChatML turns; a plain language model
//! (CodeGen) gets headed sections and its end-of-text token (the tokenizer's [`Template`]).
//!
//! The shared prefix is encoded by the base model even when an adapter is loaded: the adapter acts
//! on the unit's tokens and the answer only. Training does the same, so the two agree, and a
//! training step never pays for the ~400-token system message.

use pycwe_core::detect::UnitRequest;
use pycwe_core::prompt::{AnswerItem, format_answer, system_prompt, user_prompt};

use crate::tokenize::{Template, TextTokenizer, TokenizerError};

/// Units longer than this many tokens are cut (the pieces' budget keeps units below it).
pub const MAX_UNIT_TOKENS: usize = 1024;

/// The system message and the opening of the user turn: identical for every unit.
pub fn prefix_tokens(tokenizer: &TextTokenizer) -> Result<Vec<u32>, TokenizerError> {
    match tokenizer.template {
        Template::ChatMl => {
            tokenizer.encode(&format!("<|im_start|>system\n{}<|im_end|>\n<|im_start|>user\n", system_prompt()))
        }
        Template::Plain => tokenizer.encode_plain(&format!("### Instructions\n{}\n### Unit\n", system_prompt())),
    }
}

/// One unit's part of the prompt, through the opening of the assistant turn. User code is encoded
/// without special tokens, so a file containing `<|im_end|>` cannot end the turn early.
pub fn unit_tokens(tokenizer: &TextTokenizer, unit: &UnitRequest) -> Result<Vec<u32>, TokenizerError> {
    let mut ids = tokenizer.encode_plain(&user_prompt(&unit.text, &unit.imports, &unit.class_headers))?;
    ids.truncate(MAX_UNIT_TOKENS);
    match tokenizer.template {
        Template::ChatMl => ids.extend(tokenizer.encode("<|im_end|>\n<|im_start|>assistant\n")?),
        Template::Plain => ids.extend(tokenizer.encode_plain("### Answer\n")?),
    }
    Ok(ids)
}

/// The answer a unit should get, as training targets: the grammar's text, then the end token.
pub fn answer_tokens(tokenizer: &TextTokenizer, items: &[AnswerItem]) -> Result<Vec<u32>, TokenizerError> {
    let mut ids = tokenizer.encode_plain(&format_answer(items))?;
    ids.push(end_of_answer(tokenizer)?);
    Ok(ids)
}

/// The token count a line adds to a unit's prompt (for cutting long units into windows).
pub fn line_cost(tokenizer: &TextTokenizer, line: &str) -> usize {
    // "NNN | " costs about three tokens.
    tokenizer.encode_plain(line).map(|ids| ids.len()).unwrap_or(line.len()) + 3
}

/// The id of the token that ends an answer.
pub fn end_of_answer(tokenizer: &TextTokenizer) -> Result<u32, TokenizerError> {
    let end = tokenizer.template.end_of_answer();
    tokenizer.id_of(end).ok_or_else(|| TokenizerError::MissingToken(end.to_string()))
}
