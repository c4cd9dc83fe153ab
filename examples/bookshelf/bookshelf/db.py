import sqlite3
from contextlib import contextmanager

from .config import load_settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS books (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    isbn TEXT UNIQUE,
    shelf TEXT,
    added_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS loans (
    id INTEGER PRIMARY KEY,
    book_id INTEGER NOT NULL REFERENCES books(id),
    member TEXT NOT NULL,
    due TEXT NOT NULL,
    returned INTEGER DEFAULT 0
);
"""


@contextmanager
def connect():
    conn = sqlite3.connect(load_settings().database_path)
    conn.row_factory = sqlite3.Row
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def init_db():
    with connect() as conn:
        conn.executescript(SCHEMA)


def get_book(book_id: int):
    with connect() as conn:
        return conn.execute("SELECT * FROM books WHERE id = ?", (book_id,)).fetchone()


def add_book(title: str, author: str, isbn: str, shelf: str) -> int:
    with connect() as conn:
        cur = conn.execute(
            "INSERT INTO books (title, author, isbn, shelf) VALUES (?, ?, ?, ?)",
            (title, author, isbn, shelf),
        )
        return cur.lastrowid


def search_books(term: str, order_by: str = "title"):
    allowed = {"title", "author", "added_at"}
    if order_by not in allowed:
        order_by = "title"
    with connect() as conn:
        query = f"SELECT * FROM books WHERE title LIKE '%{term}%' ORDER BY {order_by}"  # expect: CWE-89
        return conn.execute(query).fetchall()


def loans_for(member: str):
    with connect() as conn:
        return conn.execute(
            "SELECT books.title, loans.due FROM loans JOIN books ON books.id = loans.book_id "
            "WHERE loans.member = ? AND loans.returned = 0",
            (member,),
        ).fetchall()


def overdue_count() -> int:
    with connect() as conn:
        row = conn.execute("SELECT COUNT(*) FROM loans WHERE returned = 0 AND due < date('now')").fetchone()
        return row[0]
