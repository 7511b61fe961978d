package lookalike

import (
	"math/rand/v2"
	"strings"
)

// Synthetic names for the matcher's benchmarks and precision test: brands
// that look like company names, and "newly registered" names made of
// common words, the way real registrations are.

var syllables = strings.Fields(`ba be bi bo bu ca co cu da de di do fa fe fi fo ga go gu ha he hi ho ka ke ki ko la le li lo lu
ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zo
tra tro pla pro bra cre dra fla gre sta ste sto qua xen zyn lux max rex tex vox nex`)

var words = strings.Fields(`best shop home garden travel cheap online my the get buy smart green blue red happy city
world digital media tech cloud data web net hub lab studio design photo art music book books cafe food pizza
coffee tea wine beer bar pub hotel house homes realty estate land farm pet pets dog cat baby kids mom dad family
health care dental clinic doctor med fit fitness yoga gym sport sports golf bike car cars auto motor parts repair
law legal tax money cash loan loans credit invest capital fund trade crypto coin gold silver diamond jewel style
fashion beauty hair nail skin spa salon wedding party event events gift gifts toy toys game games play fun club
team pro plus max prime first one two top star sun moon sky sea ocean river lake mountain north south east west
new old big little mini mega super ultra global local urban rural wild fresh pure true real solid bright clear
vision logic point line link code soft ware system solutions service services group partners consulting agency
marketing brand brands social mobile app apps store market deals sale outlet direct express fast quick easy`)

var suffixPool = []string{"com", "com", "com", "com", "net", "org", "xyz", "online", "shop", "store", "info", "co.uk", "de", "io", "site", "top"}

func synthBrands(r *rand.Rand, n int) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		k := 2 + r.IntN(3)
		var b strings.Builder
		for i := 0; i < k; i++ {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		name := b.String()
		if r.IntN(10) == 0 {
			name = name[:3+r.IntN(2)] // some short brands, like ibm or visa
		}
		d := name + "." + []string{"com", "com", "net", "de", "co.uk", "io"}[r.IntN(6)]
		if !seen[name] {
			seen[name] = true
			out = append(out, d)
		}
	}
	return out
}

func synthNRD(r *rand.Rand) string {
	var b strings.Builder
	k := 1 + r.IntN(3)
	for i := 0; i < k; i++ {
		if i > 0 && r.IntN(4) == 0 {
			b.WriteByte('-')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	if r.IntN(6) == 0 {
		b.WriteString(strings.Repeat("1", 0) + string(rune('0'+r.IntN(10))))
	}
	return b.String() + "." + suffixPool[r.IntN(len(suffixPool))]
}
