package httpprobe

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/takedownhq/takedown/internal/base/netguard"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name, html  string
		title, text string
		assets      []string
		refresh     string
	}{
		{"plain", `<html><head><title> Hello  &amp; welcome </title></head><body><p>One</p><p>Two  three</p></body></html>`,
			"Hello & welcome", "One Two three", nil, ""},
		{"first title wins", `<title>A</title><title>B</title>text`, "A", "text", nil, ""},
		{"script and style hidden", `<script>var x = "<p>no</p>";</script><style>p{}</style><noscript>nojs</noscript><p>yes</p>`,
			"", "yes", nil, ""},
		{"title is text, not markup", `<title><b>bold</b> &lt;i&gt;</title>`, "<b>bold</b> <i>", "", nil, ""},
		{"alt text counts", `<img src="/a.png" alt="This domain has been seized"><img src="/a.png">`,
			"", "This domain has been seized", []string{"/a.png"}, ""},
		{"assets", `<link rel=stylesheet href="/s.css"><script src="/j.js"></script><iframe src="/f"></iframe>
			<div style="background: url('/bg.jpg')"></div><style>.b{background:url(seizure.gif)}</style>
			<meta property="og:image" content="https://x.example/og.png"><object data="/o.swf"></object>`,
			"", "", []string{"/s.css", "/j.js", "/f", "/bg.jpg", "seizure.gif", "https://x.example/og.png", "/o.swf"}, ""},
		{"refresh", `<meta http-equiv="Refresh" content="0; URL='https://park.example/lander'">`, "", "", nil, "https://park.example/lander"},
		{"unclosed mess", `<title>Broken<p>still title`, "Broken<p>still title", "", nil, ""},
		{"controls", "<p>a\x00b\x1bc\u202ed</p>", "", "a\ufffdb\ufffdc\ufffdd", nil, ""},
		{"invalid utf8", "<title>\xff\xfeok</title>", "\ufffd\ufffdok", "", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := Extract(strings.NewReader(tc.html))
			if x.Title != tc.title || x.Text != tc.text || x.Refresh != tc.refresh || fmt.Sprint(x.Assets) != fmt.Sprint(tc.assets) {
				t.Fatalf("got title %q text %q assets %q refresh %q\nwant title %q text %q assets %q refresh %q",
					x.Title, x.Text, x.Assets, x.Refresh, tc.title, tc.text, tc.assets, tc.refresh)
			}
			sum := sha256.Sum256([]byte(x.Text))
			if x.TextHash != hex.EncodeToString(sum[:]) {
				t.Fatalf("hash %s is not of the text %q", x.TextHash, x.Text)
			}
		})
	}
}

func TestExtractBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString("<title>" + strings.Repeat("T", 5000) + "</title>")
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, `<img src="/img/%d/%s.png">`, i, strings.Repeat("x", 1000))
		b.WriteString("<p>" + strings.Repeat("word ", 20) + "</p>")
	}
	x := Extract(strings.NewReader(b.String()))
	if len(x.Title) != MaxTitle || len(x.Assets) != MaxAssets || len(x.Text) > MaxText || len(x.Text) < MaxText-8 {
		t.Fatalf("title %d, assets %d, text %d", len(x.Title), len(x.Assets), len(x.Text))
	}
	for _, a := range x.Assets {
		if len(a) > MaxAsset {
			t.Fatalf("asset of %d bytes", len(a))
		}
	}
	// The hash covers the whole text, not the excerpt.
	sum := sha256.Sum256([]byte(x.Text))
	if x.TextHash == hex.EncodeToString(sum[:]) {
		t.Fatal("hash is of the excerpt only")
	}
}

func checkClean(t *testing.T, what, s string, max int) {
	t.Helper()
	if max > 0 && len(s) > max {
		t.Fatalf("%s: %d bytes > %d", what, len(s), max)
	}
	if !utf8.ValidString(s) {
		t.Fatalf("%s: invalid UTF-8 %q", what, s)
	}
	for _, r := range s {
		if netguard.IsControl(r) || r == '\n' || r == '\t' || r == '\r' {
			t.Fatalf("%s: control %U in %q", what, r, s)
		}
	}
	if strings.Contains(s, "  ") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		t.Fatalf("%s: loose whitespace in %q", what, s)
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"<title>x</title><p>y</p>",
		"<title><script>alert(1)</script></title>",
		"<img src=/iprc_seized_banner.png alt='Domain Seized'>",
		"<style>a{background:url(x.gif)}</style><meta http-equiv=refresh content='0;url=/x'>",
		"<title>\x00\xff\x1b</title><p>\u202e</p>",
		"<svg><title>t</title></svg><plaintext><b>",
		"<!-- <title>no</title> --><textarea><title>t</textarea>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		x := Extract(strings.NewReader(doc))
		checkClean(t, "title", x.Title, MaxTitle)
		checkClean(t, "text", x.Text, MaxText)
		checkClean(t, "refresh", x.Refresh, MaxAsset)
		if len(x.Assets) > MaxAssets {
			t.Fatalf("%d assets", len(x.Assets))
		}
		seen := map[string]bool{}
		for _, a := range x.Assets {
			checkClean(t, "asset", a, MaxAsset)
			if a == "" || seen[a] {
				t.Fatalf("empty or repeated asset %q", a)
			}
			seen[a] = true
		}
		if len(x.Text) < MaxText-utf8.UTFMax {
			sum := sha256.Sum256([]byte(x.Text))
			if x.TextHash != hex.EncodeToString(sum[:]) {
				t.Fatalf("hash is not of the whole text %q", x.Text)
			}
		}
	})
}

// FuzzTextSink: the streaming text sink must clean exactly as
// netguard.Clean does, so stored excerpts and certificate fields follow
// one rule.
func FuzzTextSink(f *testing.F) {
	for _, s := range []string{"", " a  b ", "\x00\xff", "x\u0085y\u00a0z", "日本\u202e語\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts := newTextSink()
		ts.add([]byte(s))
		if got, want := ts.text(), netguard.Clean(s, MaxText); got != want {
			t.Fatalf("sink %q, Clean %q", got, want)
		}
	})
}

// BenchmarkExtract reports extraction throughput over a parking-like page.
func BenchmarkExtract(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<html><head><title>Bench</title><style>.a{background:url(a.png)}</style></head><body>")
	for sb.Len() < 256<<10 {
		sb.WriteString(`<div class="row"><a href="/search?q=x"><img src="/i.png" alt="ad"></a><p>Related searches &amp; offers for this domain</p></div>`)
	}
	doc := sb.String()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		Extract(strings.NewReader(doc))
	}
}
