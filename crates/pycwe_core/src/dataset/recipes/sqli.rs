//! CWE-89 SQL injection: input pasted into SQL text, across drivers, ORMs and string-building styles.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_PARAM: &str = "The value is passed as a bound query parameter, so the driver never parses it as SQL.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "sqli",
    version: 1,
    cwe: CweId(89),
    sinks: &[
        Sink {
            name: "sqlite3-fstring",
            input: Input::Text,
            imports: &["import sqlite3"],
            setup: "DB_PATH = \"$table.db\"",
            vulnerable: r#"$conn = sqlite3.connect(DB_PATH)
$cur = $conn.cursor()
$cur.execute(f"SELECT id, $col FROM $table WHERE $col = '{$v}'")  #@
$out = $cur.fetchall()
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"$conn = sqlite3.connect(DB_PATH)
$cur = $conn.cursor()
$cur.execute("SELECT id, $col FROM $table WHERE $col = ?", ($v,))  #@
$out = $cur.fetchall()
"#,
                why: WHY_PARAM,
            }],
            why: "`$v` is formatted into the SQL text with an f-string, so a quote in it changes the query.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "sqlite3-percent",
            input: Input::Text,
            imports: &["import sqlite3"],
            setup: "DB_PATH = \"$table.db\"",
            vulnerable: r#"query = "SELECT * FROM $table WHERE $col LIKE '%%%s%%' ORDER BY id" % $v
with sqlite3.connect(DB_PATH) as $conn:
    $out = $conn.execute(query).fetchall()  #@
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"query = "SELECT * FROM $table WHERE $col LIKE ? ORDER BY id"
with sqlite3.connect(DB_PATH) as $conn:
    $out = $conn.execute(query, (f"%{$v}%",)).fetchall()  #@
"#,
                why: WHY_PARAM,
            }],
            why: "The query is built with `%` string formatting from `$v` and then executed, so `$v` can rewrite it.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "sqlite3-in-list",
            input: Input::Text,
            imports: &["import sqlite3"],
            setup: "DB_PATH = \"$table.db\"",
            vulnerable: r#"ids = [part.strip() for part in $v.split(",") if part.strip()]
$conn = sqlite3.connect(DB_PATH)
query = "SELECT id, $col FROM $table WHERE id IN (" + ", ".join(ids) + ")"
$out = $conn.execute(query).fetchall()  #@
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"ids = [part.strip() for part in $v.split(",") if part.strip()]
$conn = sqlite3.connect(DB_PATH)
placeholders = ", ".join("?" for _ in ids)
query = f"SELECT id, $col FROM $table WHERE id IN ({placeholders})"
$out = $conn.execute(query, ids).fetchall()  #@
"#,
                why: "The f-string only inserts one `?` placeholder per id; the ids themselves are bound as parameters.",
            }],
            why: "The ids parsed from `$v` are joined into the SQL text, so any of them can carry SQL.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "psycopg2-format",
            input: Input::Number,
            imports: &["import psycopg2"],
            setup: "DSN = \"dbname=shop user=$user host=$host\"",
            vulnerable: r#"$conn = psycopg2.connect(DSN)
with $conn.cursor() as $cur:
    $cur.execute("SELECT * FROM $table ORDER BY id LIMIT {}".format($v))  #@
    $out = $cur.fetchall()
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"$conn = psycopg2.connect(DSN)
with $conn.cursor() as $cur:
    $cur.execute("SELECT * FROM $table ORDER BY id LIMIT %s", (int($v),))  #@
    $out = $cur.fetchall()
"#,
                    why: WHY_PARAM,
                },
                Fix {
                    imports: &[],
                    body: r#"$conn = psycopg2.connect(DSN)
with $conn.cursor() as $cur:
    $cur.execute("SELECT * FROM $table ORDER BY id LIMIT {}".format(int($v)))  #@
    $out = $cur.fetchall()
"#,
                    why: "`$v` is converted with `int()` before formatting, so only a number can reach the SQL text.",
                },
            ],
            why: "`$v` is inserted into the SQL text with `.format()`, so it can carry arbitrary SQL.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "mysql-concat",
            input: Input::Text,
            imports: &["import MySQLdb"],
            setup: "",
            vulnerable: r#"$conn = MySQLdb.connect(host="$host", user="$user", db="shop")
$cur = $conn.cursor()
sql = "DELETE FROM $table WHERE $col = '" + $v + "'"
$cur.execute(sql)  #@
$conn.commit()
$out = $cur.rowcount
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"$conn = MySQLdb.connect(host="$host", user="$user", db="shop")
$cur = $conn.cursor()
sql = "DELETE FROM $table WHERE $col = %s"
$cur.execute(sql, ($v,))  #@
$conn.commit()
$out = $cur.rowcount
"#,
                why: WHY_PARAM,
            }],
            why: "The statement is concatenated from `$v`, so a quote in it ends the literal and appends SQL.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "sqlalchemy-text",
            input: Input::Text,
            imports: &["from sqlalchemy import create_engine, text"],
            setup: "engine = create_engine(\"postgresql://$user@$host/app\")",
            vulnerable: r#"with engine.connect() as $conn:
    stmt = text(f"SELECT id, $col FROM $table WHERE $col = '{$v}'")  #@
    $out = [dict(r._mapping) for r in $conn.execute(stmt)]
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"with engine.connect() as $conn:
    stmt = text("SELECT id, $col FROM $table WHERE $col = :value")  #@
    $out = [dict(r._mapping) for r in $conn.execute(stmt, {"value": $v})]
"#,
                why: "The statement uses a named bind parameter, so SQLAlchemy sends `$v` as data, not SQL.",
            }],
            why: "`text()` receives SQL built from `$v` with an f-string; SQLAlchemy runs it as written.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "django-raw",
            input: Input::Text,
            imports: &["from django.db import models"],
            setup: "class $model(models.Model):\n    $col = models.CharField(max_length=100)",
            vulnerable: r#"qs = $model.objects.raw("SELECT * FROM app_$entity WHERE $col = '%s'" % $v)  #@
$out = [obj.pk for obj in qs]
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"qs = $model.objects.raw("SELECT * FROM app_$entity WHERE $col = %s", [$v])  #@
$out = [obj.pk for obj in qs]
"#,
                why: "`raw()` receives `$v` in `params`, so Django's database adapter quotes it.",
            }],
            why: "`$v` is %-formatted into the SQL passed to `raw()`, which Django executes unchanged.",
            frameworks: &["django"],
            constant_is_safe: true,
        },
        Sink {
            name: "django-cursor",
            input: Input::Text,
            imports: &["from django.db import connection"],
            setup: "",
            vulnerable: r#"with connection.cursor() as $cur:
    $cur.execute(f"UPDATE app_$entity SET $col = '{$v}' WHERE id = 1")  #@
    $out = $cur.rowcount
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"with connection.cursor() as $cur:
    $cur.execute("UPDATE app_$entity SET $col = %s WHERE id = 1", [$v])  #@
    $out = $cur.rowcount
"#,
                why: WHY_PARAM,
            }],
            why: "The cursor executes SQL built from `$v` with an f-string.",
            frameworks: &["django"],
            constant_is_safe: true,
        },
    ],
}];
