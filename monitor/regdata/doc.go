// Package regdata says where a name's or an address's registration data
// lives: the RDAP base URL (IANA's RFC 9224 bootstraps for domains, IPv4,
// IPv6 and AS numbers, embedded with their dates, plus a reviewed table of
// ccTLDs that run RDAP outside IANA's file), and the port-43 WHOIS server
// per TLD (IANA's root zone database).
//
// A Registry answers from one Set of files; it sends nothing. Sets come
// from the embedded copies (Embedded), from a directory or a URL holding
// the four bootstrap files (Load, Fetch), or from the database where the
// daemon keeps the last good copy. A Set never gets worse: Better refuses a
// newer file with fewer services than the one in use.
//
// Precedence for a domain's RDAP server: a configured base URL
// (network.rdap_url) over everything; then IANA's entry; then an override
// (the embedded table, extended or replaced per TLD by
// network.rdap_overrides); else none, and WHOIS serves.
package regdata
