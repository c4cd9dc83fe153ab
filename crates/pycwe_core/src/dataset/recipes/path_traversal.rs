//! CWE-22 path traversal: file names from input joined onto a base directory and read, listed,
//! written or deleted, and archives extracted without checking their member names.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_CONTAINED: &str =
    "The joined path is resolved and must stay inside `$dir`, so `../` segments and absolute paths are rejected.";
const WHY_MEMBERS: &str =
    "Every member path is resolved and must stay inside `$dir`, and links are refused, before anything is written.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "path-traversal",
    version: 1,
    cwe: CweId(22),
    sinks: &[
        Sink {
            name: "open-join",
            input: Input::Path,
            imports: &["import os"],
            setup: "$dir = \"$dirpath\"",
            vulnerable: r#"full_path = os.path.join($dir, $v)
with open(full_path, encoding="utf-8") as fh:  #@
    $out = fh.read()
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"base_dir = os.path.realpath($dir)
full_path = os.path.realpath(os.path.join(base_dir, $v))
if os.path.commonpath([base_dir, full_path]) != base_dir:  #@
    raise PermissionError("path outside the $entity folder")
with open(full_path, encoding="utf-8") as fh:
    $out = fh.read()
"#,
                    why: WHY_CONTAINED,
                },
                Fix {
                    imports: &[],
                    body: r#"full_path = os.path.join($dir, os.path.basename($v))  #@
with open(full_path, encoding="utf-8") as fh:
    $out = fh.read()
"#,
                    why: "Only the last component of `$v` is used, so it can name a file in `$dir` but not a path elsewhere.",
                },
            ],
            why: "`$v` is joined onto `$dir` and opened without a check, so `../` segments or an absolute path read any file.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "pathlib-read-text",
            input: Input::Path,
            imports: &["from pathlib import Path"],
            setup: "$dir = Path(\"$dirpath\")",
            vulnerable: r#"doc_path = $dir / $v
$out = doc_path.read_text(encoding="utf-8").splitlines()[:$limit]  #@
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"doc_path = ($dir / $v).resolve()
if not doc_path.is_relative_to($dir.resolve()):  #@
    raise PermissionError("path outside the $entity folder")
$out = doc_path.read_text(encoding="utf-8").splitlines()[:$limit]
"#,
                why: WHY_CONTAINED,
            }],
            why: "`$dir / $v` is read without resolving it, so `../` segments or an absolute `$v` point outside `$dir`.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "listdir",
            input: Input::Path,
            imports: &["import os"],
            setup: "$dir = \"$dirpath\"",
            vulnerable: r#"folder = os.path.join($dir, $v)
$out = sorted(os.listdir(folder))  #@
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"base_dir = os.path.realpath($dir)
folder = os.path.realpath(os.path.join(base_dir, $v))
if folder != base_dir and not folder.startswith(base_dir + os.sep):  #@
    raise PermissionError("folder outside the $entity area")
$out = sorted(os.listdir(folder))
"#,
                why: WHY_CONTAINED,
            }],
            why: "The folder to list is `$dir` joined with `$v` unchecked, so `../` lets a caller list any directory.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "csv-export-write",
            input: Input::Path,
            imports: &["import csv", "import os"],
            setup: "$dir = \"$dirpath\"",
            vulnerable: r#"export_path = os.path.join($dir, $v)
with open(export_path, "w", newline="", encoding="utf-8") as fh:  #@
    writer = csv.writer(fh)
    writer.writerow(["id", "$col"])
    writer.writerows([(1, "$entity-a"), (2, "$entity-b")])
$out = export_path
"#,
            fixed: &[
                Fix {
                    imports: &["import re"],
                    body: r#"if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}\.csv", $v):  #@
    raise ValueError("export names look like name.csv")
export_path = os.path.join($dir, $v)
with open(export_path, "w", newline="", encoding="utf-8") as fh:
    writer = csv.writer(fh)
    writer.writerow(["id", "$col"])
    writer.writerows([(1, "$entity-a"), (2, "$entity-b")])
$out = export_path
"#,
                    why: "`$v` must be a plain `name.csv` made of letters, digits, `_` and `-`, so it cannot contain a separator or `..`.",
                },
                Fix {
                    imports: &[],
                    body: r#"base_dir = os.path.realpath($dir)
export_path = os.path.realpath(os.path.join(base_dir, $v))
if os.path.commonpath([base_dir, export_path]) != base_dir:  #@
    raise PermissionError("export path outside the $entity folder")
with open(export_path, "w", newline="", encoding="utf-8") as fh:
    writer = csv.writer(fh)
    writer.writerow(["id", "$col"])
    writer.writerows([(1, "$entity-a"), (2, "$entity-b")])
$out = export_path
"#,
                    why: WHY_CONTAINED,
                },
            ],
            why: "The export is written to `$dir` joined with `$v`, so `../` or an absolute path overwrites files elsewhere.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "os-remove",
            input: Input::Path,
            imports: &["import os"],
            setup: "$dir = \"$dirpath\"",
            vulnerable: r#"target_file = os.path.join($dir, $v)
