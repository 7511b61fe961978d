package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in      string
		ascii   string
		unicode string
		reason  string // substring of the error reason; empty means success
	}{
		{in: "example.com", ascii: "example.com", unicode: "example.com"},
		{in: "EXAMPLE.COM.", ascii: "example.com"},
		{in: "  example.com  ", ascii: "example.com"},
		{in: "www.example.com", ascii: "example.com"},
		{in: "a.b.c.example.com", ascii: "example.com"},
		{in: "https://User:pw@WWW.Example.com:8443/x?y#z", ascii: "example.com"},
		{in: "http://example.com", ascii: "example.com"},
		{in: "example.com/login", ascii: "example.com"},
		{in: "example.com:80", ascii: "example.com"},
		{in: "user@example.com", ascii: "example.com"},
		// IDN: UTS #46 mapping, IDNA 2008, display form.
		{in: "Bücher.COM.", ascii: "xn--bcher-kva.com", unicode: "bücher.com"},
		{in: "xn--bcher-kva.com", ascii: "xn--bcher-kva.com", unicode: "bücher.com"},
		{in: "ｅｘａｍｐｌｅ.com", ascii: "example.com"},                 // full-width folds
		{in: "faß.de", ascii: "xn--fa-hia.de", unicode: "faß.de"}, // IDNA 2008: ß is kept, not mapped to ss
		{in: "пример.рф", ascii: "xn--e1afmkfd.xn--p1ai", unicode: "пример.рф"},
		{in: "https://münchen.de/x", ascii: "xn--mnchen-3ya.de"},
		// UTS #46 lookup accepts emoji as browsers do; .ws registers such names.
		{in: "i❤.ws", ascii: "xn--i-7iq.ws", unicode: "i❤.ws"},
		// Public suffixes.
		{in: "www.paypal.co.uk", ascii: "paypal.co.uk"},
		{in: "paypal.co.uk", ascii: "paypal.co.uk"},
		{in: "foo.bar.jinyang.asia", ascii: "jinyang.asia"},
		{in: "a.b.c.d.e.f.jp", ascii: "f.jp"},
		{in: "evil.blogspot.com", ascii: "blogspot.com"}, // private suffixes are skipped: registries answer for blogspot.com
		{in: "cloudfox.cloud", ascii: "cloudfox.cloud"},
		{in: "co.uk", reason: "public suffix"},
		{in: "com", reason: "bare top-level domain"},
		{in: "COM.", reason: "bare top-level domain"},
		{in: "x.zz", reason: "unknown top-level domain"},
		// Malformed.
		{in: "", reason: "empty name"},
		{in: "   ", reason: "empty name"},
		{in: "ht tp://bad..com", reason: `bad URL scheme "ht tp"`},
		{in: "bad..com", reason: "empty label"},
		{in: ".example.com", reason: "empty label"},
		{in: "example..com.", reason: "empty label"},
		{in: strings.Repeat("a", 64) + ".com", reason: "over 63"},
		{in: strings.Repeat("a.", 126) + "com", reason: "over 253"},
		{in: "a_b.com", reason: "bad character '_'"},
		{in: "a b.com", reason: "bad character ' '"},
		{in: "-ab.com", reason: "hyphen"},
		{in: "ab-.com", reason: "hyphen"},
		{in: "ab--cd.com", reason: "3rd and 4th"},
		{in: "xn--zz.com", reason: "invalid label"},
		{in: "1.2.3.4", reason: "IP address"},
		{in: "http://[2001:db8::1]/", reason: "IP address"},
		{in: "::1", reason: "IP address"},
		{in: "example.123", reason: "numeric top-level"},
		{in: "http://", reason: "no host"},
		{in: "exa\x00mple.com", reason: "bad character"},
		{in: "\xff\xfe.com", reason: "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			n, err := Normalize(tc.in)
			if tc.reason != "" {
				if err == nil {
					t.Fatalf("Normalize(%q) = %v, want error containing %q", tc.in, n, tc.reason)
				}
				var de *Error
				if !errors.As(err, &de) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("error %v is not a *domain.Error", err)
				}
				if de.Value != tc.in {
					t.Errorf("error names value %q, want %q", de.Value, tc.in)
				}
				if !strings.Contains(de.Reason, tc.reason) {
					t.Errorf("reason %q, want it to contain %q", de.Reason, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize(%q): %v", tc.in, err)
			}
			if n.ASCII != tc.ascii {
				t.Errorf("ASCII = %q, want %q", n.ASCII, tc.ascii)
			}
			want := tc.unicode
			if want == "" {
				want = tc.ascii
			}
			if tc.unicode != "" || !strings.Contains(tc.ascii, "xn--") {
				if n.Unicode != want {
					t.Errorf("Unicode = %q, want %q", n.Unicode, want)
				}
			}
		})
	}
}

func TestHostKeepsSubdomains(t *testing.T) {
	h, err := Host("WWW.Bücher.com.")
	if err != nil || h != "www.xn--bcher-kva.com" {
		t.Fatalf("Host = %q, %v", h, err)
	}
	if _, err := Host("co.uk"); err == nil {
		t.Fatal("Host(co.uk) accepted a public suffix")
	}
}

func TestLabel(t *testing.T) {
	for in, want := range map[string][2]string{
		"paypal.co.uk":  {"paypal", "co.uk"},
		"example.com":   {"example", "com"},
		"jinyang.asia":  {"jinyang", "asia"},
		"foo.unknownzz": {"foo", "unknownzz"},
	} {
		t.Run(in, func(t *testing.T) {
			l, s := Label(in)
			if l != want[0] || s != want[1] {
				t.Errorf("Label(%q) = %q, %q; want %q, %q", in, l, s, want[0], want[1])
			}
		})
	}
}

// valid reports whether s is a name Normalize may return: lower-case LDH
// labels, lengths in bounds, a known suffix, and a fixed point of Normalize.
func valid(t *testing.T, s string) {
	t.Helper()
	if len(s) == 0 || len(s) > maxName {
		t.Fatalf("returned name of length %d: %q", len(s), s)
	}
	for _, l := range strings.Split(s, ".") {
		if err := checkLabel(l); err != nil {
			t.Fatalf("returned %q with bad label: %v", s, err)
		}
	}
	if ps, ok := Suffix(s); !ok || ps == s {
		t.Fatalf("returned %q: suffix %q known=%v", s, ps, ok)
	}
	again, err := Normalize(s)
	if err != nil || again.ASCII != s {
		t.Fatalf("Normalize is not idempotent on %q: %v, %v", s, again, err)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"example.com", "Bücher.COM.", "https://www.paypal.co.uk/x", "co.uk", "xn--bcher-kva.com",
		"a..b", "1.2.3.4", "ht tp://x", "пример.рф", "[::1]:80", "a@b.c.jp", "ｅｘａｍｐｌｅ.com", "xn--", "-.-", "a.b.c.d.e.f.g.h.i.j.k.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := Normalize(in)
		if err != nil {
			var de *Error
			if !errors.As(err, &de) || de.Reason == "" {
				t.Fatalf("error without reason: %v", err)
			}
			return
		}
		valid(t, n.ASCII)
		if n.Unicode == "" {
			t.Fatalf("empty Unicode form for %q", in)
		}
	})
}
