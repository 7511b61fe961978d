package metrics

import "github.com/prometheus/client_golang/prometheus"

// browserMetrics count what the screenshot browser's keeper had to do.
type browserMetrics struct {
	kills    *prometheus.CounterVec
	restarts prometheus.Counter
}

func newBrowserMetrics(reg *prometheus.Registry) browserMetrics {
	b := browserMetrics{
		kills: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "takedown", Name: "screenshot_browser_kills_total",
			Help: "Screenshot browsers killed by takedown, by reason (memory: past monitor.screenshot_max_mib).",
		}, []string{"reason"}),
		restarts: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "takedown", Name: "screenshot_browser_restarts_total",
			Help: "Screenshot browsers started again after one died or was killed.",
		}),
	}
	reg.MustRegister(b.kills, b.restarts)
	return b
}

// BrowserKilled counts a screenshot browser killed for reason.
func (m *Metrics) BrowserKilled(reason string) { m.browser.kills.WithLabelValues(label(reason)).Inc() }

// BrowserRestarted counts a screenshot browser started after one died.
func (m *Metrics) BrowserRestarted() { m.browser.restarts.Inc() }
