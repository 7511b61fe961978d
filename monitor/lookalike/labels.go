package lookalike

import "strings"

// KindLabel: the brand used as a label of a longer name, left of the
// registrable domain: paypal.com.secure-login.top (the brand's whole
// domain as labels), paypal.secure-login.top (its label alone),
// login-paypal.verify-account.xyz (inside a label, with keywords or
// hyphens around it). Phishing kits use these on cheap or free domains
// because the address bar starts with the brand.
const KindLabel = "label"

// Scores of brand-label matches.
const (
	scoreLabelDomain  = 0.9  // paypal.com.secure-login.top
	scoreLabelWhole   = 0.85 // paypal.secure-login.top
	scoreLabelKeyword = 0.8  // login-paypal.…, paypallogin.…
	scoreLabelToken   = 0.75 // paypal-x7k2.… : a hyphen-separated token
)

// matchBrandLabels: the brand in the labels left of the registrable
// domain. Short brands (below MinEditLen) match only as their whole domain
// (ups.com.track-parcel.top): "ups" as a label is everywhere.
func (ix *Index) matchBrandLabels(q *query, b *best) {
	if b.Score >= scoreLabelDomain {
		return
	}
	end := len(q.name) - len(q.label) - len(q.suffix) - 1 // the registrable domain starts here
	if end <= 1 {
		return
	}
	if ix.isBrand(q.label, q.suffix) {
		return // the brand's own subdomains
	}
	sub := q.name[:end-1]
	for sub != "" {
		l, rest, _ := strings.Cut(sub, ".")
		ix.brandInLabel(b, l, rest)
		sub = rest
	}
}

func (ix *Index) isBrand(label, suffix string) bool {
	for e := ix.exact.find(hashBytes(label)); e >= 0; e = ix.exact.next(e) {
		if b := &ix.brands[ix.exact.brand(e)]; b.label == label && b.suffix == suffix {
			return true
		}
	}
	return false
}

// brandInLabel judges one label l; next is what follows it.
func (ix *Index) brandInLabel(bm *best, l, next string) {
	if l == "" || len(l) > 63 || !isASCII(l) {
		return
	}
	for e := ix.exact.find(hashBytes(l)); e >= 0; e = ix.exact.next(e) {
		b := &ix.brands[ix.exact.brand(e)]
		if b.label != l {
			continue
		}
		switch {
		case next == b.suffix || strings.HasPrefix(next, b.suffix+"."):
			bm.consider(Match{Brand: b.name, Kind: KindLabel, Score: scoreLabelDomain})
		case !b.short:
			bm.consider(Match{Brand: b.name, Kind: KindLabel, Score: scoreLabelWhole})
		}
	}
	if bm.Score >= scoreLabelKeyword {
		return
	}
	text := []byte(l) // sub-labels are rare next to registrable labels: allocation accepted
	ix.acRaw.scan(text, func(id int32, start, end int) {
		b := &ix.brands[id]
		if b.short || (start == 0 && end == len(text)) {
			return
		}
		left, right := text[:start], text[end:]
		okL, wordL := onlyKeywords(ix.kwRaw, "0123456789", left)
		okR, wordR := onlyKeywords(ix.kwRaw, "0123456789", right)
		switch {
		case okL && okR && (wordL || wordR):
			bm.consider(Match{Brand: b.name, Kind: KindLabel, Score: scoreLabelKeyword})
		case (len(left) == 0 || left[len(left)-1] == '-') && (len(right) == 0 || right[0] == '-'):
			bm.consider(Match{Brand: b.name, Kind: KindLabel, Score: scoreLabelToken})
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
