package lifecycle

import (
	"regexp"
	"testing"
)

func TestRequiredLiteral(t *testing.T) {
	for expr, want := range map[string]string{
		`(?i)(domain( name)?|site|website) (has been|was) seized by (the )?(FBI|ICE)`:    " seized by ",
		`(?i)(pursuant to|in accordance with) a seizure warrant issued (by|pursuant to)`: " a seizure warrant issued ",
		`(?i)\b(this )?domain( name)? (registration )?(has )?expired\b`:                  "expired",
		`(?i)malware dns sinkhole server`:                                                "malware dns sinkhole server",
		`Seized(Banner)+\.png`:                                                           "Seized",
		`(?i)a|b`:                                                                        "",
		`x*`:                                                                             "",
	} {
		t.Run(expr, func(t *testing.T) {
			m := newTextMatcher(regexp.MustCompile(expr))
			if m.literal != want && !(want != "" && m.literal == toLowerASCII(want)) {
				t.Errorf("%s: literal %q, want %q", expr, m.literal, want)
			}
		})
	}
}

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// The prefilter may only skip texts the regex would not match.
func TestPrefilterAgreesWithRegex(t *testing.T) {
	texts := []string{
		"This domain has been seized by the FBI -- Federal Bureau of Investigation pursuant to a seizure warrant issued by a United event.States District Court",
		"THIS DOMAIN NAME HAS BEEN SEIZED BY ICE - HOMELAND SECURITY INVESTIGATIONS",
		"This domain has been ſeized by U.S. Homeland Security Investigations (HSI), in accordance with a seizure warrant issued pursuant to 21 U.S.C.",
		"This domain was seized by the United event.States Postal Inspection Service under a court order",
		"Malware DNS Sinkhole Server", "MALWARE DNS SIN\u212aHOLE SERVER",
		"Your domain has expired. Renew now.", "DOMAIN REGISTRATION EXPIRED",
		"nothing to see here", "",
	}
	for _, s := range Default().Signatures {
		for _, m := range s.matchers {
			for _, text := range texts {
				got := m.find(newScanText(text)) != nil
				if want := m.re.MatchString(text); got != want {
					t.Errorf("%s on %q: prefilter says %v, regex %v", s.ID, text, got, want)
				}
			}
		}
	}
}

func FuzzPrefilter(f *testing.F) {
	f.Add(uint8(0), "This domain has been seized by the FBI")
	f.Add(uint8(1), "in accordance with a SEIZURE WARRANT issued by")
	f.Add(uint8(2), "domain ſeized by ICE \u212a")
	var ms []textMatcher
	for _, s := range Default().Signatures {
		ms = append(ms, s.matchers...)
	}
	f.Fuzz(func(t *testing.T, i uint8, text string) {
		m := ms[int(i)%len(ms)]
		if got, want := m.find(newScanText(text)) != nil, m.re.MatchString(text); got != want {
			t.Fatalf("%s on %q: prefilter %v, regex %v", m.re, text, got, want)
		}
	})
}
