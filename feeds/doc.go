// Package feeds brings candidate names from outside into the monitor:
// newly registered domain lists (nrd), Certificate Transparency logs (ct)
// and zone files (zone), each matched against the watchlist's brands and
// watched domains.
//
// A feed is a row of the feeds table: a kind (nrd, ct, zone), a URL or
// path, a schedule and an opaque cursor. Runner.Run reads what is new
// since the cursor, passes every candidate name through the Matcher (the
// look-alike index of the watchlist's brands and watched domains, and the
// watched names themselves) and commits what it found together with the
// new cursor in one transaction, batch by batch:
//
//   - nrd: one file per run (or one per day when the URL holds {date}); the
//     cursor holds the file's ETag, Last-Modified and SHA-256 (and its day),
//     so an unchanged file is neither downloaded nor read twice. A file that
//     breaks off (truncated gzip) keeps the matches read before the cut but
//     not the cursor.
//   - ct: RFC 6962 get-sth and get-entries in batches fetched in parallel
//     within a rate limit, riding out 429s; committed in log order, the
//     cursor being the next entry's index. Unparsable entries are logged
//     and skipped. A precertificate and its certificate share issuer and
//     serial: look-alikes are announced once per (brand, name) by the
//     lookalikes table, certificates of watched domains once per issuer and
//     serial by the feed_seen table.
//   - zone: the delegated names of each file are sorted (spilling to disk
//     in chunks) into a gzipped snapshot beside the database; the next file
//     is diffed against it as two sorted streams. The cursor names the
//     snapshot, which is only replaced once the diff's findings are
//     committed. The first file is the baseline and announces nothing.
//
// Events: lookalike_registered (warning) for a new look-alike; cert_issued
// for a certificate naming a watched domain (warning when the domain is
// seized, sinkholed or otherwise taken down); nrd_listed for a watched
// domain on a list; delegation_added and delegation_removed for a watched
// domain entering or leaving its zone.
package feeds
