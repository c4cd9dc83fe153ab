//! Frameworks and sources: the handler around a taint recipe's body, and where its input comes from.
//!
//! A [`Framework`] knows its imports, its module setup (`app = Flask(__name__)`), how a handler is
//! declared, how each kind of input is read from a request (or a CLI, a socket, a queue message) and
//! how a result is returned. The generator picks one framework and one source per example.

use rand::Rng;
use rand::seq::IndexedRandom;

use super::recipe::Input;

/// A framework the generator can wrap a body in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framework {
    pub name: &'static str,
    /// Whether the input it delivers is attacker-controlled by default (web, network, queues).
    /// CLI frameworks are used only by sinks that list them (a user attacking their own shell is not a weakness).
    pub untrusted_by_default: bool,
    /// Drawn only for the wide recipe set (the core set never saw it and stays reproducible).
    pub wide_only: bool,
}

pub const FRAMEWORKS: &[Framework] = &[
    Framework { name: "flask", untrusted_by_default: true, wide_only: false },
    Framework { name: "django", untrusted_by_default: true, wide_only: false },
    Framework { name: "fastapi", untrusted_by_default: true, wide_only: false },
    Framework { name: "aiohttp", untrusted_by_default: true, wide_only: false },
    Framework { name: "http.server", untrusted_by_default: true, wide_only: false },
    Framework { name: "socket", untrusted_by_default: true, wide_only: false },
    Framework { name: "celery", untrusted_by_default: true, wide_only: false },
    Framework { name: "worker", untrusted_by_default: true, wide_only: false },
    Framework { name: "click", untrusted_by_default: false, wide_only: false },
    Framework { name: "argparse", untrusted_by_default: false, wide_only: false },
    // A package's own function or method: its parameters are its callers' values. Most real fixes
    // look like this (no request object in sight), so the wide recipe set renders every sink this
    // way too; the core set (data/top25-500) never draws it, which keeps that set reproducible.
    Framework { name: "library", untrusted_by_default: true, wide_only: true },
];

/// One input of a handler: its variable and its kind.
#[derive(Debug, Clone)]
pub struct InputVar {
    pub var: String,
    pub kind: Input,
}

/// The pieces a handler contributes to a module.
#[derive(Debug, Clone, Default)]
pub struct Handler {
    pub imports: Vec<String>,
    /// Module-level blocks before the handler (app object, pydantic model), one statement each.
    pub setup: Vec<String>,
    /// Decorators and `def` line(s), at column 0, ending with `:`.
    pub header: Vec<String>,
    /// Statements at the start of the body that bind the inputs (indented by the caller).
    pub bind: Vec<String>,
    /// The statement returning/emitting the result (`$ret` is replaced by the result expression).
    pub ret: String,
    /// Lines after the handler (e.g. `if __name__ == "__main__":` blocks).
    pub trailer: Vec<String>,
    /// Whether the handler is `async def` (bodies may then `await`).
    pub is_async: bool,
    /// Whether the body sits one level deeper (a method of a request-handler class).
    pub method: bool,
}

/// Names a handler needs besides its inputs.
#[derive(Debug, Clone)]
pub struct HandlerNames {
    pub func: String,
    pub route: String,
    pub entity: String,
}

fn pick<'a>(rng: &mut impl Rng, pool: &[&'a str]) -> &'a str {
    pool.choose(rng).expect("pools are not empty")
}

/// Header names for text-like inputs, for frameworks that read headers.
fn header_name(var: &str) -> String {
    let parts: Vec<String> = var.split('_').map(super::names::capitalize).collect();
    format!("X-{}", parts.join("-"))
}

