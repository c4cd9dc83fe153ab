//! CWE-295 improper certificate validation (verification switched off in requests, httpx, urllib3 and
//! `ssl`) and CWE-377 insecure temporary files (`mktemp`, fixed or predictable names under /tmp,
//! check-then-create). The input is ordinary data sent to a fixed host or written to the file.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_DEFAULT_VERIFY: &str = "Certificate and host name verification stay on (the library default).";
const WHY_CA_BUNDLE: &str = "The server certificate is verified against the internal CA bundle.";

pub const RECIPES: &[Recipe] = &[
    Recipe::Taint { name: "cert-validation", version: 1, cwe: CweId(295), sinks: CERT_VALIDATION },
    Recipe::Taint { name: "temp-file", version: 1, cwe: CweId(377), sinks: TEMP_FILE },
];

const CERT_VALIDATION: &[Sink] = &[
    Sink {
        name: "requests-verify-false",
        input: Input::Text,
        imports: &["import requests"],
        setup: "API_BASE = \"https://$host/api/v1\"\nCA_BUNDLE = \"/etc/ssl/certs/internal-ca.pem\"",
        vulnerable: r#"resp = requests.get(f"{API_BASE}/$route", params={"q": $v}, timeout=10, verify=False)  #@
resp.raise_for_status()
$out = resp.json()
"#,
        fixed: &[
            Fix {
                imports: &[],
                body: r#"resp = requests.get(f"{API_BASE}/$route", params={"q": $v}, timeout=10, verify=CA_BUNDLE)  #@
resp.raise_for_status()
$out = resp.json()
"#,
                why: WHY_CA_BUNDLE,
            },
            Fix {
                imports: &[],
                body: r#"resp = requests.get(f"{API_BASE}/$route", params={"q": $v}, timeout=10)  #@
resp.raise_for_status()
$out = resp.json()
"#,
                why: WHY_DEFAULT_VERIFY,
            },
        ],
        why: "`verify=False` turns off certificate checks, so anyone on the network path can impersonate $host and \
              read or alter the request carrying `$v`.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "ssl-unverified-context",
        input: Input::Text,
        imports: &["import json", "import ssl", "import urllib.parse", "import urllib.request"],
        setup: "API_BASE = \"https://$host/api/v1\"",
        vulnerable: r#"api_url = f"{API_BASE}/$route?" + urllib.parse.urlencode({"q": $v})
ctx = ssl._create_unverified_context()  #@
with urllib.request.urlopen(api_url, context=ctx, timeout=10) as resp:
    $out = json.load(resp)
"#,
        fixed: &[
            Fix {
                imports: &[],
                body: r#"api_url = f"{API_BASE}/$route?" + urllib.parse.urlencode({"q": $v})
ctx = ssl.create_default_context()  #@
with urllib.request.urlopen(api_url, context=ctx, timeout=10) as resp:
    $out = json.load(resp)
"#,
                why: "`ssl.create_default_context()` verifies the certificate chain and the host name.",
            },
            Fix {
                imports: &[],
                body: r#"api_url = f"{API_BASE}/$route?" + urllib.parse.urlencode({"q": $v})
ctx = ssl.create_default_context(cafile="/etc/ssl/certs/internal-ca.pem")  #@
with urllib.request.urlopen(api_url, context=ctx, timeout=10) as resp:
    $out = json.load(resp)
"#,
                why: WHY_CA_BUNDLE,
            },
        ],
        why: "`ssl._create_unverified_context()` accepts any certificate, so the connection to $host can be \
              intercepted.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "ssl-cert-none",
        input: Input::Text,
        imports: &["import http.client", "import json", "import ssl", "import urllib.parse"],
        setup: "",
        vulnerable: r#"ctx = ssl.create_default_context()
ctx.check_hostname = False  #@
ctx.verify_mode = ssl.CERT_NONE  #@
conn = http.client.HTTPSConnection("$host", 443, context=ctx, timeout=10)
conn.request("GET", "/api/$route?" + urllib.parse.urlencode({"q": $v}))
$out = json.loads(conn.getresponse().read())
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"ctx = ssl.create_default_context(cafile="/etc/ssl/certs/internal-ca.pem")  #@
conn = http.client.HTTPSConnection("$host", 443, context=ctx, timeout=10)
conn.request("GET", "/api/$route?" + urllib.parse.urlencode({"q": $v}))
$out = json.loads(conn.getresponse().read())
"#,
            why: "The default context keeps host name checks and `CERT_REQUIRED`, trusting the internal CA.",
        }],
        why: "The context disables host name checking and sets `CERT_NONE`, so any certificate is accepted for $host.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "httpx-verify-false",
        input: Input::Text,
        imports: &["import os", "import httpx"],
        setup: "CATALOG_URL = os.environ.get(\"CATALOG_URL\", \"https://$host\")",
        vulnerable: r#"with httpx.Client(base_url=CATALOG_URL, verify=False, timeout=10) as api:  #@
    resp = api.get("/api/$route", params={"q": $v})
    resp.raise_for_status()
    $out = resp.json()
