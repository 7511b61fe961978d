// Package report turns a takedown case's evidence into the reports a
// registrar, a hosting network or a sharing community reads: an e-mail
// (eml), XARF v4 JSON, a Markdown summary, a MISP event and a STIX 2.1
// bundle.
//
// The package is pure: it reads an Evidence filled by the caller (the
// cases package, from the store) and writes bytes, with no store, network
// or clock of its own beyond Evidence.Generated. It imports nothing of
// takedown's, so it sits on the layer of the other rule packages.
//
// Every value in an Evidence may be hostile (a page title, a WHOIS field
// with CR/LF, HTML, bidi controls). Encode first makes one cleaned copy:
// one-line text loses its control characters and shows bidi controls as
// "<U+202E>", e-mail addresses, host names, IP addresses and URLs are kept
// only when they parse (URLs only as http or https, re-encoded), figures
// JSON cannot carry are dropped, and every list and string is bounded.
// Each encoder then applies its own quoting: encoding/json for the JSON
// formats, RFC 2047 and MIME for eml, entities and backslash escapes (and
// defanged URLs, hxxps://example[.]com) for Markdown.
//
// No report carries a file over MaxAttachment, the store's screenshot cap:
// a larger screenshot is left out, and the evidence JSON is shrunk to fit;
// what was left out is said in the report.
//
// The formats, as read from their public specifications:
//
//   - eml: RFC 5322 multipart/mixed with a text/plain summary, the
//     screenshot PNG and the evidence JSON; Evidence.MessageID keeps the
//     Message-ID stable when a report is sent again.
//   - xarf: XARF v4 (xarf/xarf-spec schemas/v4), category content, type
//     phishing, malware, brand_infringement or fraud after the case reason;
//     a domain with "xn--" labels, which the schema's domain pattern does
//     not admit, is named in source_identifier and url only.
//   - md: a summary to paste into a ticket.
//   - misp: a MISP event (MISP core format) with domain-ip, whois, url and
//     x509 objects after the MISP/misp-objects templates, the screenshot as
//     an attachment attribute; instance-local ids (id, event_id, org_id) are
//     left to the MISP instance that imports it; distribution 0 (your
//     organisation only) until the analyst widens it.
//   - stix: a STIX 2.1 bundle with domain-name, url, address and
//     x509-certificate observables (UUIDv5 identifiers, as section 2.9
//     asks, so two producers agree), observed-data, an infrastructure, an
//     indicator with a STIX pattern, a note with the risk reasons and the
//     relationships between them (based-on, indicates, consists-of).
package report
