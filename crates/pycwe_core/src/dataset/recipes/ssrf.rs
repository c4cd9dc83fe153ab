//! CWE-918 server-side request forgery: the server fetches a URL taken from the request, or a URL
//! whose host comes from it, with requests, httpx, urllib, http.client and urllib3.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_HOSTS: &str =
    "The URL must use https and its host must be in a fixed set, so internal addresses cannot be requested.";
const WHY_HOST_LIST: &str =
    "`$v` must be one of a fixed set of service hosts, so the request cannot be sent anywhere else.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "ssrf",
    version: 1,
    cwe: CweId(918),
    sinks: &[
        Sink {
            name: "requests-get",
            input: Input::Url,
            imports: &["import posixpath", "from urllib.parse import urlparse", "import requests"],
            setup: "",
            vulnerable: r#"parts = urlparse($v)
resp = requests.get($v, timeout=5)  #@
$out = {"file": posixpath.basename(parts.path), "type": resp.headers.get("Content-Type", ""), "size": len(resp.content)}
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"parts = urlparse($v)
if parts.scheme != "https" or parts.hostname not in {"cdn.$host", "static.$host"}:  #@
    raise ValueError("host not allowed")
resp = requests.get($v, timeout=5, allow_redirects=False)  #@
$out = {"file": posixpath.basename(parts.path), "type": resp.headers.get("Content-Type", ""), "size": len(resp.content)}
"#,
                why: "The URL must use https and name one of two known hosts, and redirects are not followed, so no other host is reached.",
            }],
            why: "`requests.get` fetches the URL `$v` as given, so a caller can reach internal services or the cloud metadata address.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "webhook-post",
            input: Input::Url,
            imports: &["import hashlib", "import hmac", "import json", "import os", "import requests"],
            setup: "WEBHOOK_KEY = os.environ[\"WEBHOOK_SIGNING_KEY\"].encode()\nhttp_session = requests.Session()",
            vulnerable: r#"body_bytes = json.dumps({"event": "$entity.updated", "id": 1}).encode()
signature = hmac.new(WEBHOOK_KEY, body_bytes, hashlib.sha256).hexdigest()
delivery = http_session.post($v, data=body_bytes, headers={"Content-Type": "application/json", "X-Signature": signature}, timeout=5)  #@
$out = {"delivered": delivery.ok, "status": delivery.status_code}
"#,
            fixed: &[Fix {
                imports: &["import ipaddress", "import socket", "from urllib.parse import urlparse"],
                body: r#"body_bytes = json.dumps({"event": "$entity.updated", "id": 1}).encode()
signature = hmac.new(WEBHOOK_KEY, body_bytes, hashlib.sha256).hexdigest()
parts = urlparse($v)
if parts.scheme not in ("http", "https") or not parts.hostname:
    raise ValueError("unsupported URL")
addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, None)}
if not all(ipaddress.ip_address(addr).is_global for addr in addresses):  #@
    raise ValueError("webhook address not allowed")
delivery = http_session.post($v, data=body_bytes, headers={"Content-Type": "application/json", "X-Signature": signature}, timeout=5, allow_redirects=False)  #@
$out = {"delivered": delivery.ok, "status": delivery.status_code}
"#,
                why: "The webhook host is resolved and every address must be public, and redirects are not followed, so private and metadata addresses are refused.",
            }],
            why: "The webhook URL `$v` is posted to without any check, so it can point at loopback, private or metadata addresses.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "urlopen",
            input: Input::Url,
            imports: &["import urllib.request"],
            setup: "",
            vulnerable: r#"with urllib.request.urlopen($v, timeout=10) as resp:  #@
    head = resp.read(2048)
$out = {"status": resp.status, "preview": head.decode("utf-8", "replace")}
"#,
            fixed: &[Fix {
                imports: &["import urllib.parse"],
                body: r#"parts = urllib.parse.urlparse($v)
if parts.scheme != "https" or parts.hostname not in {"feeds.$host", "news.$host"}:  #@
    raise ValueError("feed host not allowed")
with urllib.request.urlopen($v, timeout=10) as resp:
    head = resp.read(2048)
$out = {"status": resp.status, "preview": head.decode("utf-8", "replace")}
"#,
                why: WHY_HOSTS,
            }],
            why: "`urlopen` fetches `$v` as given, including `file://` URLs and internal hosts.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "httpx-host",
            input: Input::Url,
            imports: &["import httpx"],
            setup: "",
            vulnerable: r#"with httpx.Client(timeout=5.0) as http_client:
    resp = http_client.get(f"http://{$v}:8080/health")  #@
    $out = {"up": resp.status_code == 200, "body": resp.text[:200]}
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"if $v not in ("$host", "replica.$host"):  #@
    raise ValueError("unknown service host")
with httpx.Client(timeout=5.0) as http_client:
    resp = http_client.get(f"http://{$v}:8080/health")
    $out = {"up": resp.status_code == 200, "body": resp.text[:200]}
"#,
                why: WHY_HOST_LIST,
            }],
            why: "The host part of the URL is `$v`, so a caller picks which machine the server sends the request to.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "http-client-host",
            input: Input::Url,
            imports: &["import http.client"],
            setup: "",
            vulnerable: r#"http_conn = http.client.HTTPSConnection($v, timeout=5)  #@
http_conn.request("GET", "/api/v1/status")
status_resp = http_conn.getresponse()
status_info = {"status": status_resp.status, "reason": status_resp.reason}
http_conn.close()
$out = status_info
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"if $v not in ("$host", "api.$host"):  #@
    raise ValueError("unknown service host")
http_conn = http.client.HTTPSConnection($v, timeout=5)
http_conn.request("GET", "/api/v1/status")
status_resp = http_conn.getresponse()
status_info = {"status": status_resp.status, "reason": status_resp.reason}
http_conn.close()
$out = status_info
"#,
                why: WHY_HOST_LIST,
            }],
            why: "`HTTPSConnection` connects to the host and port given in `$v`, so the server can be pointed at internal machines.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "urllib3-pool",
            input: Input::Url,
            imports: &["import urllib3"],
            setup: "http_pool = urllib3.PoolManager()",
            vulnerable: r#"fetched = http_pool.request("GET", $v, timeout=5.0, redirect=False)  #@
$out = {"status": fetched.status, "length": len(fetched.data)}
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"target_url = urllib3.util.parse_url($v)
if target_url.scheme != "https" or target_url.host not in {"images.$host", "assets.$host"}:  #@
    raise ValueError("host not allowed")
fetched = http_pool.request("GET", $v, timeout=5.0, redirect=False)
$out = {"status": fetched.status, "length": len(fetched.data)}
"#,
                why: WHY_HOSTS,
            }],
            why: "The pool manager requests `$v` unchecked, so any host the server can reach, internal ones included, is fetched.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "tenant-subdomain",
            input: Input::Text,
            imports: &["import re", "import requests"],
            setup: "",
            vulnerable: r#"tenant = re.sub(r"\s+", "", $v).lower()
resp = requests.get(f"https://{tenant}.$host/api/$table", timeout=5)  #@
$out = resp.json()
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"tenant = re.sub(r"\s+", "", $v).lower()
if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", tenant):  #@
    raise ValueError("invalid tenant")
resp = requests.get(f"https://{tenant}.$host/api/$table", timeout=5)
$out = resp.json()
"#,
                why: "The tenant name from `$v` must be a single DNS label, so the URL's host always ends in `.$host`.",
            }],
            why: "`$v` is pasted before the domain, so a value like `169.254.169.254/x?` or `other.example#` replaces the host.",
            frameworks: &[],
            constant_is_safe: true,
        },
    ],
}];