"#,
        fixed: &[
            Fix {
                imports: &[],
                body: r#"with httpx.Client(base_url=CATALOG_URL, timeout=10) as api:  #@
    resp = api.get("/api/$route", params={"q": $v})
    resp.raise_for_status()
    $out = resp.json()
"#,
                why: WHY_DEFAULT_VERIFY,
            },
            Fix {
                imports: &["import ssl"],
                body: r#"tls = ssl.create_default_context(cafile="/etc/ssl/certs/internal-ca.pem")
with httpx.Client(base_url=CATALOG_URL, verify=tls, timeout=10) as api:  #@
    resp = api.get("/api/$route", params={"q": $v})
    resp.raise_for_status()
    $out = resp.json()
"#,
                why: WHY_CA_BUNDLE,
            },
        ],
        why: "The httpx client is created with `verify=False`, so it talks to whoever answers for $host.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "session-verify-false",
        input: Input::Text,
        imports: &["import requests", "import urllib3"],
        setup: "",
        vulnerable: r#"urllib3.disable_warnings()
api_session = requests.Session()
api_session.verify = False  #@
resp = api_session.get("https://$host/api/$route", params={"q": $v}, timeout=10)
$out = resp.json()
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"api_session = requests.Session()
api_session.verify = "/etc/ssl/certs/internal-ca.pem"  #@
resp = api_session.get("https://$host/api/$route", params={"q": $v}, timeout=10)
$out = resp.json()
"#,
            why: WHY_CA_BUNDLE,
        }],
        why: "The session skips certificate verification and the warning about it is silenced, so interception of \
              the traffic to $host goes unnoticed.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "urllib3-cert-none",
        input: Input::Text,
        imports: &["import json", "import urllib3"],
        setup: "",
        vulnerable: r#"pool = urllib3.PoolManager(cert_reqs="CERT_NONE", timeout=10.0)  #@
resp = pool.request("GET", "https://$host/api/$route", fields={"q": $v})
$out = json.loads(resp.data)
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs="/etc/ssl/certs/internal-ca.pem", timeout=10.0)  #@
resp = pool.request("GET", "https://$host/api/$route", fields={"q": $v})
$out = json.loads(resp.data)
"#,
            why: WHY_CA_BUNDLE,
        }],
        why: "`cert_reqs=\"CERT_NONE\"` makes urllib3 accept any certificate from $host.",
        frameworks: &[],
        constant_is_safe: false,
    },
];

const TEMP_FILE: &[Sink] = &[
    Sink {
        name: "mktemp",
        input: Input::Payload,
        imports: &["import os", "import subprocess", "import tempfile"],
        setup: "",
        vulnerable: r#"tmp_path = tempfile.mktemp(suffix=".pdf")  #@
with open(tmp_path, "wb") as fh:
    fh.write($v)
proc = subprocess.run(["pdftotext", tmp_path, "-"], capture_output=True, timeout=60)
os.remove(tmp_path)
$out = proc.stdout.decode("utf-8", "replace")
"#,
        fixed: &[
            Fix {
                imports: &[],
                body: r#"fd, tmp_path = tempfile.mkstemp(suffix=".pdf")  #@
with os.fdopen(fd, "wb") as fh:
    fh.write($v)
proc = subprocess.run(["pdftotext", tmp_path, "-"], capture_output=True, timeout=60)
os.remove(tmp_path)
$out = proc.stdout.decode("utf-8", "replace")
"#,
                why: "`mkstemp` creates the file atomically with a random name and mode 0600.",
            },
            Fix {
                imports: &[],
                body: r#"with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:  #@
    fh.write($v)
    fh.flush()
    proc = subprocess.run(["pdftotext", fh.name, "-"], capture_output=True, timeout=60)
$out = proc.stdout.decode("utf-8", "replace")
"#,
                why: "`NamedTemporaryFile` creates and opens the file in one step, privately, and removes it afterwards.",
            },
        ],
        why: "`tempfile.mktemp` only returns a name; another local user can create that path (or a symlink) before \
              `open` does.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "fixed-tmp-path",
        input: Input::Text,
        imports: &["import os", "import subprocess", "import tempfile"],
        setup: "",
        vulnerable: r#"tmp_path = "/tmp/$entity-export.csv"
with open(tmp_path, "w", encoding="utf-8") as fh:  #@
    fh.write($v)
proc = subprocess.run(["gzip", "-kf", tmp_path], capture_output=True, timeout=30)
$out = {"archive": tmp_path + ".gz", "ok": proc.returncode == 0}
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"workdir = tempfile.mkdtemp(prefix="$entity-")  #@
tmp_path = os.path.join(workdir, "export.csv")
with open(tmp_path, "w", encoding="utf-8") as fh:
    fh.write($v)
proc = subprocess.run(["gzip", "-kf", tmp_path], capture_output=True, timeout=30)
$out = {"archive": tmp_path + ".gz", "ok": proc.returncode == 0}
"#,
            why: "The file is written inside a private directory that `mkdtemp` creates with a random name and mode \
                  0700.",
        }],
        why: "The export is written to a fixed name in the shared /tmp, which another user can pre-create or point \
              at another file with a symlink.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "pid-tmp-name",
        input: Input::Text,
        imports: &["import os", "import subprocess", "import tempfile"],
        setup: "",
        vulnerable: r#"tmp_path = os.path.join(tempfile.gettempdir(), f"$entity-{os.getpid()}.txt")
