package lookalike

import (
	"math"
	"strings"
)

// Suspicion scores a host name the way x0rz's phishing_catcher scores
// Certificate Transparency names (catch_phishing.py, score_domain), with
// the watched brands as its high-weight keywords:
//
//   - +20 for a suffix phishing kits favour (SuspiciousTLDs);
//   - the public suffix is then removed, and Shannon entropy × 10 added;
//   - +10 when the first word is com, net or org (a fake .com:
//     *.com-account-management.info);
//   - each suspicious keyword present adds its weight (SuspicionKeywords);
//     each brand label present adds 70;
//   - +70 for each word one edit away from a brand label (paypa1, paypall);
//   - with four hyphens or more, 3 per hyphen; with three dots or more,
//     3 per dot (www.paypal.com.security.accountupdate.gq).
//
// phishing_catcher reports 65 and up as potential, 80 likely, 90 high and
// 100 suspicious; SuspicionAlert is its "likely". The figure goes with a
// feed's match as a second opinion: it ranks names, it does not find them.
func (ix *Index) Suspicion(host string) int {
	host = strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(host), "."), "*.")
	score := 0
	for _, t := range SuspiciousTLDs {
		if strings.HasSuffix(host, "."+t) {
			score += 20
			break
		}
	}
	if _, suffix, ok := ix.split(host); ok {
		host = host[:len(host)-len(suffix)-1]
	}
	score += int(math.Round(entropy(host) * 10))
	words := strings.FieldsFunc(host, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
	if len(words) > 0 && (words[0] == "com" || words[0] == "net" || words[0] == "org") {
		score += 10
	}
	for _, k := range SuspicionKeywords {
		if strings.Contains(host, k.Word) {
			score += k.Weight
		}
	}
	for i := range ix.brands {
		b := &ix.brands[i]
		if b.short {
			continue
		}
		if strings.Contains(host, b.label) {
			score += 70
		}
		for _, w := range words {
			if w != "email" && w != "mail" && w != "cloud" && oneEdit([]byte(w), b.label) {
				score += 70
			}
		}
	}
	if !strings.Contains(host, "xn--") {
		if n := strings.Count(host, "-"); n >= 4 {
			score += 3 * n
		}
	}
	if n := strings.Count(host, "."); n >= 3 {
		score += 3 * n
	}
	return score
}

// SuspicionAlert is phishing_catcher's "likely" threshold.
const SuspicionAlert = 80

// SuspiciousTLDs are the suffixes phishing_catcher's suspicious.yaml
// weighs (+20).
var SuspiciousTLDs = strings.Fields(`ga gq ml cf tk xyz pw cc club work top support bank info study click country
stream gdn mom xin kim men loan download racing online center ren gb win review vip party tech science business`)

// SuspicionKeyword is a word and what it adds to Suspicion.
type SuspicionKeyword struct {
	Word   string
	Weight int
}

// SuspicionKeywords follow phishing_catcher's suspicious.yaml: account and
// credential words weigh 25, service words 15, generic ones 10. Brand
// names are not here: the watched brands are (70 each).
var SuspicionKeywords = []SuspicionKeyword{
	{"login", 25}, {"log-in", 25}, {"sign-in", 25}, {"signin", 25}, {"account", 25}, {"verification", 25},
	{"verify", 25}, {"webscr", 25}, {"password", 25}, {"credential", 25}, {"support", 25}, {"activity", 25},
	{"security", 25}, {"update", 25}, {"authentication", 25}, {"authenticate", 25}, {"authorize", 25},
	{"wallet", 25}, {"alert", 25}, {"purchase", 25}, {"transaction", 25}, {"recover", 25}, {"unlock", 25},
	{"confirm", 20}, {"live", 15}, {"office", 15}, {"service", 15}, {"manage", 15}, {"portal", 15},
	{"invoice", 15}, {"secure", 10}, {"customer", 10}, {"client", 10}, {"bill", 10}, {"online", 10},
	{"safe", 10}, {"form", 10},
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	var e float64
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			e -= p * math.Log2(p)
		}
	}
	return e
}
