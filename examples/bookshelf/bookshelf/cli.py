import argparse
import os
import shutil
import subprocess
import sys

from . import db, importer
from .config import load_settings


def export_shelf(shelf: str, fmt: str) -> str:
    settings = load_settings()
    os.makedirs(settings.exports_dir, exist_ok=True)
    out = os.path.join(settings.exports_dir, f"{shelf}.{fmt}")
    cmd = f"sqlite3 -{fmt} {settings.database_path} \"SELECT * FROM books WHERE shelf = '{shelf}'\" > {out}"
    os.system(cmd)  # expect: CWE-78
    return out


def backup(dest: str) -> None:
    settings = load_settings()
    shutil.copy2(settings.database_path, dest)


def print_overdue() -> None:
    print(f"{db.overdue_count()} loans are overdue")


def compress_exports() -> None:
    settings = load_settings()
    subprocess.run(["tar", "-czf", "exports.tar.gz", "-C", settings.exports_dir, "."], check=True)


def evaluate_rule(expression: str, book: dict) -> bool:
    return bool(eval(expression, {}, {"book": book}))  # expect: CWE-94


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bookshelf")
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export")
    exp.add_argument("shelf")
    exp.add_argument("--format", default="csv", choices=["csv", "json"])
    imp = sub.add_parser("import")
    imp.add_argument("file")
    sub.add_parser("overdue")
    args = parser.parse_args(argv)
    if args.command == "export":
        print(export_shelf(args.shelf, args.format))
    elif args.command == "import":
        with open(args.file, encoding="utf-8") as fh:
            print(importer.import_csv(fh.read()))
    elif args.command == "overdue":
        print_overdue()
    return 0


if __name__ == "__main__":
    sys.exit(main())