with open(tmp_path, "w", encoding="utf-8") as fh:  #@
    fh.write($v)
proc = subprocess.run(["wc", "-w", tmp_path], capture_output=True, text=True, timeout=30)
os.unlink(tmp_path)
$out = proc.stdout.split()[0] if proc.stdout else "0"
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"fd, tmp_path = tempfile.mkstemp(prefix="$entity-", suffix=".txt")
with os.fdopen(fd, "w", encoding="utf-8") as fh:  #@
    fh.write($v)
proc = subprocess.run(["wc", "-w", tmp_path], capture_output=True, text=True, timeout=30)
os.unlink(tmp_path)
$out = proc.stdout.split()[0] if proc.stdout else "0"
"#,
            why: "`mkstemp` creates a new file with an unpredictable name and private permissions, and the code writes \
                  through its descriptor.",
        }],
        why: "The temporary name only varies by process id, so it can be guessed and created (or symlinked) first by \
              another local user.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "exists-then-makedirs",
        input: Input::Text,
        imports: &["import os", "import subprocess", "import tempfile"],
        setup: "",
        vulnerable: r#"workdir = "/tmp/$entity-build"
if not os.path.exists(workdir):
    os.makedirs(workdir)  #@
input_file = os.path.join(workdir, "input.txt")
with open(input_file, "w", encoding="utf-8") as fh:
    fh.write($v)
proc = subprocess.run(["file", "--brief", input_file], capture_output=True, text=True, timeout=30)
$out = proc.stdout.strip()
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"workdir = tempfile.mkdtemp(prefix="$entity-build-")  #@
input_file = os.path.join(workdir, "input.txt")
with open(input_file, "w", encoding="utf-8") as fh:
    fh.write($v)
proc = subprocess.run(["file", "--brief", input_file], capture_output=True, text=True, timeout=30)
$out = proc.stdout.strip()
"#,
            why: "`mkdtemp` creates a new private directory with a random name, so no one else can own or swap it.",
        }],
        why: "The working directory has a fixed name in /tmp and is reused if it already exists, so another user can \
              create it first and control the files written into it.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "pathlib-spool",
        input: Input::Text,
        imports: &["import subprocess", "import tempfile", "from pathlib import Path"],
        setup: "",
        vulnerable: r#"spool = Path("/tmp") / "$route.spool"
spool.write_text($v, encoding="utf-8")  #@
proc = subprocess.run(["lp", "-d", "office", str(spool)], capture_output=True, text=True, timeout=30)
$out = {"spool": spool.name, "queued": proc.returncode == 0}
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"with tempfile.NamedTemporaryFile("w", suffix=".spool", encoding="utf-8", delete=False) as fh:  #@
    fh.write($v)
spool = Path(fh.name)
proc = subprocess.run(["lp", "-d", "office", str(spool)], capture_output=True, text=True, timeout=30)
$out = {"spool": spool.name, "queued": proc.returncode == 0}
"#,
            why: "`NamedTemporaryFile` creates a new file with a random name and private permissions.",
        }],
        why: "The spool file has a fixed name in /tmp, so another local user can plant a symlink there and have this \
              write overwrite or expose another file.",
        frameworks: &[],
        constant_is_safe: false,
    },
];
