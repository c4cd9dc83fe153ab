//! Unrelated, realistic, safe code placed around a recipe's handler: the "shared surroundings" that
//! keep vulnerable and safe examples from differing in anything but the weakness. Several fillers
//! use the same APIs as the sinks in a safe way (a parameterized query, a fixed command list,
//! `yaml.safe_load`, a constant URL), so an API name alone never predicts a label.

/// A filler function (or small class) and its imports. Slots as in recipe templates.
#[derive(Debug, Clone, Copy)]
pub struct Filler {
    pub name: &'static str,
    pub imports: &'static [&'static str],
    pub code: &'static str,
}

pub const FILLERS: &[Filler] = &[
    Filler {
        name: "paginate",
        imports: &[],
        code: r#"def paginate(items, page: int, per_page: int = 20):
    start = max(page - 1, 0) * per_page
    return items[start:start + per_page]
"#,
    },
    Filler {
        name: "slugify",
        imports: &["import re"],
        code: r#"def slugify(text: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", text.lower())
    return text.strip("-")[:80]
"#,
    },
    Filler {
        name: "parse-date",
        imports: &["from datetime import datetime"],
        code: r#"def parse_day(value: str):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
"#,
    },
    Filler {
        name: "chunks",
        imports: &[],
        code: r#"def batched(seq, size):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]
"#,
    },
    Filler {
        name: "dataclass",
        imports: &["from dataclasses import dataclass, field"],
        code: r#"@dataclass
class $modelSummary:
    total: int = 0
    tags: list = field(default_factory=list)

    def add(self, tag: str) -> None:
        self.total += 1
        self.tags.append(tag)
"#,
    },
    Filler {
        name: "retry",
        imports: &["import functools", "import time"],
        code: r#"def retry(times: int = 3, delay: float = 0.5):
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            for attempt in range(times):
                try:
                    return fn(*args, **kwargs)
                except ConnectionError:
                    time.sleep(delay * (attempt + 1))
            return fn(*args, **kwargs)
        return inner
    return wrap
"#,
    },
    Filler {
        name: "env-config",
        imports: &["import os"],
        code: r#"def load_settings():
    return {
        "debug": os.environ.get("APP_DEBUG", "0") == "1",
        "page_size": int(os.environ.get("PAGE_SIZE", "$limit")),
        "region": os.environ.get("APP_REGION", "eu-west-1"),
    }
"#,
    },
    Filler {
        name: "logging-setup",
        imports: &["import logging"],
        code: r#"$logger = logging.getLogger(__name__)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s")
"#,
    },
    Filler {
        name: "csv-export",
        imports: &["import csv", "import io"],
        code: r#"def to_csv(rows, columns):
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
"#,
    },
    Filler {
        name: "cache-key",
        imports: &["import hashlib", "import json"],
        code: r#"def cache_key(*parts) -> str:
    raw = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()
"#,
    },
    Filler {
        name: "git-revision",
        imports: &["import subprocess"],
        code: r#"def current_revision() -> str:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return proc.stdout.strip() or "unknown"
"#,
    },
    Filler {
        name: "yaml-config",
        imports: &["import yaml"],
        code: r#"def read_config(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}
"#,
    },
    Filler {
        name: "count-query",
        imports: &["import sqlite3"],
        code: r#"def count_$table(conn: sqlite3.Connection, $col: str) -> int:
    row = conn.execute("SELECT COUNT(*) FROM $table WHERE $col = ?", ($col,)).fetchone()
    return row[0] if row else 0
"#,
    },
    Filler {
        name: "health-check",
        imports: &["import requests"],
        code: r#"def upstream_is_up() -> bool:
    try:
        return requests.get("https://$host/health", timeout=2).ok
    except requests.RequestException:
        return False
"#,
    },
    Filler {
        name: "html-row",
        imports: &["import html"],
        code: r#"def render_row(cells) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"
"#,
    },
    Filler {
        name: "token",
        imports: &["import secrets"],
        code: r#"def new_request_id() -> str:
    return secrets.token_hex(8)
"#,
    },
    Filler {
        name: "static-path",
        imports: &["from pathlib import Path"],
        code: r#"STATIC_ROOT = Path(__file__).resolve().parent / "static"


def static_files():
    return sorted(p.name for p in STATIC_ROOT.glob("*.css"))
"#,
    },
    Filler {
        name: "money",
        imports: &["from decimal import Decimal, ROUND_HALF_UP"],
        code: r#"def to_cents(amount: str) -> int:
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(value * 100)
"#,
    },
    Filler {
        name: "timer",
        imports: &["import time", "from contextlib import contextmanager"],
        code: r#"@contextmanager
def timed(label: str, sink: dict):
    start = time.perf_counter()
    try:
        yield
    finally:
        sink[label] = time.perf_counter() - start
"#,
    },
    Filler {
        name: "normalize-email",
        imports: &[],
        code: r#"def normalize_email(address: str) -> str:
    local, _, domain = address.strip().partition("@")
    return f"{local}@{domain.lower()}" if domain else local
"#,
    },
    Filler {
        name: "json-dump",
        imports: &["import json"],
        code: r#"def pretty(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, default=str)
"#,
    },
    Filler {
        name: "enum-status",
        imports: &["import enum"],
        code: r#"class Status(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"

    @classmethod
    def parse(cls, value: str) -> "Status":
        return cls(value.lower())
"#,
    },
];
