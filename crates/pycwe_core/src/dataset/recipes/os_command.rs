//! CWE-78 OS command injection: input formatted into command lines run by a shell (`shell=True`,
//! `os.system`, `os.popen`, `subprocess.getoutput`, `asyncio.create_subprocess_shell`, SSH).

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_ARGV: &str =
    "The command is an argument list run without a shell, and `--` ends the options, so `$v` stays one plain argument.";
const WHY_QUOTE: &str =
    "`shlex.quote` makes `$v` a single shell word after `--`, so its metacharacters are not interpreted.";
const WHY_HOSTNAME: &str = "`$v` must look like a host name (letters, digits, dots and dashes, not starting with `-`), so it holds no shell syntax.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "os-command",
    version: 1,
    cwe: CweId(78),
    sinks: &[
        Sink {
            name: "run-shell-fstring",
            input: Input::Text,
            imports: &["import subprocess"],
            setup: "",
            vulnerable: r#"proc = subprocess.run(f"ping -c 3 -W 2 {$v}", shell=True, capture_output=True, text=True, timeout=15)  #@
$out = proc.stdout.splitlines()[-2:]
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"proc = subprocess.run(["ping", "-c", "3", "-W", "2", "--", $v], capture_output=True, text=True, timeout=15)  #@
$out = proc.stdout.splitlines()[-2:]
"#,
                    why: WHY_ARGV,
                },
                Fix {
                    imports: &["import re"],
                    body: r#"if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}", $v):  #@
    raise ValueError("invalid host name")
proc = subprocess.run(f"ping -c 3 -W 2 {$v}", shell=True, capture_output=True, text=True, timeout=15)
$out = proc.stdout.splitlines()[-2:]
"#,
                    why: WHY_HOSTNAME,
                },
            ],
            why: "`$v` is formatted into a command string run with `shell=True`, so `;`, `|` or `$(...)` in it run other commands.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "os-system",
            input: Input::Text,
            imports: &["import os"],
            setup: "",
            vulnerable: r#"log_tag = os.environ.get("LOG_TAG", "$entity-api")
exit_code = os.system(f'logger -t {log_tag} "{$v}"')  #@
$out = {"logged": exit_code == 0}
"#,
            fixed: &[
                Fix {
                    imports: &["import subprocess"],
                    body: r#"log_tag = os.environ.get("LOG_TAG", "$entity-api")
exit_code = subprocess.call(["logger", "-t", log_tag, "--", $v])  #@
$out = {"logged": exit_code == 0}
"#,
                    why: WHY_ARGV,
                },
                Fix {
                    imports: &["import shlex"],
                    body: r#"log_tag = os.environ.get("LOG_TAG", "$entity-api")
exit_code = os.system(f"logger -t {log_tag} -- {shlex.quote($v)}")  #@
$out = {"logged": exit_code == 0}
"#,
                    why: WHY_QUOTE,
                },
            ],
            why: "`os.system` runs a shell on a string containing `$v`; double quotes still let `$(...)` and backticks execute.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "getoutput",
            input: Input::Text,
            imports: &["import subprocess"],
            setup: "",
            vulnerable: r#"whois_text = subprocess.getoutput("whois " + $v)  #@
$out = [line.strip() for line in whois_text.splitlines() if line.lower().startswith(("registrar", "name server"))]
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"whois_text = subprocess.run(["whois", "--", $v], capture_output=True, text=True, timeout=20).stdout  #@
$out = [line.strip() for line in whois_text.splitlines() if line.lower().startswith(("registrar", "name server"))]
"#,
                    why: WHY_ARGV,
                },
                Fix {
                    imports: &["import shlex"],
                    body: r#"whois_text = subprocess.getoutput("whois -- " + shlex.quote($v))  #@
$out = [line.strip() for line in whois_text.splitlines() if line.lower().startswith(("registrar", "name server"))]
"#,
                    why: WHY_QUOTE,
                },
            ],
            why: "`subprocess.getoutput` hands the string built from `$v` to a shell, so shell syntax in `$v` runs commands.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "os-popen",
            input: Input::Number,
            imports: &["import os"],
            setup: "",
            vulnerable: r#"log_file = os.path.join("/var/log/$entity", "app.log")
log_tail = os.popen("tail -n %s %s" % ($v, log_file)).read()  #@
$out = log_tail.splitlines()
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"log_file = os.path.join("/var/log/$entity", "app.log")
log_tail = os.popen("tail -n %d %s" % (int($v), log_file)).read()  #@
$out = log_tail.splitlines()
"#,
                    why: "`$v` is converted with `int()` and formatted with `%d`, so only digits reach the shell.",
                },
                Fix {
                    imports: &["import subprocess"],
                    body: r#"log_file = os.path.join("/var/log/$entity", "app.log")
log_tail = subprocess.run(["tail", "-n", str(int($v)), log_file], capture_output=True, text=True).stdout  #@
$out = log_tail.splitlines()
"#,
                    why: "The command is an argument list run without a shell and `$v` must parse as an integer.",
                },
            ],
            why: "`os.popen` runs a shell command with `$v` %-formatted into it, so anything after the count is executed.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "popen-shell",
            input: Input::Text,
            imports: &["import subprocess"],
            setup: "",
            vulnerable: r#"proc = subprocess.Popen("git log --oneline -n $limit --author='%s'" % $v, shell=True, cwd="$dirpath", stdout=subprocess.PIPE, text=True)  #@
