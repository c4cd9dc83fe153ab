//! CWE-77 command injection without a shell: input placed in a program's argument list where it can
//! become an option (`--upload-pack=`, `--output=`, `-oProxyCommand=`), or choose the program itself.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_END_OF_OPTIONS: &str =
    "The argument list ends the options before `$v`, so the program reads it as an operand even if it starts with `-`.";
const WHY_NO_DASH: &str = "`$v` is refused when it starts with `-`, so it cannot be read as an option.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "command-args",
    version: 1,
    cwe: CweId(77),
    sinks: &[
        Sink {
            name: "git-clone",
            input: Input::Url,
            imports: &["import os", "import subprocess", "import tempfile"],
            setup: "",
            vulnerable: r#"checkout_dir = tempfile.mkdtemp(prefix="$entity-")
subprocess.run(["git", "clone", "--depth", "1", $v, checkout_dir], check=True, timeout=120)  #@
$out = sorted(os.listdir(checkout_dir))
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"checkout_dir = tempfile.mkdtemp(prefix="$entity-")
subprocess.run(["git", "clone", "--depth", "1", "--", $v, checkout_dir], check=True, timeout=120)  #@
$out = sorted(os.listdir(checkout_dir))
"#,
                    why: WHY_END_OF_OPTIONS,
                },
                Fix {
                    imports: &["from urllib.parse import urlparse"],
                    body: r#"if urlparse($v).scheme != "https":  #@
    raise ValueError("only https clone URLs are supported")
checkout_dir = tempfile.mkdtemp(prefix="$entity-")
subprocess.run(["git", "clone", "--depth", "1", $v, checkout_dir], check=True, timeout=120)
$out = sorted(os.listdir(checkout_dir))
"#,
                    why: "`$v` must be an `https` URL, so it starts with `https:` and can be neither an option nor another git transport.",
                },
            ],
            why: "`$v` is a separate git argument, so a value such as `--upload-pack=...` is taken as an option that runs a command.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "tar-member",
            input: Input::Path,
            imports: &["import os", "import subprocess", "import tempfile"],
            setup: "$dir = \"$dirpath\"",
            vulnerable: r#"archive_path = os.path.join(tempfile.gettempdir(), "$entity-bundle.tar.gz")
subprocess.run(["tar", "-czf", archive_path, "-C", $dir, $v], check=True, timeout=300)  #@
$out = {"archive": archive_path, "size": os.path.getsize(archive_path)}
"#,
            fixed: &[
                Fix {
                    imports: &["import re"],
                    body: r#"if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", $v):  #@
    raise ValueError("invalid folder name")
archive_path = os.path.join(tempfile.gettempdir(), "$entity-bundle.tar.gz")
subprocess.run(["tar", "-czf", archive_path, "-C", $dir, $v], check=True, timeout=300)
$out = {"archive": archive_path, "size": os.path.getsize(archive_path)}
"#,
                    why: "`$v` must be a single name that starts with a letter, digit or `_`, so it is neither an option nor a path out of `$dir`.",
                },
                Fix {
                    imports: &[],
                    body: r#"if $v.startswith("-") or os.path.isabs($v) or ".." in $v.split("/"):  #@
    raise ValueError("invalid folder name")
archive_path = os.path.join(tempfile.gettempdir(), "$entity-bundle.tar.gz")
subprocess.run(["tar", "-czf", archive_path, "-C", $dir, $v], check=True, timeout=300)
$out = {"archive": archive_path, "size": os.path.getsize(archive_path)}
"#,
                    why: "`$v` is refused when it starts with `-`, is absolute or contains `..`, so it is an operand inside `$dir`.",
                },
            ],
            why: "GNU tar reads options anywhere in its arguments, so a `$v` like `--checkpoint-action=exec=...` runs a command.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "git-log-revision",
            input: Input::Text,
            imports: &["import subprocess"],
            setup: "",
            vulnerable: r#"proc = subprocess.run(["git", "-C", "$dirpath", "log", "--format=%h %an %s", "-n", "$limit", $v], capture_output=True, text=True, timeout=30)  #@
$out = proc.stdout.splitlines()
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"proc = subprocess.run(["git", "-C", "$dirpath", "log", "--format=%h %an %s", "-n", "$limit", "--end-of-options", $v], capture_output=True, text=True, timeout=30)  #@
$out = proc.stdout.splitlines()
"#,
                    why: WHY_END_OF_OPTIONS,
                },
                Fix {
                    imports: &[],
                    body: r#"if $v.startswith("-"):  #@
    raise ValueError("revision names cannot start with a dash")
proc = subprocess.run(["git", "-C", "$dirpath", "log", "--format=%h %an %s", "-n", "$limit", $v], capture_output=True, text=True, timeout=30)
$out = proc.stdout.splitlines()
"#,
                    why: WHY_NO_DASH,
                },
            ],
            why: "The revision `$v` is passed where git also accepts options, so `--output=<file>` makes git write a file.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "git-grep",
            input: Input::Text,
            imports: &["import subprocess"],
            setup: "",
            vulnerable: r#"proc = subprocess.run(["git", "grep", "-n", "-I", $v], cwd="$dirpath", capture_output=True, text=True, timeout=30)  #@
