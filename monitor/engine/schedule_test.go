package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
)

func TestOffsetIsStableAndSpread(t *testing.T) {
	const interval = 15 * time.Minute
	buckets := make([]int, 15)
	for i := range 3000 {
		name := fmt.Sprintf("domain-%d.com", i)
		o := offset(name, interval)
		if o < 0 || o >= interval {
			t.Fatalf("offset %v outside [0, %v)", o, interval)
		}
		if o != offset(name, interval) {
			t.Fatal("offset not stable")
		}
		buckets[o/time.Minute]++
	}
	// 3000 names over 15 one-minute buckets: each near 200; a burst would
	// put them all in one.
	for i, n := range buckets {
		if n < 120 || n > 280 {
			t.Errorf("minute %d holds %d of 3000 checks: not spread", i, n)
		}
	}
}

func TestQueueOrdersDedupesAndMerges(t *testing.T) {
	q := newQueue()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q.push(t0.Add(2*time.Second), 1, "b.com", []event.Probe{event.ProbeDNS})
	q.push(t0.Add(1*time.Second), 2, "a.com", []event.Probe{event.ProbeDNS})
	if n := q.push(t0.Add(5*time.Second), 1, "b.com", []event.Probe{event.ProbeDNS}); n != 0 {
		t.Fatal("a second pending dns check of b.com was queued")
	}
	// Same domain, same due: merged into one job.
	q.push(t0.Add(2*time.Second), 1, "b.com", []event.Probe{event.ProbeCert})
	if q.len() != 2 {
		t.Fatalf("queue holds %d jobs, want 2", q.len())
	}
	if j, wait := q.popDue(t0); j != nil || wait != time.Second {
		t.Fatalf("popDue before due = %v, %v", j, wait)
	}
	j, _ := q.popDue(t0.Add(10 * time.Second))
	if j.name != "a.com" {
		t.Fatalf("first job %s, want a.com", j.name)
	}
	j2, _ := q.popDue(t0.Add(10 * time.Second))
	if j2.name != "b.com" || len(j2.kinds) != 2 {
		t.Fatalf("second job %+v", j2)
	}
	// Until done, b.com's dns stays pending; after done it can be queued again.
	if q.push(t0, 1, "b.com", []event.Probe{event.ProbeDNS}) != 0 {
		t.Fatal("queued while the job runs")
	}
	q.done(j2)
	if q.push(t0, 1, "b.com", []event.Probe{event.ProbeDNS}) != 1 {
		t.Fatal("not queued after done")
	}
}

func TestRoundEndsWithItsLastJob(t *testing.T) {
	q := newQueue()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &round{start: t0}
	q.pushRound(t0, 1, "a.com", []event.Probe{event.ProbeDNS}, r)
	q.pushRound(t0.Add(time.Minute), 2, "b.com", []event.Probe{event.ProbeDNS}, r)
	q.pushRound(t0, 1, "a.com", []event.Probe{event.ProbeDelegation}, r) // merged into a.com's job: counted once
	a, _ := q.popDue(t0.Add(time.Hour))
	b, _ := q.popDue(t0.Add(time.Hour))
	if fin := q.done(a); len(fin) != 0 {
		t.Fatal("round ended with a job left")
	}
	if fin := q.done(b); len(fin) != 1 || fin[0] != r {
		t.Fatal("round did not end with its last job")
	}
}
