package lookalike

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// FuzzGenerate: whatever the input, Generate does not panic, and every
// candidate it returns is a valid, distinct name other than the input.
//
//	go test -fuzz FuzzGenerate -fuzztime 60s ./monitor/lookalike
func FuzzGenerate(f *testing.F) {
	for _, s := range []string{"paypal.com", "www.paypal.com", "bücher.de", "xn--bcher-kva.com", "amazon.co.uk",
		"a-b.io", "ab--cd.com", "пример.рф", "例え.jp", "مثال.com", "x.org", "1.com", "é.fr", "a\u0301b.com",
		"ǅ.com", "ﬁ.com", "ß.de", "abcdefghijklmnopqrstuvwxyz0123.com", "-a.com", "a.kyoto.jp", "xn--.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 40 {
			return // output grows with the square of the label; keep runs short
		}
		cands, err := Generate(in, Options{})
		if err != nil {
			return
		}
		checkCandidates(t, in, cands)
	})
}

// FuzzMatch: Match never panics and never matches garbage to nothing.
func FuzzMatch(f *testing.F) {
	ix, err := NewIndex([]string{"paypal.com", "google.de", "ibm.com", "bücher.com"}, IndexOptions{})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"paypa1.com", "xn--pypal-4ve.com", "paypal-login.net", "xn--.com", "xn--zzzzzzzzzz.com",
		"a..com", ".", "", "COM", "PAYPAL.NET", "xn--80ak6aa92e.xn--p1ai", strings.Repeat("a", 300) + ".com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		m, ok := ix.Match(name)
		if ok && (m.Brand == "" || m.Score <= 0 || m.Score > 1) {
			t.Fatalf("%q: bad match %+v", name, m)
		}
	})
}

// FuzzPunycode: the encoder agrees with golang.org/x/net/idna and the
// decoder inverts it.
func FuzzPunycode(f *testing.F) {
	for _, s := range []string{"bücher", "пример", "例え", "aé", "ḃb", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || s == "" || len(s) > 60 || strings.ContainsAny(s, ".") {
			return
		}
		rs := []rune(s)
		if isASCIIRunes(rs) {
			return
		}
		got := "xn--" + string(appendPunycode(nil, rs))
		want, err := idna.Punycode.ToASCII(s)
		if err == nil && want != got {
			t.Fatalf("%q: encoded %q, idna says %q", s, got, want)
		}
		var buf [128]rune
		n := decodePunycode(got[4:], buf[:])
		if n < 0 || string(buf[:n]) != s {
			t.Fatalf("%q: decoded %q back as %q", s, got, string(buf[:max(n, 0)]))
		}
	})
}

func TestPunycodeSlowPath(t *testing.T) {
	var rs []rune
	for r := rune(0x100); r < 0x100+70; r++ {
		rs = append(rs, r, 'a')
	}
	want, err := idna.Punycode.ToASCII(string(rs))
	if err != nil {
		t.Fatal(err)
	}
	if got := "xn--" + string(appendPunycode(nil, rs)); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