$out = proc.stdout.splitlines()[:$limit]
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"proc = subprocess.run(["git", "grep", "-n", "-I", "-e", $v], cwd="$dirpath", capture_output=True, text=True, timeout=30)  #@
$out = proc.stdout.splitlines()[:$limit]
"#,
                    why: "`-e` makes the next argument the pattern, so `$v` is never parsed as an option.",
                },
                Fix {
                    imports: &[],
                    body: r#"if $v.startswith("-"):  #@
    raise ValueError("search text cannot start with a dash")
proc = subprocess.run(["git", "grep", "-n", "-I", $v], cwd="$dirpath", capture_output=True, text=True, timeout=30)
$out = proc.stdout.splitlines()[:$limit]
"#,
                    why: WHY_NO_DASH,
                },
            ],
            why: "The search text `$v` is a bare git argument, so `--open-files-in-pager=<cmd>` runs a command.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "ssh-destination",
            input: Input::Text,
            imports: &["import subprocess"],
            setup: "",
            vulnerable: r#"proc = subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", $v, "uptime"], capture_output=True, text=True, timeout=20)  #@
$out = proc.stdout.strip()
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"proc = subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "--", $v, "uptime"], capture_output=True, text=True, timeout=20)  #@
$out = proc.stdout.strip()
"#,
                    why: WHY_END_OF_OPTIONS,
                },
                Fix {
                    imports: &["import re"],
                    body: r#"if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}", $v):  #@
    raise ValueError("invalid host name")
proc = subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", $v, "uptime"], capture_output=True, text=True, timeout=20)
$out = proc.stdout.strip()
"#,
                    why: "`$v` must be a host name that starts with a letter or digit, so it cannot be an ssh option.",
                },
            ],
            why: "The destination `$v` is an ssh argument, so `-oProxyCommand=<cmd>` makes ssh run a local command.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "program-name",
            input: Input::Text,
            imports: &["import subprocess"],
            setup: "",
            vulnerable: r#"proc = subprocess.run([$v, "--version"], capture_output=True, text=True, timeout=5)  #@
$out = proc.stdout.splitlines()[0] if proc.stdout else ""
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"if $v not in ("git", "ffmpeg", "pandoc", "convert"):  #@
    raise ValueError("unknown tool")
proc = subprocess.run([$v, "--version"], capture_output=True, text=True, timeout=5)
$out = proc.stdout.splitlines()[0] if proc.stdout else ""
"#,
                    why: "`$v` must be one of a few known tool names, so it cannot select another program.",
                },
                Fix {
                    imports: &[],
                    body: r#"binary = {"git": "/usr/bin/git", "ffmpeg": "/usr/bin/ffmpeg", "pandoc": "/usr/bin/pandoc"}.get($v)  #@
if binary is None:
    raise ValueError("unknown tool")
proc = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=5)
$out = proc.stdout.splitlines()[0] if proc.stdout else ""
"#,
                    why: "`$v` only selects an entry of a fixed table of programs; the path that runs comes from the table.",
                },
            ],
            why: "`$v` is the program that runs, so a caller can execute any binary or script on the server.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "ffmpeg-options",
            input: Input::Text,
            imports: &["import shlex", "import subprocess"],
            setup: "",
            vulnerable: r#"preset_args = shlex.split($v)
ffmpeg_cmd = ["ffmpeg", "-y", "-i", "$dirpath/source.mp4", *preset_args, "/tmp/$entity-out.mp4"]
subprocess.run(ffmpeg_cmd, check=True, timeout=300)  #@
$out = {"output": "/tmp/$entity-out.mp4", "command": shlex.join(ffmpeg_cmd)}
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"presets = {"720p": ["-vf", "scale=-2:720"], "480p": ["-vf", "scale=-2:480"], "audio": ["-vn", "-c:a", "aac"]}
if $v not in presets:  #@
    raise ValueError("unknown preset")
preset_args = presets[$v]
ffmpeg_cmd = ["ffmpeg", "-y", "-i", "$dirpath/source.mp4", *preset_args, "/tmp/$entity-out.mp4"]
subprocess.run(ffmpeg_cmd, check=True, timeout=300)
$out = {"output": "/tmp/$entity-out.mp4", "command": shlex.join(ffmpeg_cmd)}
"#,
                why: "`$v` only picks one of a few fixed option lists, so no option from the request reaches ffmpeg.",
            }],
            why: "Options split from `$v` go straight into ffmpeg's argument list, so a caller can add inputs and outputs that read or overwrite files.",
            frameworks: &[],
            constant_is_safe: false,
        },
    ],
}];
