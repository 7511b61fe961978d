package store

import "time"

// What a driver's write means is the same on every driver; the pieces of
// it that are not SQL live here, so the drivers cannot drift apart.

// MergeLookalike is what UpsertLookalike keeps when (brand, name) exists:
// triage and history own first_seen, status and registered_seen; an
// unknown registration answer never overwrites a known one (a timeout says
// nothing about registration); the better fuzzer score stays; empty fields
// of l leave old's. newly reports the first time the name is seen
// registered, dated l.LastChecked or else now.
func MergeLookalike(old, l Lookalike, now time.Time) (merged Lookalike, newly bool) {
	newly = l.Registered == RegYes && old.RegisteredSeen.IsZero()
	merged = old
	if l.Registered != RegUnknown && l.Registered != "" {
		merged.Registered = l.Registered
	}
	if newly {
		merged.RegisteredSeen = firstSet(l.LastChecked, now)
	}
	if !l.LastChecked.IsZero() {
		merged.LastChecked = l.LastChecked
	}
	if !l.Created.IsZero() {
		merged.Created = l.Created
	}
	if l.DNS != nil {
		merged.DNS = l.DNS
	}
	if l.Score > merged.Score {
		merged.Score = l.Score
	}
	if merged.Fuzzer == "" {
		merged.Fuzzer = l.Fuzzer
	}
	if merged.Source == "" {
		merged.Source = l.Source
	}
	return merged, newly
}

// Deliveries are the outbox rows the router gives a just-written event,
// each with its idempotency key; a delivery without NotBefore is due now.
func Deliveries(r Router, ev Event, now time.Time) []OutboxItem {
	ds := r(ev)
	out := make([]OutboxItem, 0, len(ds))
	for _, d := range ds {
		out = append(out, OutboxItem{EventID: ev.ID, Channel: d.Channel, Recipient: d.Recipient,
			NextTry: firstSet(d.NotBefore, now), CreatedAt: now, IdempotencyKey: IdempotencyKey(ev.ID, d.Channel, d.Recipient)})
	}
	return out
}

func firstSet(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}
