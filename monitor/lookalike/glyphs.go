package lookalike

// glyph is one replacement text with its hash precomputed.
type glyph struct {
	runes []rune
	hash  uint64
}

func newGlyph(rs []rune) glyph { return glyph{runes: rs, hash: hashRunes(rs)} }

type pairGlyphs struct {
	a, b   rune
	glyphs []glyph
}

// compiledGlyphs is a homoglyph table ready for the generator: the ASCII
// table merged with one registry repertoire, replacements as runes.
type compiledGlyphs struct {
	single [128][]glyph
	// double[c] holds each single glyph of c written twice, for a doubled
	// letter replaced as a whole ("oo" -> "öö").
	double    [128][]glyph
	pairs     []pairGlyphs
	pairFirst [128]bool
}

// compileGlyphs merges two tables as sets, keeping only replacements whose
// runes are all verified (or ASCII), so every product is a valid label.
func compileGlyphs(verified *runeSet, a, b glyphTable) *compiledGlyphs {
	c := &compiledGlyphs{}
	merged := map[string][]string{}
	for _, t := range []glyphTable{a, b} {
		for _, k := range sortedKeys(t) {
			for _, v := range t[k] {
				if !contains(merged[k], v) {
					merged[k] = append(merged[k], v)
				}
			}
		}
	}
	for _, k := range sortedKeys(merged) {
		var gs []glyph
		for _, v := range merged[k] {
			rs := []rune(v)
			ok := true
			for _, r := range rs {
				if r >= 0x80 && !verified.has(r) || r < 0x80 && !checkRune(r) {
					ok = false
				}
			}
			if ok {
				gs = append(gs, newGlyph(rs))
			}
		}
		ks := []rune(k)
		switch len(ks) {
		case 1:
			c.single[ks[0]] = gs
			for _, g := range gs {
				c.double[ks[0]] = append(c.double[ks[0]], newGlyph(append(append([]rune{}, g.runes...), g.runes...)))
			}
		case 2:
			c.pairs = append(c.pairs, pairGlyphs{a: ks[0], b: ks[1], glyphs: gs})
			c.pairFirst[ks[0]] = true
		}
	}
	return c
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// forEach calls fn for every way dnstwist's homoglyph "mix" rewrites s once:
// one character replaced by one of its glyphs; a doubled character replaced
// as a whole by a doubled glyph; a two-character source ("rn", "cl", "ae")
// replaced by its glyph. fn gets the start, the width replaced and the glyph.
func (c *compiledGlyphs) forEach(s []rune, fn func(i, w int, g *glyph)) {
	for i, r := range s {
		if r < 0x80 {
			gs := c.single[r]
			for j := range gs {
				fn(i, 1, &gs[j])
			}
		}
	}
	for i := 0; i+1 < len(s); i++ {
		a, b := s[i], s[i+1]
		if a >= 0x80 || b >= 0x80 {
			continue
		}
		if a == b {
			gs := c.double[a]
			for j := range gs {
				fn(i, 2, &gs[j])
			}
		}
		if c.pairFirst[a] {
			for p := range c.pairs {
				if c.pairs[p].a == a && c.pairs[p].b == b {
					gs := c.pairs[p].glyphs
					for j := range gs {
						fn(i, 2, &gs[j])
					}
				}
			}
		}
	}
}
