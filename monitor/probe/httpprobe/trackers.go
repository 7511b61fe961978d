package httpprobe

import (
	"regexp"
	"strings"
)

// MaxTrackers bounds the tracker IDs kept from one page: a page can carry
// any number of tracker-like strings, and each kept one is a pivot key.
const MaxTrackers = 20

// trackerRE finds the analytics and advertising IDs analysts pivot on:
// Google Analytics (UA-, G-), Google Tag Manager (GTM-), Yandex Metrica
// (its counter's init call or watch URL) and the Facebook pixel's init.
// Each alternative has one capture group; trackerPrefix says how the
// match is recorded.
var trackerRE = regexp.MustCompile(`\b(UA-[0-9]{4,10}-[0-9]{1,4})\b` +
	`|\b(G-[A-Z0-9]{8,12})\b` +
	`|\b(GTM-[A-Z0-9]{4,9})\b` +
	`|\bym\(\s*([0-9]{5,12})\s*,\s*['"]init['"]` +
	`|mc\.yandex\.ru/watch/([0-9]{5,12})` +
	`|fbq\(\s*['"]init['"]\s*,\s*['"]([0-9]{10,20})['"]`)

var trackerPrefix = []string{"", "", "", "ym:", "ym:", "fbq:"}

// trackers collects distinct tracker IDs, at most MaxTrackers.
type trackers struct {
	list []string
	seen map[string]bool
}

// scan adds the tracker IDs in b (script text or an asset URL).
func (t *trackers) scan(b []byte) {
	if len(t.list) >= MaxTrackers {
		return
	}
	for _, m := range trackerRE.FindAllSubmatchIndex(b, -1) {
		for g := 1; g < len(m)/2; g++ {
			if m[2*g] < 0 {
				continue
			}
			id := trackerPrefix[g-1] + string(b[m[2*g]:m[2*g+1]])
			// A GA4 ID is letters and digits; one of only letters is a
			// word (G-SOMETHING), not an ID.
			if strings.HasPrefix(id, "G-") && !strings.ContainsAny(id[2:], "0123456789") {
				continue
			}
			if t.seen == nil {
				t.seen = map[string]bool{}
			}
			if !t.seen[id] {
				t.seen[id] = true
				t.list = append(t.list, id)
			}
			if len(t.list) >= MaxTrackers {
				return
			}
		}
	}
}