/// Builds the handler for `framework` reading `inputs`.
pub fn handler(rng: &mut impl Rng, framework: &str, inputs: &[InputVar], names: &HandlerNames) -> Handler {
    let HandlerNames { func, route, entity } = names;
    let mut h = Handler::default();
    let any_payload = inputs.iter().any(|i| i.kind == Input::Payload);
    match framework {
        "flask" => {
            h.imports.push("from flask import Flask, jsonify, request".into());
            h.setup.push("app = Flask(__name__)".into());
            let path_param = inputs.len() == 1 && !any_payload && rng.random_bool(0.25);
            let method = if rng.random_bool(0.6) { "GET" } else { "POST" };
            // Logged-in handlers have taint weaknesses too: a guard decorator predicts nothing.
            let login = rng.random_bool(0.25);
            if login {
                h.imports.push("from flask_login import login_required".into());
            }
            let route_line = |path: String| {
                format!(
                    "@app.route(\"{path}\"{})",
                    if path_param { String::new() } else { format!(", methods=[\"{method}\"]") }
                )
            };
            if path_param {
                let var = &inputs[0].var;
                h.header.push(route_line(format!("/{route}/<{var}>")));
                if login {
                    h.header.push("@login_required".into());
                }
                h.header.push(format!("def {func}({var}):"));
            } else {
                h.header.push(route_line(format!("/{route}")));
                if login {
                    h.header.push("@login_required".into());
                }
                h.header.push(format!("def {func}():"));
                for input in inputs {
                    let var = &input.var;
                    h.bind.push(match input.kind {
                        Input::Payload => {
                            pick(rng, &["{v} = request.get_data()", "{v} = request.files[\"file\"].read()"])
                                .replace("{v}", var)
                        }
                        _ => match rng.random_range(0..5) {
                            0 => format!("{var} = request.args.get(\"{var}\", \"\")"),
                            1 => format!("{var} = request.form[\"{var}\"]"),
                            2 => format!("{var} = request.get_json(force=True).get(\"{var}\", \"\")"),
                            3 => format!("{var} = request.values.get(\"{var}\", \"\")"),
                            _ => format!("{var} = request.headers.get(\"{}\", \"\")", header_name(var)),
                        },
                    });
                }
            }
            h.ret = pick(rng, &["return jsonify($ret)", "return {\"{e}\": $ret}", "return jsonify({\"{e}\": $ret})"])
                .replace("{e}", entity);
        }
        "django" => {
            h.imports.push("from django.http import JsonResponse".into());
            if rng.random_bool(0.3) {
                h.imports.push("from django.contrib.auth.decorators import login_required".into());
                h.header.push("@login_required".into());
            }
            let path_param = inputs.len() == 1 && !any_payload && rng.random_bool(0.25);
            if path_param {
                h.header.push(format!("def {func}(request, {}):", inputs[0].var));
            } else {
                h.header.push(format!("def {func}(request):"));
                for input in inputs {
                    let var = &input.var;
                    h.bind.push(match input.kind {
                        Input::Payload => pick(rng, &["{v} = request.body", "{v} = request.FILES[\"file\"].read()"])
                            .replace("{v}", var),
                        _ => match rng.random_range(0..4) {
                            0 => format!("{var} = request.GET.get(\"{var}\", \"\")"),
                            1 => format!("{var} = request.POST[\"{var}\"]"),
                            2 => {
                                h.imports.push("import json".into());
                                format!("{var} = json.loads(request.body).get(\"{var}\", \"\")")
                            }
                            _ => format!("{var} = request.headers.get(\"{}\", \"\")", header_name(var)),
                        },
                    });
                }
            }
            h.ret = pick(rng, &["return JsonResponse({\"{e}\": $ret})", "return JsonResponse({\"result\": $ret})"])
                .replace("{e}", entity);
        }
        "fastapi" => {
            h.imports.push("from fastapi import FastAPI".into());
            h.setup.push("app = FastAPI()".into());
            h.is_async = any_payload || rng.random_bool(0.6);
            let def = if h.is_async { "async def" } else { "def" };
            let verb = if any_payload { "post" } else { pick(rng, &["get", "post"]) };
            if any_payload {
                h.imports.push("from fastapi import Request".into());
                h.header.push(format!("@app.{verb}(\"/{route}\")"));
                let mut params = vec!["request: Request".to_string()];
                for input in inputs.iter().filter(|i| i.kind != Input::Payload) {
                    params.push(format!("{}: str", input.var));
                }
                h.header.push(format!("{def} {func}({}):", params.join(", ")));
                for input in inputs.iter().filter(|i| i.kind == Input::Payload) {
                    h.bind.push(format!("{} = await request.body()", input.var));
                }
            } else if inputs.len() == 1 && rng.random_bool(0.3) {
                let var = &inputs[0].var;
                h.header.push(format!("@app.{verb}(\"/{route}/{{{var}}}\")"));
                h.header.push(format!("{def} {func}({var}: str):"));
            } else if rng.random_bool(0.3) {
                h.imports.push("from pydantic import BaseModel".into());
                let model = format!("{}Request", super::names::capitalize(entity));
                let fields: Vec<String> = inputs.iter().map(|i| format!("    {}: str", i.var)).collect();
                h.setup.push(format!("class {model}(BaseModel):\n{}", fields.join("\n")));
                h.header.push(format!("@app.post(\"/{route}\")"));
                h.header.push(format!("{def} {func}(req: {model}):"));
                for input in inputs {
                    h.bind.push(format!("{0} = req.{0}", input.var));
                }
            } else {
                let params: Vec<String> = inputs.iter().map(|i| format!("{}: str", i.var)).collect();
                h.header.push(format!("@app.{verb}(\"/{route}\")"));
                h.header.push(format!("{def} {func}({}):", params.join(", ")));
            }
            h.ret = pick(rng, &["return {\"{e}\": $ret}", "return {\"result\": $ret}"]).replace("{e}", entity);
        }
        "aiohttp" => {
            h.imports.push("from aiohttp import web".into());
            h.setup.push("routes = web.RouteTableDef()".into());
            h.is_async = true;
            h.header.push(format!("@routes.{}(\"/{route}\")", if any_payload { "post" } else { "get" }));
            h.header.push(format!("async def {func}(request):"));
            for input in inputs {
                let var = &input.var;
                h.bind.push(match input.kind {
                    Input::Payload => format!("{var} = await request.read()"),
                    _ => match rng.random_range(0..3) {
                        0 => format!("{var} = request.query.get(\"{var}\", \"\")"),
                        1 => format!("{var} = (await request.post()).get(\"{var}\", \"\")"),
                        _ => format!("{var} = (await request.json())[\"{var}\"]"),
                    },
                });
            }
            h.ret = pick(rng, &["return web.json_response($ret)", "return web.json_response({\"{e}\": $ret})"])
                .replace("{e}", entity);
        }
        "http.server" => {
            h.imports.push("from http.server import BaseHTTPRequestHandler".into());
            h.imports.push("import json".into());
            h.method = true;
            let class = format!("{}Handler", super::names::capitalize(entity));
            h.header.push(format!("class {class}(BaseHTTPRequestHandler):"));
            if any_payload {
                h.header.push("    def do_POST(self):".into());
                h.bind.push("length = int(self.headers.get(\"Content-Length\", 0))".into());
                for input in inputs {
                    h.bind.push(match input.kind {
                        Input::Payload => format!("{} = self.rfile.read(length)", input.var),
                        _ => format!("{0} = self.headers.get(\"{1}\", \"\")", input.var, header_name(&input.var)),
                    });
                }
            } else {
                h.imports.push("from urllib.parse import parse_qs, urlparse".into());
                h.header.push("    def do_GET(self):".into());
                h.bind.push("params = parse_qs(urlparse(self.path).query)".into());
                for input in inputs {
                    h.bind.push(format!("{0} = params.get(\"{0}\", [\"\"])[0]", input.var));
                }
            }
            h.ret = "body = json.dumps({\"result\": $ret}, default=str).encode()\nself.send_response(200)\nself.end_headers()\nself.wfile.write(body)"
                .into();
        }
        "socket" => {
            h.imports.push("import socket".into());
            h.header.push(format!("def {func}(client: socket.socket):"));
            for input in inputs {
                h.bind.push(match input.kind {
                    Input::Payload => format!("{} = client.recv(65536)", input.var),
                    _ => format!("{} = client.recv(1024).decode(\"utf-8\", \"replace\").strip()", input.var),
                });
            }
            h.ret = "client.sendall(str($ret).encode())".into();
        }
        "celery" => {
            h.imports.push("from celery import shared_task".into());
            h.header.push(pick(rng, &["@shared_task", "@shared_task(bind=False, max_retries=3)"]).to_string());
            let params: Vec<&str> = inputs.iter().map(|i| i.var.as_str()).collect();
            h.header.push(format!("def {func}({}):", params.join(", ")));
            h.ret = "return $ret".into();
        }
        "worker" => {
            h.imports.push("import json".into());
            h.header.push(format!("def {func}(message: bytes):"));
            h.bind.push("event = json.loads(message)".into());
            for input in inputs {
                h.bind.push(match input.kind {
                    Input::Payload => format!("{} = bytes.fromhex(event[\"{}\"])", input.var, input.var),
                    _ => format!("{0} = event[\"{0}\"]", input.var),
                });
            }
            h.ret = "return $ret".into();
        }
        "click" => {
            h.imports.push("import click".into());
            h.header.push("@click.command()".into());
            for input in inputs {
                h.header.push(if rng.random_bool(0.5) {
                    format!("@click.argument(\"{}\")", input.var)
                } else {
                    format!("@click.option(\"--{}\", required=True)", input.var.replace('_', "-"))
                });
            }
            let params: Vec<&str> = inputs.iter().map(|i| i.var.as_str()).collect();
            h.header.push(format!("def {func}({}):", params.join(", ")));
            h.ret = "click.echo($ret)".into();
        }
        "argparse" => {
            h.imports.push("import argparse".into());
            h.header.push("def main(argv=None):".into());
            h.bind.push(format!("parser = argparse.ArgumentParser(description=\"Process {entity} files.\")"));
            for input in inputs {
                h.bind.push(format!("parser.add_argument(\"{}\")", input.var));
            }
            h.bind.push("args = parser.parse_args(argv)".into());
            for input in inputs {
                h.bind.push(format!("{0} = args.{0}", input.var));
            }
            h.ret = "print($ret)".into();
            h.trailer = vec![String::new(), String::new(), "if __name__ == \"__main__\":".into(), "    main()".into()];
        }
        "library" => library(rng, inputs, names, &mut h),
        other => panic!("unknown framework {other}"),
    }
    h
}

