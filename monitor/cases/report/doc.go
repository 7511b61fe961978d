// Package report turns a takedown case's evidence into the reports a
// registrar, a hosting network or a sharing community reads: an e-mail
// (eml), XARF v4 JSON, a Markdown summary, a MISP event and a STIX 2.1
// bundle.
//
// The package is pure: it reads an Evidence filled by the caller and writes
// bytes, with no store, network or clock of its own beyond Evidence.Generated.
// Every value in an Evidence may be hostile (a page title, a WHOIS field with
// CR/LF, HTML, bidi controls); each encoder keeps it inert for its format.
package report
