import csv
import io
import pickle

import requests

from . import db


def import_csv(text: str) -> int:
    count = 0
    for row in csv.DictReader(io.StringIO(text)):
        db.add_book(row["title"], row["author"], row.get("isbn", ""), row.get("shelf", ""))
        count += 1
    return count


def fetch_remote_catalog(url: str) -> int:
    response = requests.get(url, timeout=10)  # expect: CWE-918
    response.raise_for_status()
    return import_csv(response.text)


def restore_snapshot(blob: bytes) -> int:
    books = pickle.loads(blob)  # expect: CWE-502
    for book in books:
        db.add_book(book["title"], book["author"], book.get("isbn", ""), book.get("shelf", ""))
    return len(books)


def isbn_checksum_ok(isbn: str) -> bool:
    digits = [int(c) for c in isbn if c.isdigit()]
    if len(digits) != 13:
        return False
    total = sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == digits[12]
