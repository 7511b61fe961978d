// Package whoisprobe reads a domain's registration from its registry, over
// RDAP (github.com/openrdap/rdap) and WHOIS (github.com/likexian/whois,
// parsed by github.com/likexian/whois-parser), into one normalized Record.
//
// Both probes treat the network as hostile: replies are capped at MaxReply
// bytes and the configured timeout, binary or unparseable text is an error,
// and text fields are cleaned (valid UTF-8, no control characters, bounded
// length). Every query waits on a shared ratelimit.Limiter keyed by server,
// and refusals, resets, timeouts, "rate limit exceeded" replies and HTTP
// 429/5xx penalise that server.
//
// The one rule callers rely on: an error (always wrapping ErrProbeFailed)
// says nothing about the domain, while Record.Found == false is the
// registry's own "no match" / RDAP 404.
//
// Servers: WHOIS uses config.Network.WhoisServers (longest suffix match),
// then the embedded TLD table of package regdata (when the referral server
// is IANA's), then config.Network.WhoisReferral (IANA style "refer:" lines;
// the referral is cached per TLD for a day in the Limiter). RDAP asks a
// regdata.Registry: config.Network.RDAPURL if set, else IANA's bootstrap
// (embedded, refreshed, or config.Network.RDAPBootstrap), else the ccTLD
// override table.
package whoisprobe
