package simnet

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"time"
)

// Page is what a host serves. The zero Page is an empty 200.
type Page struct {
	// Status is the response code. Default 200, or 302 when Location is set.
	Status int
	// Location makes the page a redirect to this URL (absolute or relative).
	Location string
	// Server is the Server header. Default "simnet".
	Server string
	// ContentType defaults to "text/html; charset=utf-8".
	ContentType string
	// Body is the response body, sent as it is (it may hold any bytes).
	Body string
	// Endless makes the server keep sending filler after Body until the
	// client hangs up or the server closes: a body with no end.
	Endless bool
	// Interval, with Endless, is the pause between filler chunks: a body
	// that drips instead of floods. Default 0.
	Interval time.Duration
	// Header holds extra response headers.
	Header map[string]string
}

// SetPage sets what host serves. key is a host ("a.example"), serving every
// path, or a host and path ("a.example/step/2"), which wins over the host
// for that exact path; query strings are ignored.
func (w *Web) SetPage(key string, p Page) {
	host, path, _ := strings.Cut(key, "/")
	key = normHost(host)
	if path != "" {
		key += "/" + path
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pages[key] = p
}

// RemovePage forgets a page set with SetPage; the host then answers 404.
func (w *Web) RemovePage(key string) {
	host, path, _ := strings.Cut(key, "/")
	key = normHost(host)
	if path != "" {
		key += "/" + path
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.pages, key)
}

func (w *Web) page(host, path string) (Page, bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if p, ok := w.pages[host+path]; ok && path != "/" {
		return p, true
	}
	p, ok := w.pages[host]
	return p, ok
}

func (w *Web) serve(rw http.ResponseWriter, r *http.Request) {
	w.latency.wait(r.Context())
	host := normHost(r.Host)
	p, ok := w.page(host, r.URL.Path)
	if !ok {
		p = Page{Status: http.StatusNotFound, Body: "<html><head><title>Not Found</title></head><body><h1>Not Found</h1><p>simnet has no site for this host.</p></body></html>"}
	}
	h := rw.Header()
	h.Set("Server", cmp(p.Server, "simnet"))
	h.Set("Content-Type", cmp(p.ContentType, "text/html; charset=utf-8"))
	for k, v := range p.Header {
		h.Set(k, v)
	}
	status := p.Status
	if p.Location != "" {
		h.Set("Location", p.Location)
		if status == 0 {
			status = http.StatusFound
		}
	}
	if status == 0 {
		status = http.StatusOK
	}
	rw.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = io.WriteString(rw, p.Body)
	if p.Endless {
		w.endless(rw, r, p.Interval)
	}
}

// endless writes filler until the client goes away or the server closes,
// as fast as it can, or one line per interval.
func (w *Web) endless(rw http.ResponseWriter, r *http.Request, interval time.Duration) {
	chunk := []byte(strings.Repeat("<p>and on and on and on</p>\n", 1024))
	if interval > 0 {
		chunk = chunk[:28]
	}
	rc := http.NewResponseController(rw)
	for {
		if interval > 0 {
			t := time.NewTimer(interval)
			select {
			case <-r.Context().Done():
			case <-w.closed:
			case <-t.C:
			}
			t.Stop()
		}
		select {
		case <-r.Context().Done():
			return
		case <-w.closed:
			return
		default:
		}
		_ = rc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := rw.Write(chunk); err != nil {
			return
		}
		if interval > 0 {
			_ = rc.Flush()
		}
	}
}

func cmp(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// SeizedFBI2023Page is the seizure banner in the form the FBI used in 2023:
// the title says the domain has been seized and the body is only a
// full-page image, so the title and the image name are all a probe can
// match.
func SeizedFBI2023Page() Page {
	return Page{Server: "nginx", Body: `<!DOCTYPE html>
<html lang="en"><head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>This domain has been seized</title>
<style>
html, body { margin: 0; height: 100%; background: #000; }
.banner { height: 100%; width: 100%; background: url('seizure.gif') no-repeat center center; background-size: contain; }
</style>
</head>
<body><div class="banner"></div></body></html>
`}
}

// SeizureBannerImage stands in for the banner image the FBI 2023 page
// shows full-page (served at its seizure.gif path): simnet has no copy of
// the real image, so an SVG with the banner's wording draws what a
// screenshot of a seized domain shows.
func SeizureBannerImage() Page {
	return Page{Server: "nginx", ContentType: "image/svg+xml", Body: `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675" viewBox="0 0 1200 675">
<rect width="1200" height="675" fill="#0b1f3a"/>
<circle cx="600" cy="190" r="110" fill="none" stroke="#d4af37" stroke-width="10"/>
<circle cx="600" cy="190" r="80" fill="#14325c" stroke="#d4af37" stroke-width="4"/>
<text x="600" y="205" font-family="sans-serif" font-size="44" font-weight="bold" fill="#d4af37" text-anchor="middle">FBI</text>
<text x="600" y="400" font-family="sans-serif" font-size="54" font-weight="bold" fill="#ffffff" text-anchor="middle">THIS DOMAIN HAS BEEN SEIZED</text>
<text x="600" y="460" font-family="sans-serif" font-size="24" fill="#dfe6ee" text-anchor="middle">by the Federal Bureau of Investigation pursuant to a seizure warrant</text>
<text x="600" y="495" font-family="sans-serif" font-size="24" fill="#dfe6ee" text-anchor="middle">issued by a United States District Court</text>
</svg>
`}
}

// SeizedICE2010Page is the older text banner used by ICE and the FBI in
// 2010-2012, with the seizure-warrant wording the lifecycle signatures match.
func SeizedICE2010Page() Page {
	return Page{Server: "Apache", Body: `<html><head><title>Domain Seized</title></head>
<body style="background:#fff">
<img src="/images/ice_hsi_seal.png" alt="Seal of U.S. Immigration and Customs Enforcement">
<p>This domain name has been seized by ICE - Homeland Security Investigations,
pursuant to a seizure warrant issued by a United States District Court under
the authority of 18 U.S.C. &sect;&sect; 981 and 2323.</p>
<p>It is unlawful to reproduce or distribute copyrighted material, or to sell
counterfeit goods. Federal law provides penalties for such offences.</p>
</body></html>
`}
}

// SeizedIPRCPage is the IPRC banner: a "Domain Seized" title and the
// iprc_seized_banner.png image.
func SeizedIPRCPage() Page {
	return Page{Server: "Apache", Body: `<html><head><title>Domain Seized</title></head>
<body><center><img src="/iprc_seized_banner.png" width="800"></center></body></html>
`}
}

// ParkingPage is a registrar parking page offering domain for sale.
func ParkingPage(domain string) Page {
	d := html.EscapeString(domain)
	return Page{Server: "openresty", Body: fmt.Sprintf(`<!doctype html>
<html><head><meta charset="utf-8"><title>%[1]s - This domain is for sale</title>
<script>window.parkingConfig = {"pid": "simnet-123", "domain": "%[1]s"};</script>
</head><body>
<h1>%[1]s</h1>
<p>This domain may be for sale. Buy this domain today.</p>
<ul class="related"><li><a href="/search?q=web+hosting">Web Hosting</a></li>
<li><a href="/search?q=cloud+services">Cloud Services</a></li>
<li><a href="/search?q=it+consulting">IT Consulting</a></li></ul>
<p class="footer">Copyright &copy; Simnet Parking. The sponsored listings on this page are provided by third parties.</p>
</body></html>
`, d)}
}

// SitePage is an ordinary web site with a title and a paragraph.
func SitePage(title, text string) Page {
	return Page{Server: "nginx/1.24.0", Body: fmt.Sprintf(`<!doctype html>
<html><head><meta charset="utf-8"><title>%s</title>
<link rel="stylesheet" href="/static/site.css"><script src="/static/app.js"></script>
</head><body><header><img src="/static/logo.png" alt="logo"></header>
<main><p>%s</p></main></body></html>
`, html.EscapeString(title), html.EscapeString(text))}
}

// RedirectPage answers with status (302 when 0) and a Location.
func RedirectPage(status int, location string) Page {
	return Page{Status: status, Location: location, Body: "<html><body>Moved</body></html>"}
}

// EndlessPage sends a title and then a body with no end.
func EndlessPage() Page {
	return Page{Body: "<html><head><title>Endless</title></head><body>", Endless: true}
}

// HostileTitle is the title HostileTitlePage carries, as bytes on the wire.
const HostileTitle = "<script>alert(\"title\")</script>\x00\x1b[2J\xff\xfe&lt;b&gt; Seized\u202e"

// HostileTitlePage carries a script payload, control bytes and invalid
// UTF-8 in its title and body, for testing that probes keep them as plain,
// cleaned text.
func HostileTitlePage() Page {
	return Page{Body: "<html><head><title>" + HostileTitle + "</title></head><body>" +
		"<script>document.write('<h1>injected</h1>')</script>" +
		"<p onclick=\"alert(1)\">visible\x07 text \xc3\x28 here</p>" +
		"<img src=\"javascript:alert(1)\" alt=\"<svg onload=alert(2)>\"></body></html>"}
}
