//! CWE-1336 server-side template injection: input that becomes template source in Flask, Jinja2,
//! Django templates and Mako instead of a value the template renders.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_CONTEXT: &str = "The template text is a constant and `$v` is passed as a context variable, so the engine \
                           renders it as (escaped) data and never evaluates it.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "template-injection",
    version: 1,
    cwe: CweId(1336),
    sinks: &[
        Sink {
            name: "flask-fstring-template",
            input: Input::Text,
            imports: &["from flask import render_template_string"],
            setup: "",
            vulnerable: r#"$out = render_template_string(f"<p>Hello {$v}, your $entity is ready.</p>")  #@
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"$out = render_template_string("<p>Hello {{ who }}, your $entity is ready.</p>", who=$v)  #@
"#,
                why: WHY_CONTEXT,
            }],
            why: "`$v` is pasted into the template source, so `{{ ... }}` in it is evaluated by Jinja2 with \
                  access to the Flask config and Python objects.",
            frameworks: &["flask"],
            constant_is_safe: true,
        },
        Sink {
            name: "flask-percent-template",
            input: Input::Text,
            imports: &["from flask import render_template_string"],
            setup: "",
            vulnerable: r#"page = "<h2>No $table match '%s'</h2><p>Try a different search.</p>" % $v
$out = render_template_string(page)  #@
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"page = "<h2>No $table match '{{ term }}'</h2><p>Try a different search.</p>"
$out = render_template_string(page, term=$v)  #@
"#,
                why: WHY_CONTEXT,
            }],
            why: "The page is %-formatted with `$v` before it is rendered as a Jinja2 template, so template \
                  syntax in the search text runs on the server.",
            frameworks: &["flask"],
            constant_is_safe: true,
        },
        Sink {
            name: "jinja2-template-concat",
            input: Input::Text,
            imports: &["import jinja2"],
            setup: "",
            vulnerable: r#"greeting = jinja2.Template("Hello " + $v + ", your $entity {{ ref }} has shipped.")  #@
$out = greeting.render(ref="A-1042")
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"greeting = jinja2.Template("Hello {{ who }}, your $entity {{ ref }} has shipped.")  #@
$out = greeting.render(ref="A-1042", who=$v)
"#,
                why: WHY_CONTEXT,
            }],
            why: "`jinja2.Template` compiles text that contains `$v`, so expressions in it run with access to \
                  Python internals.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "jinja2-user-template",
            input: Input::Pattern,
            imports: &["import jinja2"],
            setup: "",
            vulnerable: r#"jinja_env = jinja2.Environment(autoescape=True)
message = jinja_env.from_string($v).render($entity={"id": 1042, "status": "shipped"})  #@
$out = {"preview": message}
"#,
            fixed: &[Fix {
                imports: &["import jinja2.sandbox"],
                body: r#"jinja_env = jinja2.sandbox.SandboxedEnvironment(autoescape=True)  #@
message = jinja_env.from_string($v).render($entity={"id": 1042, "status": "shipped"})
$out = {"preview": message}
"#,
                why: "The user's template runs in Jinja2's sandbox with only plain data in its context, so \
                          it cannot reach attributes like `__class__` or call into Python.",
            }],
            why: "A template written by the client is compiled in an ordinary Jinja2 environment, where \
                  `{{ ''.__class__.__mro__ }}`-style expressions reach arbitrary code.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "django-template-concat",
            input: Input::Text,
            imports: &["from django.template import Context, Template"],
            setup: "",
            vulnerable: r#"tpl = Template("<p>{{ $entity.title }} was shared by " + $v + "</p>")  #@
$out = tpl.render(Context({"$entity": {"title": "Quarterly summary"}}))
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"tpl = Template("<p>{{ $entity.title }} was shared by {{ sharer }}</p>")  #@
$out = tpl.render(Context({"$entity": {"title": "Quarterly summary"}, "sharer": $v}))
"#,
                why: WHY_CONTEXT,
            }],
            why: "`$v` becomes part of the Django template source, so its tags and filters run and can read \
                  whatever the template context exposes.",
            frameworks: &["django"],
            constant_is_safe: true,
        },
        Sink {
            name: "mako-template-concat",
            input: Input::Text,
            imports: &["from mako.template import Template"],
            setup: "",
            vulnerable: r#"page = Template("<p>Welcome back, " + $v + "!</p>")  #@
$out = page.render()
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"page = Template("<p>Welcome back, ${who | h}!</p>")  #@
$out = page.render(who=$v)
"#,
                why: "The Mako template is constant and `$v` is passed as a variable (HTML-escaped with `h`), so \
                      nothing from the request is compiled.",
            }],
            why: "Mako compiles templates to Python, and `$v` is part of the template text, so `${...}` or \
                  `<% %>` blocks in it execute on the server.",
            frameworks: &[],
            constant_is_safe: true,
        },
    ],
}];
