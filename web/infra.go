package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/takedownhq/takedown/monitor/infra"
)

// Infrastructure: a domain's keys with their pivot counts (the domain
// page's panel and graph), the domains on one key (/infra/KIND/VALUE) and
// the same as JSON and CSV under /api/v1/.

// commonness judges keys with the configured threshold.
func (s *Server) commonness() *infra.Commonness {
	return infra.NewCommonness(s.opts.InfraCommonThreshold)
}

// apiRelated is /api/v1/domains/{name}/related: the related report, or
// with ?format=csv the related set as CSV.
func (s *Server) apiRelated(w http.ResponseWriter, r *http.Request) {
	d, _, err := s.lookupDomain(r.Context(), r.PathValue("name"))
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	rep, err := s.commonness().Report(r.Context(), s.st, d.Name)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		writeJSON(w, http.StatusOK, rep)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="related-`+d.Name+`.csv"`)
		cw := csv.NewWriter(w)
		cw.Write([]string{"domain", "related", "score", "source", "first_seen", "shares", "reasons"})
		for _, rel := range rep.Related {
			var sh []string
			for _, x := range rel.Shares {
				sh = append(sh, fmt.Sprintf("%s=%s (%d)", x.Kind, x.Value, x.Count))
			}
			cw.Write([]string{rep.Domain, rel.Domain, strconv.Itoa(rel.Score), csvCell(rel.Source),
				rel.FirstSeen.UTC().Format(time.RFC3339), csvCell(strings.Join(sh, "; ")), csvCell(strings.Join(rel.Reasons, "; "))})
		}
		cw.Flush()
	default:
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("format %q: want json or csv", f))
	}
}

// csvCell keeps a spreadsheet from reading a network-supplied value as a
// formula.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// keyOf reads the key of an /infra/ path; a bad one is a 400 naming it.
func (s *Server) keyOf(w http.ResponseWriter, r *http.Request) (infra.KeyReport, bool) {
	k, err := infra.ParseKey(r.PathValue("kind"), r.PathValue("value"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return infra.KeyReport{}, false
	}
	rep, err := s.commonness().KeyReport(r.Context(), s.st, k)
	if err != nil {
		s.storeFail(w, r, err)
		return infra.KeyReport{}, false
	}
	return rep, true
}

// apiInfra is /api/v1/infra/{kind}/{value}: the domains on one key.
func (s *Server) apiInfra(w http.ResponseWriter, r *http.Request) {
	if rep, ok := s.keyOf(w, r); ok {
		writeJSON(w, http.StatusOK, rep)
	}
}

// infraPage is /infra/{kind}/{value}: the domains on one key.
func (s *Server) infraPage(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.keyOf(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "infra", rep.Kind+" "+clip(rep.Value, 80), "domains", map[string]any{"Key": rep,
		"API": "/api/v1/infra/" + url.PathEscape(rep.Kind) + "/" + url.PathEscape(rep.Value)})
}

// infraView is the domain page's Infrastructure panel and graph.
type infraView struct {
	Keys    []infraKeyView
	Related []infra.Related
	Graph   template.HTML
}

type infraKeyView struct {
	infra.Key
	Link string
}

// KeyLink is the page of a key.
func keyLink(kind, value string) string {
	return "/infra/" + url.PathEscape(kind) + "/" + url.PathEscape(value)
}

// domainInfra builds the panel of a domain; nil when it has no keys.
func (s *Server) domainInfra(ctx context.Context, name string) (*infraView, error) {
	rep, err := s.commonness().Report(ctx, s.st, name)
	if err != nil || len(rep.Keys) == 0 {
		return nil, err
	}
	v := &infraView{Related: rep.Related, Graph: graphSVG(rep)}
	for _, k := range rep.Keys {
		v.Keys = append(v.Keys, infraKeyView{Key: k, Link: keyLink(k.Kind, k.Value)})
	}
	if len(v.Related) > 20 {
		v.Related = v.Related[:20]
	}
	return v, nil
}

// MaxGraphNodes bounds the neighbourhood graph: the domain, its keys and
// the domains one hop away.
const MaxGraphNodes = 60

// graphSVG draws a domain's neighbourhood as an SVG: the domain in the
// middle, its keys on an inner ring (common ones grey, with no
// neighbours), the related domains on an outer ring joined to the keys
// they share. Every text is XML-escaped; links go to /infra/ and
// /domains/ pages only. Presentation attributes, not style, so the page's
// CSP (style-src 'self') holds.
func graphSVG(rep infra.Report) template.HTML {
	const w, h, cx, cy = 720.0, 520.0, 360.0, 260.0
	keys := rep.Keys
	room := MaxGraphNodes - 1
	if len(keys) > room/2 {
		keys = keys[:room/2]
	}
	room -= len(keys)
	rel := rep.Related
	if len(rel) > room {
		rel = rel[:room]
	}
	type pt struct{ x, y float64 }
	keyAt := map[string]pt{}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="infra-graph" viewBox="0 0 %g %g" role="img" aria-label="infrastructure neighbourhood of %s">`,
		w, h, xmlEscape(rep.Domain))
	var edges, nodes strings.Builder
	for i, k := range keys {
		a := 2 * math.Pi * float64(i) / float64(max(len(keys), 1))
		p := pt{cx + 150*math.Cos(a), cy + 150*math.Sin(a)}
		keyAt[k.Kind+"\x00"+k.Value] = p
		stroke, fill := "#4a6fa5", "#dce6f5"
		if k.Common {
			stroke, fill = "#aaaaaa", "#eeeeee"
		}
		fmt.Fprintf(&edges, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`, cx, cy, p.x, p.y, stroke)
		label := k.Kind + " " + clip(k.Value, 28)
		fmt.Fprintf(&nodes, `<a href="%s" class="g-key%s"><circle cx="%.1f" cy="%.1f" r="9" fill="%s" stroke="%s"/>`+
			`<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="%s">%s</text><title>%s (%d domains%s)</title></a>`,
			xmlEscape(keyLink(k.Kind, k.Value)), commonClass(k.Common), p.x, p.y, fill, stroke, p.x, p.y-13, textFill(k.Common),
			xmlEscape(label), xmlEscape(k.Kind+" "+k.Value), k.Count, commonNote(k.Common))
	}
	for i, r := range rel {
		a := 2*math.Pi*float64(i)/float64(max(len(rel), 1)) + 0.2
		p := pt{cx + 235*math.Cos(a), cy + 235*math.Sin(a)}
		for _, s := range r.Shares {
			if kp, ok := keyAt[s.Kind+"\x00"+s.Value]; ok {
				fmt.Fprintf(&edges, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#c0392b" stroke-width="1"/>`, kp.x, kp.y, p.x, p.y)
			}
		}
		fmt.Fprintf(&nodes, `<a href="%s" class="g-domain"><rect x="%.1f" y="%.1f" width="12" height="12" fill="#f6d5d1" stroke="#c0392b"/>`+
			`<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="#222222">%s</text><title>%s (score %d)</title></a>`,
			xmlEscape("/domains/"+url.PathEscape(r.Domain)), p.x-6, p.y-6, p.x, p.y+18, xmlEscape(clip(r.Domain, 40)),
			xmlEscape(r.Domain), r.Score)
	}
	b.WriteString(edges.String())
	fmt.Fprintf(&b, `<circle cx="%g" cy="%g" r="14" fill="#333333"/><text x="%g" y="%g" font-size="12" text-anchor="middle" fill="#111111" font-weight="bold">%s</text>`,
		cx, cy, cx, cy+28, xmlEscape(rep.Domain))
	b.WriteString(nodes.String())
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every value above went through xmlEscape
}

func commonClass(c bool) string {
	if c {
		return " g-common"
	}
	return ""
}

func commonNote(c bool) string {
	if c {
		return ", common"
	}
	return ""
}

func textFill(common bool) string {
	if common {
		return "#999999"
	}
	return "#1d3557"
}

// xmlEscape escapes text and attribute values of the SVG.
func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace(visible(s))
}