/// A plain function (or a method of a small class) whose parameters carry the inputs: typed or not,
/// with unused extra parameters, since a library function rarely takes exactly one argument.
fn library(rng: &mut impl Rng, inputs: &[InputVar], names: &HandlerNames, h: &mut Handler) {
    let typed = rng.random_bool(0.6);
    let mut params: Vec<String> = inputs
        .iter()
        .map(|i| {
            let hint = match i.kind {
                Input::Payload => "bytes",
                _ => "str",
            };
            if typed { format!("{}: {hint}", i.var) } else { i.var.clone() }
        })
        .collect();
    // (name, type, default)
    let extras: &[(&str, &str, &str)] = &[
        ("limit", "int", "100"),
        ("timeout", "float", "10.0"),
        ("verbose", "bool", "False"),
        ("encoding", "str", "\"utf-8\""),
        ("strict", "bool", "True"),
    ];
    let extra_count = rng.random_range(0..=2);
    let mut chosen: Vec<&(&str, &str, &str)> = extras.choose_multiple(rng, extra_count).collect();
    chosen.retain(|(name, _, _)| inputs.iter().all(|i| i.var != *name));
    for (name, hint, default) in chosen {
        params.push(if typed { format!("{name}: {hint} = {default}") } else { format!("{name}={default}") });
    }
    let HandlerNames { func, entity, .. } = names;
    let returns = if typed { pick(rng, &[" -> dict", " -> list", ""]) } else { "" };
    if rng.random_bool(0.35) {
        h.method = true;
        let class = format!(
            "{}{}",
            super::names::capitalize(entity),
            pick(rng, &["Store", "Client", "Manager", "Service", "Repository"])
        );
        h.header.push(format!("class {class}:"));
        if rng.random_bool(0.5) {
            h.header.push(format!("    \"\"\"Operations on {entity} records.\"\"\"\n"));
        }
        params.insert(0, "self".into());
        h.header.push(format!("    def {func}({}){returns}:", params.join(", ")));
    } else {
        h.header.push(format!("def {func}({}){returns}:", params.join(", ")));
    }
    h.ret = "return $ret".into();
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn every_framework_builds_a_handler_for_every_input_kind() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let names = HandlerNames { func: "lookup".into(), route: "items".into(), entity: "item".into() };
        for fw in FRAMEWORKS {
            for kind in [Input::Text, Input::Path, Input::Url, Input::Payload, Input::Number, Input::Pattern] {
                for _ in 0..8 {
                    let h = handler(&mut rng, fw.name, &[InputVar { var: "x".into(), kind }], &names);
                    assert!(h.header.last().unwrap().trim_end().ends_with(':'), "{}", fw.name);
                    assert!(h.ret.contains("$ret"));
                }
            }
        }
    }
}
