//! Datasets: the record format, the recipe-based generator of vulnerable/fixed twins, leak-free
//! splits, automated review, and the dataset card.

pub mod annotations;
pub mod audit;
pub mod build;
pub mod card;
pub mod carriers;
pub mod filler;
pub mod generate;
pub mod human_review;
pub mod inline_return;
pub mod layouts;
pub mod leak;
pub mod mature;
pub mod names;
pub mod recipe;
pub mod recipes;
pub mod record;
pub mod review;
pub mod scaffold;
pub mod similarity;
pub mod split;
pub mod string_shape;