$out = proc.communicate(timeout=30)[0].splitlines()
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"proc = subprocess.Popen(["git", "log", "--oneline", "-n", "$limit", f"--author={$v}"], cwd="$dirpath", stdout=subprocess.PIPE, text=True)  #@
$out = proc.communicate(timeout=30)[0].splitlines()
"#,
                    why: "The command is an argument list without a shell, and `$v` is part of the single `--author=` argument.",
                },
                Fix {
                    imports: &["import shlex"],
                    body: r#"proc = subprocess.Popen("git log --oneline -n $limit --author=%s" % shlex.quote($v), shell=True, cwd="$dirpath", stdout=subprocess.PIPE, text=True)  #@
$out = proc.communicate(timeout=30)[0].splitlines()
"#,
                    why: "`shlex.quote` turns `$v` into one shell word, so quotes and metacharacters in it stay literal.",
                },
            ],
            why: "`$v` is placed between single quotes in a `shell=True` command, and a quote in `$v` closes them and appends commands.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "paramiko-exec",
            input: Input::Text,
            imports: &["import os", "import paramiko"],
            setup: "",
            vulnerable: r#"ssh = paramiko.SSHClient()
ssh.load_system_host_keys()
ssh.connect("$host", username=os.environ.get("DEPLOY_USER", "$user"), timeout=10)
try:
    _, stdout, _ = ssh.exec_command(f"systemctl status --no-pager {$v}")  #@
    $out = stdout.read().decode("utf-8", "replace")
finally:
    ssh.close()
"#,
            fixed: &[
                Fix {
                    imports: &["import shlex"],
                    body: r#"ssh = paramiko.SSHClient()
ssh.load_system_host_keys()
ssh.connect("$host", username=os.environ.get("DEPLOY_USER", "$user"), timeout=10)
try:
    _, stdout, _ = ssh.exec_command(f"systemctl status --no-pager -- {shlex.quote($v)}")  #@
    $out = stdout.read().decode("utf-8", "replace")
finally:
    ssh.close()
"#,
                    why: "`shlex.quote` makes `$v` one word for the remote shell, after `--`, so it can only name a unit.",
                },
                Fix {
                    imports: &["import re"],
                    body: r#"if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9@_.:-]{0,255}", $v):  #@
    raise ValueError("invalid unit name")
ssh = paramiko.SSHClient()
ssh.load_system_host_keys()
ssh.connect("$host", username=os.environ.get("DEPLOY_USER", "$user"), timeout=10)
try:
    _, stdout, _ = ssh.exec_command(f"systemctl status --no-pager {$v}")
    $out = stdout.read().decode("utf-8", "replace")
finally:
    ssh.close()
"#,
                    why: "`$v` must match the characters of a systemd unit name, so it cannot contain shell syntax or start an option.",
                },
            ],
            why: "`exec_command` runs its string in the remote user's shell, and `$v` is formatted into it unquoted.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "asyncio-shell",
            input: Input::Text,
            imports: &["import asyncio"],
            setup: "",
            vulnerable: r#"host_list = [part.strip() for part in $v.split(",") if part.strip()]
async def _probe_all(host_names):
    procs = []
    for host_name in host_names:
        proc = await asyncio.create_subprocess_shell(f"ping -c 1 -W 1 {host_name}", stdout=asyncio.subprocess.DEVNULL)  #@
        procs.append(proc)
    return [await proc.wait() for proc in procs]
$out = dict(zip(host_list, asyncio.run(_probe_all(host_list))))
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"host_list = [part.strip() for part in $v.split(",") if part.strip()]
async def _probe_all(host_names):
    procs = []
    for host_name in host_names:
        proc = await asyncio.create_subprocess_exec("ping", "-c", "1", "-W", "1", "--", host_name, stdout=asyncio.subprocess.DEVNULL)  #@
        procs.append(proc)
    return [await proc.wait() for proc in procs]
$out = dict(zip(host_list, asyncio.run(_probe_all(host_list))))
"#,
                why: "`create_subprocess_exec` runs ping without a shell, and `--` keeps each host from being read as an option.",
            }],
            why: "Each host taken from `$v` is formatted into a command for `create_subprocess_shell`, which a shell interprets.",
            // `asyncio.run` needs a thread without a running event loop: synchronous handlers only.
            frameworks: &["flask", "django", "http.server", "socket", "celery", "worker"],
            constant_is_safe: true,
        },
    ],
}];
