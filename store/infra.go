package store

import (
	"context"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
)

// KindRelated is a domain found through infrastructure it shares with a
// watched domain (feeds, `related`): like a look-alike, it is watched on
// the look-alike watch's light schedule, outside the watchlist proper.
const KindRelated = event.DomainRelated

// InfraKey is one piece of infrastructure a domain was seen on: a name
// server, an address, a certificate key... Kind is one of monitor/infra's
// key kinds; Value is normalized by whoever extracted it.
type InfraKey struct {
	Kind  string
	Value string
}

// DomainKey is one key of a domain, with when the domain was first and
// last seen on it and how many domains share it (its pivot count).
type DomainKey struct {
	InfraKey
	FirstSeen time.Time
	LastSeen  time.Time
	Count     int
}

// KeyDomain is a domain seen on a key.
type KeyDomain struct {
	Domain    string
	Kind      string // the domain's kind (KindWatch, KindRelated...)
	State     string
	FirstSeen time.Time
	LastSeen  time.Time
}

// Share is another domain seen on one of a domain's keys (Related).
type Share struct {
	KeyDomain
	Source  string // the other domain's source
	AddedAt time.Time
	Key     InfraKey
	Count   int // domains on the key
}

// InfraWatch is a watched piece of infrastructure: a name server host
// (kind ns), an address or CIDR (ip), an origin AS ("AS64500", asn).
type InfraWatch struct {
	Kind    string
	Value   string
	Note    string
	AddedAt time.Time
}

// MaxKeysPerObservation bounds the keys one ObserveKeys call takes.
const MaxKeysPerObservation = 256

// Infra is the read side of infrastructure keys and the infrastructure
// watchlist. All methods are safe for concurrent use.
type Infra interface {
	// DomainKeys lists every key a domain was ever seen on (kept as
	// history), with its pivot count, by kind then value; ErrNotFound if
	// the domain has no row.
	DomainKeys(ctx context.Context, name string) ([]DomainKey, error)
	// KeyDomains lists the domains seen on a key, most recently seen
	// first, at most limit (0: 1000), and the key's pivot count.
	KeyDomains(ctx context.Context, key InfraKey, limit int) ([]KeyDomain, int, error)
	// Related lists, for every key of the domain shared by at most
	// maxCount domains, the other domains on it, at most limit rows
	// (0: 5000); ErrNotFound if the domain has no row.
	Related(ctx context.Context, name string, maxCount, limit int) ([]Share, error)
	// KeysDomains lists the domains on any of keys whose pivot count is
	// at most maxCount, at most limit rows (feeds: which watched domains a
	// candidate's keys lead to).
	KeysDomains(ctx context.Context, keys []InfraKey, maxCount, limit int) ([]Share, error)
	// WatchedKeys lists the keys of the given kinds that enabled watched
	// domains (kinds watch and brand) were seen on and that at most
	// maxCount domains share, with the watched domain on each, at most
	// limit rows (0: 100000): what feeds match candidates against.
	WatchedKeys(ctx context.Context, kinds []string, maxCount, limit int) ([]Share, error)
	// AddInfraWatches adds entries in one transaction, all or none, and
	// returns how many were new. Idempotent.
	AddInfraWatches(ctx context.Context, ws []InfraWatch) (int, error)
	// RemoveInfraWatches removes entries and returns how many existed.
	RemoveInfraWatches(ctx context.Context, ws []InfraWatch) (int, error)
	// InfraWatches lists the infrastructure watchlist by kind and value.
	InfraWatches(ctx context.Context) ([]InfraWatch, error)
}
