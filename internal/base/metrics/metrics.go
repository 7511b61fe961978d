// Package metrics holds the Prometheus metrics of takedown: what the daemon
// checked and how it went, the events it raised, the alert outbox and the
// length of its cycles. The daemon updates them through the package
// functions (ObserveCheck, ObserveEvent, SetOutboxDepth, ObserveCycle); the
// web server exposes Default's registry at /metrics.
//
// Label values come from takedown's own code (probe names, outcomes, event
// kinds), never from the network, but they are still squeezed into a small
// alphabet and length so a bug cannot explode the series count.
package metrics

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/takedownhq/takedown/internal/base/event"
)

// Suggested check outcomes. Outcomes are open strings; these are the ones
// the UI and dashboards know.
const (
	OutcomeOK      = "ok"      // answered, nothing changed
	OutcomeChanged = "changed" // answered, a new snapshot was stored
	OutcomeError   = "error"   // failed: refused, SERVFAIL, parse error...
	OutcomeTimeout = "timeout" // failed by deadline
)

// Metrics is one set of takedown's metrics on its own registry.
type Metrics struct {
	reg *prometheus.Registry

	checks       *prometheus.CounterVec
	probeLatency *prometheus.HistogramVec
	events       *prometheus.CounterVec
	outbox       *prometheus.GaugeVec
	domains      *prometheus.GaugeVec
	cycleSeconds prometheus.Gauge
	cycleEnd     prometheus.Gauge
	cycles       prometheus.Counter
	browser      browserMetrics
	registration registration
}

// New builds a fresh set on a new registry that also carries the Go runtime
// and process collectors. Tests use it; the program uses Default.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "takedown", Name: "checks_total",
			Help: "Probe runs by probe kind and outcome (ok, changed, error, timeout).",
		}, []string{"probe", "outcome"}),
		probeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "takedown", Name: "probe_duration_seconds",
			Help: "Time one probe of one domain took, failures included.",
			// From a cached DNS answer to a WHOIS server that makes us wait.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"probe"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "takedown", Name: "events_total",
			Help: "Events written, by kind (state_changed, ns_changed, ...).",
		}, []string{"kind"}),
		outbox: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "takedown", Name: "outbox_depth",
			Help: "Alert outbox rows by status (pending, sent, failed).",
		}, []string{"status"}),
		domains: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "takedown", Name: "domains",
			Help: "Watched domains by lifecycle state.",
		}, []string{"state"}),
		cycleSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "takedown", Name: "last_cycle_duration_seconds",
			Help: "How long the last full check cycle took.",
		}),
		cycleEnd: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "takedown", Name: "last_cycle_end_timestamp_seconds",
			Help: "When the last full check cycle ended (Unix time); alert on staleness.",
		}),
		cycles: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "takedown", Name: "cycles_total",
			Help: "Full check cycles completed.",
		}),
	}
	m.reg.MustRegister(m.checks, m.probeLatency, m.events, m.outbox, m.domains,
		m.cycleSeconds, m.cycleEnd, m.cycles,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.browser = newBrowserMetrics(m.reg)
	m.registration = newRegistration(m.reg)
	return m
}

// Default is the set the daemon and the web server share.
var Default = New()

// Registry is the registry to expose, also usable to add collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveCheck counts one probe run and records its latency.
func (m *Metrics) ObserveCheck(probe event.Probe, outcome string, d time.Duration) {
	p := label(string(probe))
	m.checks.WithLabelValues(p, label(outcome)).Inc()
	m.probeLatency.WithLabelValues(p).Observe(d.Seconds())
}

// ObserveEvent counts one event written.
func (m *Metrics) ObserveEvent(kind event.Kind) { m.events.WithLabelValues(label(string(kind))).Inc() }

// SetOutboxDepth sets the number of outbox rows in one status.
func (m *Metrics) SetOutboxDepth(status string, n int) {
	m.outbox.WithLabelValues(label(status)).Set(float64(n))
}

// SetOutboxDepths sets every status from store.OutboxDepth's answer; the
// usual statuses missing from it are set to zero so a drained queue shows 0,
// not its last non-zero value.
func (m *Metrics) SetOutboxDepths(depth map[string]int) {
	for _, st := range event.Strings(event.OutboxStatuses) {
		if _, ok := depth[st]; !ok {
			m.outbox.WithLabelValues(st).Set(0)
		}
	}
	for st, n := range depth {
		m.SetOutboxDepth(st, n)
	}
}

// SetDomainStates sets the watched-domain gauge from store.CountByState's
// answer, resetting states that are no longer present.
func (m *Metrics) SetDomainStates(counts map[string]int) {
	m.domains.Reset()
	for st, n := range counts {
		m.domains.WithLabelValues(label(st)).Set(float64(n))
	}
}

// ObserveCycle records a completed full cycle that took d and ended at end.
func (m *Metrics) ObserveCycle(d time.Duration, end time.Time) {
	m.cycleSeconds.Set(d.Seconds())
	m.cycleEnd.Set(float64(end.UnixNano()) / 1e9)
	m.cycles.Inc()
}

// ObserveCheck records a probe run on Default. outcome is one of the
// Outcome* values (or another short word).
func ObserveCheck(probe event.Probe, outcome string, d time.Duration) {
	Default.ObserveCheck(probe, outcome, d)
}

// ObserveEvent counts an event of kind on Default.
func ObserveEvent(kind event.Kind) { Default.ObserveEvent(kind) }

// SetOutboxDepth sets Default's outbox gauge for one status.
func SetOutboxDepth(status string, n int) { Default.SetOutboxDepth(status, n) }

// SetOutboxDepths sets Default's outbox gauge from store.OutboxDepth.
func SetOutboxDepths(depth map[string]int) { Default.SetOutboxDepths(depth) }

// SetDomainStates sets Default's domains gauge from store.CountByState.
func SetDomainStates(counts map[string]int) { Default.SetDomainStates(counts) }

// ObserveCycle records a full cycle on Default.
func ObserveCycle(d time.Duration, end time.Time) { Default.ObserveCycle(d, end) }

// label keeps a label value to [a-z0-9_:.-], at most 40 bytes; anything
// else becomes "other", so a stray string cannot mint unbounded series.
func label(s string) string {
	s = strings.ToLower(s)
	if s == "" {
		return "none"
	}
	if len(s) > 40 {
		return "other"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' || r == ':') {
			return "other"
		}
	}
	return s
}
