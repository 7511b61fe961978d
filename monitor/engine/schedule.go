package engine

import (
	"container/heap"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
)

// offset is a domain's stable place inside an interval, so each schedule's
// work is spread over the interval instead of bursting at the tick, and a
// domain keeps its slot across restarts.
func offset(name string, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return time.Duration(h.Sum64() % uint64(interval))
}

// job is one domain's checks of some probe kinds, due at a time.
type job struct {
	due      time.Time
	domainID int64
	name     string
	kinds    []event.Probe
	index    int // in the heap
	rounds   []*round
}

// round is one tick's sweep over the watchlist; it ends when the last of
// its jobs is done, which gives the cycle duration the metrics report.
type round struct {
	start time.Time
	left  int // jobs not done yet, under queue.mu
}

// queue is a min-heap of jobs by due time that refuses a second pending job
// for the same (domain, kind): when checks lag behind the schedule, ticks
// must not pile up work.
type queue struct {
	mu      sync.Mutex
	items   jobHeap
	pending map[pendingKey]*job
	slots   map[slotKey]*job // jobs still in the heap, by domain and due time
	wake    chan struct{}
}

type slotKey struct {
	domainID int64
	due      int64
}

type pendingKey struct {
	domainID int64
	kind     event.Probe
}

func newQueue() *queue {
	return &queue{pending: map[pendingKey]*job{}, slots: map[slotKey]*job{}, wake: make(chan struct{}, 1)}
}

// push schedules kinds of a domain at due; kinds already pending are
// skipped. A job due at the same instant for the same domain absorbs the
// new kinds, so a domain's probes that share a slot run together.
func (q *queue) push(due time.Time, domainID int64, name string, kinds []event.Probe) int {
	return q.pushRound(due, domainID, name, kinds, nil)
}

// pushRound is push that counts the job in r.
func (q *queue) pushRound(due time.Time, domainID int64, name string, kinds []event.Probe, r *round) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	added := 0
	var j *job
	for _, k := range kinds {
		key := pendingKey{domainID, k}
		if _, ok := q.pending[key]; ok {
			continue
		}
		if j == nil {
			// Probe kinds ticking within the same second share one job:
			// their cron entries fire microseconds apart.
			slot := slotKey{domainID, due.Truncate(time.Second).UnixNano()}
			if j = q.slots[slot]; j == nil {
				j = &job{due: due, domainID: domainID, name: name}
				heap.Push(&q.items, j)
				q.slots[slot] = j
			}
		}
		j.kinds = append(j.kinds, k)
		q.pending[key] = j
		added++
	}
	if added > 0 && r != nil && !slices.Contains(j.rounds, r) {
		j.rounds = append(j.rounds, r)
		r.left++
	}
	if added > 0 {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return added
}

// popDue removes and returns the earliest job if it is due at now, or the
// time until the earliest job otherwise (-1 when empty).
func (q *queue) popDue(now time.Time) (*job, time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil, -1
	}
	top := q.items[0]
	if wait := top.due.Sub(now); wait > 0 {
		return nil, wait
	}
	heap.Pop(&q.items)
	delete(q.slots, slotKey{top.domainID, top.due.Truncate(time.Second).UnixNano()})
	return top, 0
}

// done releases a job's kinds so the next tick can schedule them again. It
// returns the rounds this job finished.
func (q *queue) done(j *job) (finished []*round) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, r := range j.rounds {
		if r.left--; r.left == 0 {
			finished = append(finished, r)
		}
	}
	for _, k := range j.kinds {
		if q.pending[pendingKey{j.domainID, k}] == j {
			delete(q.pending, pendingKey{j.domainID, k})
		}
	}
	return finished
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

type jobHeap []*job

func (h jobHeap) Len() int           { return len(h) }
func (h jobHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h jobHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *jobHeap) Push(x any) {
	j := x.(*job)
	j.index = len(*h)
	*h = append(*h, j)
}
func (h *jobHeap) Pop() any {
	old := *h
	n := len(old)
	j := old[n-1]
	old[n-1] = nil
	j.index = -1
	*h = old[:n-1]
	return j
}
