//! One recipe file per CWE family (a file may hold the recipes of closely related CWEs); `GROUPS`
//! lists every file's recipes for the generator.

mod access_control;
mod authentication;
mod code_injection;
mod command;
mod credentials;
mod crypto;
mod csrf;
mod deserialization;
mod exposure;
mod headers_logs;
mod ldap_xpath;
mod open_redirect;
mod os_command;
mod path_traversal;
mod redos;
mod resources;
mod sqli;
mod ssrf;
mod template_injection;
mod tls_tempfiles;
mod upload;
mod xss;
mod xxe;

use super::recipe::Recipe;

const GROUPS: &[&[Recipe]] = &[
    sqli::RECIPES,
    xss::RECIPES,
    path_traversal::RECIPES,
    os_command::RECIPES,
    command::RECIPES,
    code_injection::RECIPES,
    ssrf::RECIPES,
    deserialization::RECIPES,
    upload::RECIPES,
    resources::RECIPES,
    redos::RECIPES,
    template_injection::RECIPES,
    open_redirect::RECIPES,
    ldap_xpath::RECIPES,
    headers_logs::RECIPES,
    xxe::RECIPES,
    access_control::RECIPES,
    authentication::RECIPES,
    csrf::RECIPES,
    credentials::RECIPES,
    exposure::RECIPES,
    crypto::RECIPES,
    tls_tempfiles::RECIPES,
];

/// Every recipe, in a stable order.
pub fn all_recipes() -> Vec<&'static Recipe> {
    GROUPS.iter().flat_map(|g| g.iter()).collect()
}
