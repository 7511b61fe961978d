package storetest

import (
	"testing"
	"time"
)

// revokedSessionKeepsTheLaterEnd: a revoked session stays revoked until
// the later of its ends, a second revocation with an earlier end
// notwithstanding, and is dropped once a revocation comes after it.
func revokedSessionKeepsTheLaterEnd(t *testing.T, s Store) {
	revoked := func(id string) bool {
		t.Helper()
		ok, err := s.SessionRevoked(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	revoke := func(id string, until, now time.Time) {
		t.Helper()
		if err := s.RevokeSession(ctx, id, until, now); err != nil {
			t.Fatal(err)
		}
	}
	if revoked("a") {
		t.Fatal("a session never revoked reads as revoked")
	}
	revoke("a", t0.Add(2*time.Hour), t0)
	revoke("a", t0.Add(time.Hour), t0) // the earlier end must not win
	if !revoked("a") || revoked("b") {
		t.Fatalf("after revoking a: a %v b %v, want true false", revoked("a"), revoked("b"))
	}
	revoke("b", t0.Add(3*time.Hour), t0.Add(90*time.Minute))
	if !revoked("a") {
		t.Fatal("a was dropped at 1h30 though its later end is 2h")
	}
	revoke("c", t0.Add(4*time.Hour), t0.Add(150*time.Minute))
	if revoked("a") || !revoked("b") || !revoked("c") {
		t.Fatalf("at 2h30: a %v b %v c %v, want false true true", revoked("a"), revoked("b"), revoked("c"))
	}
}
