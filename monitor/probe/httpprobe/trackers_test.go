package httpprobe

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestExtractTrackers(t *testing.T) {
	page := `<html><head>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-7XK2P9QW4E"></script>
<script>gtag('config', 'UA-12345678-2'); (function(w,d,s,l,i){})(window,document,'script','dataLayer','GTM-AB12CD');
ym(87654321, "init", {clickmap:true}); fbq('init', '1234567890123456');</script>
<noscript><img src="https://mc.yandex.ru/watch/87654321"></noscript>
</head><body><p>G-SOMETHING is a word, UA-99999999-1 in text is not a tag</p></body></html>`
	x := Extract(strings.NewReader(page))
	want := []string{"G-7XK2P9QW4E", "UA-12345678-2", "GTM-AB12CD", "ym:87654321", "fbq:1234567890123456"}
	if !slices.Equal(x.Trackers, want) {
		t.Errorf("trackers = %q, want %q", x.Trackers, want)
	}
}

// A page stuffed with tracker-like strings yields at most MaxTrackers keys.
func TestExtractTrackersBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("<script>")
	for i := range 10000 {
		fmt.Fprintf(&b, "gtag('config','UA-%08d-1');", i)
	}
	b.WriteString("</script>")
	x := Extract(strings.NewReader(b.String()))
	if len(x.Trackers) != MaxTrackers {
		t.Errorf("%d trackers kept, want %d", len(x.Trackers), MaxTrackers)
	}
}