if os.path.isfile(target_file):
    os.remove(target_file)  #@
$out = {"deleted": $v}
"#,
            fixed: &[
                Fix {
                    imports: &["from pathlib import Path"],
                    body: r#"target_file = (Path($dir) / $v).resolve()
if not target_file.is_relative_to(Path($dir).resolve()):  #@
    raise PermissionError("path outside the $entity folder")
if os.path.isfile(target_file):
    os.remove(target_file)
$out = {"deleted": $v}
"#,
                    why: WHY_CONTAINED,
                },
                Fix {
                    imports: &[],
                    body: r#"base_dir = os.path.realpath($dir)
target_file = os.path.realpath(os.path.join(base_dir, $v))
if os.path.commonpath([base_dir, target_file]) != base_dir:  #@
    raise PermissionError("path outside the $entity folder")
if os.path.isfile(target_file):
    os.remove(target_file)
$out = {"deleted": $v}
"#,
                    why: WHY_CONTAINED,
                },
            ],
            why: "The file to delete is `$dir` joined with `$v` unchecked, so `../` lets a caller delete files outside it.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "tar-extractall",
            input: Input::Payload,
            imports: &["import io", "import tarfile"],
            setup: "$dir = \"$dirpath\"",
            vulnerable: r#"with tarfile.open(fileobj=io.BytesIO($v), mode="r:*") as archive:
    archive.extractall($dir)  #@
    $out = archive.getnames()
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"with tarfile.open(fileobj=io.BytesIO($v), mode="r:*") as archive:
    archive.extractall($dir, filter="data")  #@
    $out = archive.getnames()
"#,
                    why: "The `data` extraction filter rejects absolute paths, `..` members and links pointing outside `$dir`.",
                },
                Fix {
                    imports: &["import os"],
                    body: r#"with tarfile.open(fileobj=io.BytesIO($v), mode="r:*") as archive:
    base_dir = os.path.realpath($dir)
    for member in archive.getmembers():
        member_path = os.path.realpath(os.path.join(base_dir, member.name))
        if member.issym() or member.islnk() or os.path.commonpath([base_dir, member_path]) != base_dir:  #@
            raise ValueError(f"archive member {member.name!r} is not allowed")
    archive.extractall(base_dir)
    $out = archive.getnames()
"#,
                    why: WHY_MEMBERS,
                },
            ],
            why: "`extractall` writes the uploaded archive's member names as given, so a member named `../...` or a link escapes `$dir`.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "zip-member-write",
            input: Input::Payload,
            imports: &["import io", "import os", "import zipfile"],
            setup: "$dir = \"$dirpath\"",
            vulnerable: r#"with zipfile.ZipFile(io.BytesIO($v)) as archive:
    for member in archive.namelist():
        if member.endswith("/"):
            continue
        dest_path = os.path.join($dir, member)
        os.makedirs(os.path.dirname(dest_path), exist_ok=True)
        with open(dest_path, "wb") as fh:  #@
            fh.write(archive.read(member))
    $out = archive.namelist()
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"with zipfile.ZipFile(io.BytesIO($v)) as archive:
    base_dir = os.path.realpath($dir)
    for member in archive.namelist():
        if member.endswith("/"):
            continue
        dest_path = os.path.realpath(os.path.join(base_dir, member))
        if os.path.commonpath([base_dir, dest_path]) != base_dir:  #@
            raise ValueError(f"archive member {member!r} is not allowed")
        os.makedirs(os.path.dirname(dest_path), exist_ok=True)
        with open(dest_path, "wb") as fh:
            fh.write(archive.read(member))
    $out = archive.namelist()
"#,
                why: "Each member path is resolved and must stay inside `$dir` before the file is written.",
            }],
            why: "Member names from the uploaded zip are joined onto `$dir` and written, so a name with `../` writes outside it.",
            frameworks: &[],
            constant_is_safe: false,
        },
    ],
}];
