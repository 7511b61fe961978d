package metrics

import "github.com/prometheus/client_golang/prometheus"

// registration holds the registration-data metrics; New registers them.
type registration struct {
	unknownStatuses prometheus.Counter
	ipRDAP          *prometheus.CounterVec
}

func newRegistration(reg *prometheus.Registry) registration {
	r := registration{
		unknownStatuses: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "takedown", Name: "registration_unknown_statuses_total",
			Help: "Domain statuses read from WHOIS or RDAP that are neither EPP (RFC 5731/3915) nor RDAP (RFC 8056/9083) words; they are kept, not dropped.",
		}),
		ipRDAP: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "takedown", Name: "ip_rdap_lookups_total",
			Help: "Address network lookups by RIR and outcome (cached, fetched, stale, error).",
		}, []string{"rir", "outcome"}),
	}
	reg.MustRegister(r.unknownStatuses, r.ipRDAP)
	return r
}

// ObserveUnknownStatus counts one unknown domain status.
func (m *Metrics) ObserveUnknownStatus() { m.registration.unknownStatuses.Inc() }

// ObserveIPRDAP counts one address lookup of an RIR by outcome.
func (m *Metrics) ObserveIPRDAP(rir, outcome string) {
	m.registration.ipRDAP.WithLabelValues(label(rir), label(outcome)).Inc()
}

// ObserveUnknownStatus counts on Default.
func ObserveUnknownStatus() { Default.ObserveUnknownStatus() }

// ObserveIPRDAP counts on Default.
func ObserveIPRDAP(rir, outcome string) { Default.ObserveIPRDAP(rir, outcome) }
