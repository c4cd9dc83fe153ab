//! CWE-79 cross-site scripting: input written into HTML without escaping, by string building,
//! `Markup`/`mark_safe`, Jinja2 with autoescaping off, and Django's `format_html` misused.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_ESCAPE: &str =
    "`$v` is HTML-escaped before it is placed in the markup, so it is shown as text, not parsed as tags.";
const WHY_AUTOESCAPE: &str = "The template is rendered with autoescaping on, so `$v` is escaped when it is inserted.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "xss",
    version: 1,
    cwe: CweId(79),
    sinks: &[
        Sink {
            name: "fstring-fragment",
            input: Input::Text,
            imports: &["import html"],
            setup: "",
            vulnerable: r#"matches = [item for item in ("$entity-alpha", "$entity-beta", "$entity-gamma") if $v.lower() in item]
items_html = "".join(f"<li>{html.escape(item)}</li>" for item in matches)
heading = f"<h2 class='results-title'>Results for {$v}</h2>"  #@
$out = {"html": heading + f"<ul class='$table'>{items_html}</ul>", "total": len(matches)}
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"matches = [item for item in ("$entity-alpha", "$entity-beta", "$entity-gamma") if $v.lower() in item]
items_html = "".join(f"<li>{html.escape(item)}</li>" for item in matches)
heading = f"<h2 class='results-title'>Results for {html.escape($v)}</h2>"  #@
$out = {"html": heading + f"<ul class='$table'>{items_html}</ul>", "total": len(matches)}
"#,
                    why: WHY_ESCAPE,
                },
                Fix {
                    imports: &["import re"],
                    body: r#"if not re.fullmatch(r"[\w .,-]{1,80}", $v):  #@
    raise ValueError("search terms may only contain letters, digits and . , -")
matches = [item for item in ("$entity-alpha", "$entity-beta", "$entity-gamma") if $v.lower() in item]
items_html = "".join(f"<li>{html.escape(item)}</li>" for item in matches)
heading = f"<h2 class='results-title'>Results for {$v}</h2>"
$out = {"html": heading + f"<ul class='$table'>{items_html}</ul>", "total": len(matches)}
"#,
                    why: "`$v` must match a pattern of word characters, spaces and `.,-`, so it cannot contain `<`, `>`, `&` or quotes.",
                },
            ],
            why: "`$v` is formatted into an HTML fragment with an f-string, so any tags or scripts in it reach the page.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "percent-cells",
            input: Input::Text,
            imports: &["import csv", "import io"],
            setup: "",
            vulnerable: r#"parts = next(csv.reader(io.StringIO($v)), [])
cells = "".join("<td>%s</td>" % part.strip() for part in parts)  #@
$out = "<table class='$table'><tr>%s</tr></table>" % cells
"#,
            fixed: &[Fix {
                imports: &["import html"],
                body: r#"parts = next(csv.reader(io.StringIO($v)), [])
cells = "".join("<td>%s</td>" % html.escape(part.strip()) for part in parts)  #@
$out = "<table class='$table'><tr>%s</tr></table>" % cells
"#,
                why: WHY_ESCAPE,
            }],
            why: "Each comma-separated part of `$v` is %-formatted into a table cell without escaping, so it can carry markup.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "markup-fstring",
            input: Input::Text,
            imports: &["from jinja2 import Template", "from markupsafe import Markup"],
            setup: "NOTICE = Template(\"<div class='notice'>{{ notice }}</div>\", autoescape=True)",
            vulnerable: r#"notice_text = Markup(f"<strong>{$v}</strong> was added to your $table.")  #@
$out = NOTICE.render(notice=notice_text)
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"notice_text = Markup("<strong>{}</strong> was added to your $table.").format($v)  #@
$out = NOTICE.render(notice=notice_text)
"#,
                    why: "`Markup.format` escapes its arguments, so only the literal markup is trusted as HTML and `$v` is escaped.",
                },
                Fix {
                    imports: &["from markupsafe import escape"],
                    body: r#"notice_text = Markup(f"<strong>{escape($v)}</strong> was added to your $table.")  #@
$out = NOTICE.render(notice=notice_text)
"#,
                    why: WHY_ESCAPE,
                },
            ],
            why: "`Markup` marks the f-string holding `$v` as already-escaped HTML, so the template's autoescaping lets its tags through.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "jinja2-autoescape-off",
            input: Input::Text,
            imports: &["from jinja2 import Environment"],
            setup: "",
            vulnerable: r#"env = Environment(autoescape=False)  #@
