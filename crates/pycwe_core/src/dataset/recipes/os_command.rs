//! (placeholder: recipes to be written)

use crate::dataset::recipe::Recipe;

pub const RECIPES: &[Recipe] = &[];
