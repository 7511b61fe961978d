// Package infra turns a domain's snapshots into infrastructure keys (name
// servers, addresses, prefixes, origin AS, mail exchanges, certificate
// and key hashes, favicon and page hashes, tracker IDs, SOA RNAME,
// registrant) and judges them: a key shared by too many domains, or run
// by a mass provider (providers.yaml), is common and never alone relates
// two domains. It reads stored snapshot JSON only, so it imports no probe
// and no database; the store keeps the keys with first and last seen.
package infra