card = env.from_string("<div class='card'><h3>{{ heading }}</h3><p>{{ text }}</p></div>")
$out = card.render(heading="$model", text=$v)
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"env = Environment(autoescape=True)  #@
card = env.from_string("<div class='card'><h3>{{ heading }}</h3><p>{{ text }}</p></div>")
$out = card.render(heading="$model", text=$v)
"#,
                    why: WHY_AUTOESCAPE,
                },
                Fix {
                    imports: &["from jinja2 import select_autoescape"],
                    body: r#"env = Environment(autoescape=select_autoescape(default_for_string=True))  #@
card = env.from_string("<div class='card'><h3>{{ heading }}</h3><p>{{ text }}</p></div>")
$out = card.render(heading="$model", text=$v)
"#,
                    why: WHY_AUTOESCAPE,
                },
            ],
            why: "The Jinja2 environment is created with `autoescape=False`, so `$v` is inserted into the HTML template unescaped.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "flask-autoescape-block",
            input: Input::Text,
            imports: &["from flask import render_template_string"],
            setup: "",
            vulnerable: r#"greeting = render_template_string("{% autoescape false %}<p>Welcome back, {{ who }}!</p>{% endautoescape %}", who=$v)  #@
$out = {"greeting": greeting}
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"greeting = render_template_string("<p>Welcome back, {{ who }}!</p>", who=$v)  #@
$out = {"greeting": greeting}
"#,
                why: "Flask autoescapes templates rendered from strings, and the template no longer turns that off, so `$v` is escaped.",
            }],
            why: "The template wraps `{{ who }}` in `{% autoescape false %}`, so `$v` is rendered as raw HTML.",
            frameworks: &["flask"],
            constant_is_safe: true,
        },
        Sink {
            name: "django-mark-safe",
            input: Input::Text,
            imports: &["from django.utils.html import format_html", "from django.utils.safestring import mark_safe"],
            setup: "",
            vulnerable: r#"tag_html = mark_safe(f"<span class='tag'>{$v}</span>")  #@
close_button = mark_safe("<button type='button' class='close'>&times;</button>")
$out = format_html("<li class='$entity'>{}{}</li>", tag_html, close_button)
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"tag_html = format_html("<span class='tag'>{}</span>", $v)  #@
close_button = mark_safe("<button type='button' class='close'>&times;</button>")
$out = format_html("<li class='$entity'>{}{}</li>", tag_html, close_button)
"#,
                    why: "`format_html` escapes `$v` before inserting it into the literal markup.",
                },
                Fix {
                    imports: &["from django.utils.html import escape"],
                    body: r#"tag_html = mark_safe(f"<span class='tag'>{escape($v)}</span>")  #@
close_button = mark_safe("<button type='button' class='close'>&times;</button>")
$out = format_html("<li class='$entity'>{}{}</li>", tag_html, close_button)
"#,
                    why: WHY_ESCAPE,
                },
            ],
            why: "`mark_safe` is applied to an f-string containing `$v`, so Django never escapes it and its tags reach the page.",
            frameworks: &["django"],
            constant_is_safe: true,
        },
        Sink {
            name: "django-format-html-preformatted",
            input: Input::Text,
            imports: &["from django.utils.html import format_html"],
            setup: "",
            vulnerable: r#"summary_html = format_html("<p>Showing $table for <b>{}</b></p>".format($v))  #@
$out = str(summary_html)
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"summary_html = format_html("<p>Showing $table for <b>{}</b></p>", $v)  #@
$out = str(summary_html)
"#,
                why: "`$v` is passed to `format_html` as an argument, which it escapes.",
            }],
            why: "`$v` is put into the string with `str.format` before `format_html` sees it, so the result is marked as HTML without escaping.",
            frameworks: &["django"],
            constant_is_safe: true,
        },
    ],
}];
