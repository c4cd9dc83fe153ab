//! CWE-611 XML external entities: lxml parsers that resolve entities or load DTDs over the network,
//! and `xml.sax` / `xml.dom.pulldom` with external general entities turned on, over request bodies.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_LXML_OFF: &str = "The parser neither resolves entities nor touches the network, so a `<!ENTITY>` in the \
                            document cannot pull in local files or URLs.";
const WHY_DEFUSED: &str = "defusedxml refuses documents that declare entities or reference external resources.";
const WHY_GES_OFF: &str = "External general entities stay disabled, so the parser never fetches the files or URLs \
                           an entity declaration names.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "xml-external-entities",
    version: 1,
    cwe: CweId(611),
    sinks: &[
        Sink {
            name: "lxml-resolve-entities",
            input: Input::Payload,
            imports: &["from lxml import etree"],
            setup: "",
            vulnerable: r#"xml_parser = etree.XMLParser(resolve_entities=True)  #@
root = etree.fromstring($v, parser=xml_parser)
$out = [el.text for el in root.iter("$col")]
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"xml_parser = etree.XMLParser(resolve_entities=False, no_network=True)  #@
root = etree.fromstring($v, parser=xml_parser)
$out = [el.text for el in root.iter("$col")]
"#,
                    why: WHY_LXML_OFF,
                },
                Fix {
                    imports: &["import defusedxml.ElementTree as ET"],
                    body: r#"root = ET.fromstring($v)  #@
$out = [el.text for el in root.iter("$col")]
"#,
                    why: WHY_DEFUSED,
                },
            ],
            why: "The lxml parser is built with `resolve_entities=True`, so an external entity in the uploaded \
                  XML is replaced by the contents of a local file.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "lxml-load-dtd-network",
            input: Input::Payload,
            imports: &["import io", "from lxml import etree"],
            setup: "",
            vulnerable: r#"xml_parser = etree.XMLParser(load_dtd=True, no_network=False)  #@
doc = etree.parse(io.BytesIO($v), xml_parser)
$out = {"root": doc.getroot().tag, "count": len(doc.findall(".//$entity"))}
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"xml_parser = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False)  #@
doc = etree.parse(io.BytesIO($v), xml_parser)
$out = {"root": doc.getroot().tag, "count": len(doc.findall(".//$entity"))}
"#,
                why: WHY_LXML_OFF,
            }],
            why: "With `load_dtd=True, no_network=False` lxml fetches whatever DTD the document names, so the \
                  request makes the server load external URLs and their entities.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "sax-external-ges",
            input: Input::Payload,
            imports: &["import io", "import xml.sax", "import xml.sax.handler"],
            setup: r#"class _TextCollector(xml.sax.handler.ContentHandler):
    def __init__(self):
        super().__init__()
        self.values = []

    def characters(self, text):
        if text.strip():
            self.values.append(text.strip())"#,
            vulnerable: r#"collector = _TextCollector()
sax_parser = xml.sax.make_parser()
sax_parser.setFeature(xml.sax.handler.feature_external_ges, True)  #@
sax_parser.setContentHandler(collector)
sax_parser.parse(io.BytesIO($v))
$out = collector.values[:$limit]
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"collector = _TextCollector()
sax_parser = xml.sax.make_parser()
sax_parser.setFeature(xml.sax.handler.feature_external_ges, False)  #@
sax_parser.setContentHandler(collector)
sax_parser.parse(io.BytesIO($v))
$out = collector.values[:$limit]
"#,
                why: WHY_GES_OFF,
            }],
            why: "The SAX parser has `feature_external_ges` switched on, so entities in the request body are \
                  read from local files or URLs.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "pulldom-external-ges",
            input: Input::Payload,
            imports: &["import io", "import xml.sax", "import xml.sax.handler", "from xml.dom import pulldom"],
            setup: "",
            vulnerable: r#"sax_parser = xml.sax.make_parser()
sax_parser.setFeature(xml.sax.handler.feature_external_ges, True)  #@
stream = pulldom.parse(io.BytesIO($v), parser=sax_parser)
titles = []
for kind, node in stream:
    if kind == pulldom.START_ELEMENT and node.tagName == "$col":
        stream.expandNode(node)
        titles.append(node.firstChild.data if node.firstChild else "")
$out = titles
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"sax_parser = xml.sax.make_parser()
sax_parser.setFeature(xml.sax.handler.feature_external_ges, False)  #@
stream = pulldom.parse(io.BytesIO($v), parser=sax_parser)
titles = []
for kind, node in stream:
    if kind == pulldom.START_ELEMENT and node.tagName == "$col":
        stream.expandNode(node)
        titles.append(node.firstChild.data if node.firstChild else "")
$out = titles
"#,
                why: WHY_GES_OFF,
            }],
            why: "`pulldom` parses the request body with a SAX parser whose external general entities are \
                  enabled, so `<!ENTITY x SYSTEM \"file:///...\">` is expanded.",
            frameworks: &[],
            constant_is_safe: false,
        },
    ],
}];
