// Package lookalike finds domains that imitate a brand or a watched
// domain.
//
// Three parts:
//
//   - Generate, a permutation engine: every fuzzer dnstwist has (addition,
//     bitsquatting, cyrillic, homoglyph with the registries' IDN
//     repertoires, hyphenation, insertion, omission, plural, repetition,
//     replacement on qwerty, qwertz and azerty, subdomain, transposition,
//     vowel-swap, various, dictionary, tld-swap) and three more: confusable
//     (Unicode's UTS #39 confusables table, whole), multichar (rn for m, vv
//     for w, cl for d) and combosquatting (Keywords around the label).
//     tld-swap uses CommonTLDs, a list the caller gives, or every ICANN
//     suffix. Output: valid IDNA 2008 names (as monitor/domain checks them),
//     each with its fuzzer and Unicode form, the input left out, no repeats.
//     testdata/dnstwist holds dnstwist's own output for reference domains;
//     the tests require all of it.
//
//   - Checker, Scan and Hunt: registration checks through DNS (DNSChecker,
//     miekg/dns) with bounded concurrency, a rate limit and detection of
//     suffixes that answer for any name; Hunt is one round of brand hunting
//     for the daemon, storing what it finds and writing a
//     lookalike_registered event once per look-alike.
//
//   - Index, the matcher for feeds: built once from many brands, it tells
//     for a candidate name which brand it imitates and how, with a score,
//     without allocating.
//
// The engine works on the Unicode label. Candidates are deduplicated by a
// rolling hash computed before the candidate is built, and every character
// a fuzzer can put into a label was checked once against the real IDNA
// profile, so valid names cost no IDNA call each (verified.go).
package lookalike
