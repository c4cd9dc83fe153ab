//! CWE-90 LDAP filters built from input (ldap3, python-ldap) and CWE-643 XPath expressions built
//! from input (lxml `xpath`, `etree.XPath`).

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_LDAP_ESCAPE: &str = "`escape_filter_chars` encodes `*`, `(`, `)`, `\\` and NUL in `$v`, so it can only \
                               match as a literal value inside the filter.";
const WHY_LDAP_PATTERN: &str = "`$v` must consist of letters, digits, `.`, `_` or `-`, none of which has a meaning \
                                in an LDAP filter.";
const WHY_XPATH_VAR: &str = "`$v` is bound as an XPath variable (`$Q`), so lxml treats it as a string value and it \
                             cannot change the expression.";

pub const RECIPES: &[Recipe] = &[
    Recipe::Taint {
        name: "ldap-injection",
        version: 1,
        cwe: CweId(90),
        sinks: &[
            Sink {
                name: "ldap3-search-fstring",
                input: Input::Text,
                imports: &["import os", "from ldap3 import Connection, Server"],
                setup: "LDAP_SERVER = Server(\"ldaps://$host\", use_ssl=True)\nBIND_DN = \"cn=$user,ou=services,dc=example,dc=com\"",
                vulnerable: r#"with Connection(LDAP_SERVER, user=BIND_DN, password=os.environ["LDAP_BIND_PASSWORD"], auto_bind=True) as $conn:
    $conn.search("ou=people,dc=example,dc=com", f"(uid={$v})", attributes=["cn", "mail"])  #@
    $out = [entry.entry_to_json() for entry in $conn.entries]
"#,
                fixed: &[
                    Fix {
                        imports: &["from ldap3.utils.conv import escape_filter_chars"],
                        body: r#"with Connection(LDAP_SERVER, user=BIND_DN, password=os.environ["LDAP_BIND_PASSWORD"], auto_bind=True) as $conn:
    $conn.search("ou=people,dc=example,dc=com", f"(uid={escape_filter_chars($v)})", attributes=["cn", "mail"])  #@
    $out = [entry.entry_to_json() for entry in $conn.entries]
"#,
                        why: WHY_LDAP_ESCAPE,
                    },
                    Fix {
                        imports: &["import re"],
                        body: r#"if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", $v):  #@
    raise ValueError("invalid user id")
with Connection(LDAP_SERVER, user=BIND_DN, password=os.environ["LDAP_BIND_PASSWORD"], auto_bind=True) as $conn:
    $conn.search("ou=people,dc=example,dc=com", f"(uid={$v})", attributes=["cn", "mail"])
    $out = [entry.entry_to_json() for entry in $conn.entries]
"#,
                        why: WHY_LDAP_PATTERN,
                    },
                ],
                why: "`$v` is formatted into the LDAP filter, so `*` or `)(` in it widens the search to other \
                      entries.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "ldap3-and-filter-concat",
                input: Input::Text,
                imports: &["import os", "from ldap3 import SUBTREE, Connection, Server"],
                setup: "LDAP_SERVER = Server(\"ldaps://$host\", use_ssl=True)",
                vulnerable: r#"search_filter = "(&(objectClass=person)(memberOf=cn=staff,ou=groups,dc=example,dc=com)(mail=" + $v + "))"
$conn = Connection(LDAP_SERVER, user="cn=$user,dc=example,dc=com", password=os.environ["LDAP_BIND_PASSWORD"])
$conn.bind()
$conn.search("dc=example,dc=com", search_filter, search_scope=SUBTREE, attributes=["cn", "telephoneNumber"])  #@
$out = [str(entry.cn) for entry in $conn.entries]
$conn.unbind()
"#,
                fixed: &[Fix {
                    imports: &["from ldap3.utils.conv import escape_filter_chars"],
                    body: r#"search_filter = "(&(objectClass=person)(memberOf=cn=staff,ou=groups,dc=example,dc=com)(mail=" + escape_filter_chars($v) + "))"  #@
$conn = Connection(LDAP_SERVER, user="cn=$user,dc=example,dc=com", password=os.environ["LDAP_BIND_PASSWORD"])
$conn.bind()
$conn.search("dc=example,dc=com", search_filter, search_scope=SUBTREE, attributes=["cn", "telephoneNumber"])
$out = [str(entry.cn) for entry in $conn.entries]
$conn.unbind()
"#,
                    why: WHY_LDAP_ESCAPE,
                }],
                why: "The filter is concatenated from `$v`, so a value like `*)(objectClass=*` drops the group \
                      condition and lists every entry.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "ldap3-prefix-search",
                input: Input::Text,
                imports: &["from ldap3 import Connection, Server"],
                setup: "LDAP_SERVER = Server(\"ldap://$host\")",
                vulnerable: r#"with Connection(LDAP_SERVER, auto_bind=True) as $conn:
    $conn.search("ou=people,dc=example,dc=com", "(cn=%s*)" % $v, attributes=["cn", "mail"], size_limit=$limit)  #@
    $out = [{"cn": str(e.cn), "mail": str(e.mail)} for e in $conn.entries]
"#,
                fixed: &[Fix {
                    imports: &["from ldap3.utils.conv import escape_filter_chars"],
                    body: r#"with Connection(LDAP_SERVER, auto_bind=True) as $conn:
    $conn.search("ou=people,dc=example,dc=com", "(cn=%s*)" % escape_filter_chars($v), attributes=["cn", "mail"], size_limit=$limit)  #@
    $out = [{"cn": str(e.cn), "mail": str(e.mail)} for e in $conn.entries]
"#,
                    why: WHY_LDAP_ESCAPE,
                }],
                why: "The autocomplete filter is built with `%` from `$v`, so parentheses in it add conditions \
                      of the caller's choosing to the search.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "python-ldap-search-s",
                input: Input::Text,
                imports: &["import os", "import ldap"],
                setup: "BIND_DN = \"cn=$user,ou=services,dc=example,dc=com\"",
                vulnerable: r#"$conn = ldap.initialize("ldap://$host")
$conn.simple_bind_s(BIND_DN, os.environ["LDAP_BIND_PASSWORD"])
entries = $conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, "(mail=%s)" % $v, ["cn", "mail"])  #@
$out = [dn for dn, _attrs in entries]
"#,
                fixed: &[
                    Fix {
                        imports: &["from ldap.filter import filter_format"],
                        body: r#"$conn = ldap.initialize("ldap://$host")
$conn.simple_bind_s(BIND_DN, os.environ["LDAP_BIND_PASSWORD"])
entries = $conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, filter_format("(mail=%s)", [$v]), ["cn", "mail"])  #@
$out = [dn for dn, _attrs in entries]
"#,
                        why: "`ldap.filter.filter_format` escapes each value before placing it in the filter, so \
                              `$v` cannot add filter syntax.",
                    },
                    Fix {
                        imports: &["from ldap.filter import escape_filter_chars"],
                        body: r#"$conn = ldap.initialize("ldap://$host")
$conn.simple_bind_s(BIND_DN, os.environ["LDAP_BIND_PASSWORD"])
entries = $conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, "(mail=%s)" % escape_filter_chars($v), ["cn", "mail"])  #@
$out = [dn for dn, _attrs in entries]
"#,
                        why: WHY_LDAP_ESCAPE,
                    },
                ],
                why: "`search_s` receives a filter %-formatted from `$v`, so the caller can rewrite the LDAP query.",
                frameworks: &[],
                constant_is_safe: true,
            },
        ],
    },
    Recipe::Taint {
        name: "xpath-injection",
        version: 1,
        cwe: CweId(643),
        sinks: &[
            Sink {
                name: "lxml-xpath-fstring",
                input: Input::Text,
                imports: &["import os", "from lxml import etree"],
                setup: "$dir = \"$dirpath\"\nCATALOG = etree.parse(os.path.join($dir, \"$table.xml\"))",
                vulnerable: r#"matches = CATALOG.xpath(f"//$entity[$col='{$v}']/@id")  #@
$out = [str(m) for m in matches]
"#,
                fixed: &[
                    Fix {
                        imports: &[],
                        body: r#"matches = CATALOG.xpath("//$entity[$col=$Q]/@id", Q=$v)  #@
$out = [str(m) for m in matches]
"#,
                        why: WHY_XPATH_VAR,
                    },
                    Fix {
                        imports: &["import re"],
                        body: r#"if not re.fullmatch(r"[\w .-]{1,80}", $v):  #@
    raise ValueError("unexpected characters")
matches = CATALOG.xpath(f"//$entity[$col='{$v}']/@id")
$out = [str(m) for m in matches]
"#,
                        why: "`$v` may only hold word characters, spaces, dots and hyphens, so it cannot close the \
                              quoted string in the XPath expression.",
                    },
                ],
                why: "`$v` is formatted into the XPath expression, so a quote in it can add `or '1'='1'` and \
                      return every node.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "lxml-xpath-login",
                input: Input::Text,
                imports: &["from lxml import etree"],
                setup: "ACCOUNTS = etree.parse(\"/etc/app/accounts.xml\")",
                vulnerable: r#"query_expr = "//account[username='" + $v + "' and enabled='true']/role/text()"
roles = ACCOUNTS.xpath(query_expr)  #@
$out = {"roles": [str(r) for r in roles]}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"query_expr = "//account[username=$Q and enabled='true']/role/text()"
roles = ACCOUNTS.xpath(query_expr, Q=$v)  #@
$out = {"roles": [str(r) for r in roles]}
"#,
                    why: WHY_XPATH_VAR,
                }],
                why: "The XPath query is concatenated from `$v`, so `' or '1'='1` returns the roles of every \
                      account.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "lxml-compiled-xpath",
                input: Input::Text,
                imports: &["from lxml import etree"],
                setup: "FEED = etree.parse(\"/srv/app/feeds/$table.xml\")",
                vulnerable: r#"finder = etree.XPath("//item[contains(title, '%s')]/link/text()" % $v)  #@
$out = [str(link) for link in finder(FEED)][:$limit]
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"finder = etree.XPath("//item[contains(title, $Q)]/link/text()")  #@
$out = [str(link) for link in finder(FEED, Q=$v)][:$limit]
"#,
                    why: WHY_XPATH_VAR,
                }],
                why: "`etree.XPath` compiles an expression %-formatted from `$v`, so the search text can change \
                      which nodes are selected.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "lxml-element-xpath-format",
                input: Input::Text,
                imports: &["from lxml import etree"],
                setup: "SETTINGS = etree.parse(\"/etc/app/settings.xml\").getroot()",
                vulnerable: r#"nodes = SETTINGS.xpath("./section[@name='{}']/option".format($v))  #@
$out = {n.get("key"): n.text for n in nodes}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"nodes = SETTINGS.xpath("./section[@name=$Q]/option", Q=$v)  #@
$out = {n.get("key"): n.text for n in nodes}
"#,
                    why: WHY_XPATH_VAR,
                }],
                why: "The section name `$v` is inserted with `.format()`, so a quote in it lets the caller select \
                      other sections, secrets included.",
                frameworks: &[],
                constant_is_safe: true,
            },
        ],
    },
];
