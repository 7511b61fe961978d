package lifecycle

import (
	"slices"
	"strings"

	"github.com/takedownhq/takedown/internal/base/event"
)

// Parking tells which parking signatures (state parked) a domain's name
// servers and page match, by signature id: the look-alike watch's parking
// signals. ns are host names; title and text the page's (cut as the
// verdict cuts them).
func (ind *Indicators) Parking(ns []string, title, text string) (byNS, byPage []string) {
	title = strings.ToValidUTF8(title[:min(len(title), maxScanTitle)], "\uFFFD")
	title = strings.TrimSpace(strings.Join(strings.Fields(title), " "))
	text = strings.ToValidUTF8(text[:min(len(text), maxScanText)], "\uFFFD")
	body := newScanText(text)
	for _, s := range ind.Signatures {
		if s.State != event.StateParked {
			continue
		}
		switch s.Kind {
		case KindNSSuffix:
			for _, h := range ns {
				if _, ok := s.matchHost(strings.TrimSuffix(strings.ToLower(h), ".")); ok {
					byNS = appendUnique(byNS, s.ID)
				}
			}
		case KindHTTPTitle:
			if title != "" && s.matchText(title) {
				byPage = appendUnique(byPage, s.ID)
			}
		case KindHTTPBody:
			if text != "" && slices.ContainsFunc(s.matchers, func(m textMatcher) bool { return m.find(body) != nil }) {
				byPage = appendUnique(byPage, s.ID)
			}
		}
	}
	return byNS, byPage
}
