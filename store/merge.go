package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MergeByName checks entries as AddDomains does (a name, a known kind) and merges repeated
// names the way adding them one after another would: the first entry's
// Unicode form and source, the last note and kind given, every tag.
// The result is sorted by name, the order the names index wants. Drivers
// use it to write a large list with set statements.
func MergeByName(ds []NewDomain) ([]NewDomain, error) {
	at := make(map[string]int, len(ds))
	out := make([]NewDomain, 0, len(ds))
	for _, d := range ds {
		if d.Name == "" {
			return nil, errors.New("add domain: empty name")
		}
		if d.Kind != "" && d.Kind != KindWatch && d.Kind != KindBrand {
			return nil, fmt.Errorf("add domain %s: unknown kind %q", d.Name, d.Kind)
		}
		i, ok := at[d.Name]
		if !ok {
			e := d
			e.Unicode = or(d.Unicode, d.Name)
			e.Tags = slices.Clone(d.Tags)
			at[d.Name] = len(out)
			out = append(out, e)
			continue
		}
		e := &out[i]
		e.Note, e.Kind = or(d.Note, e.Note), or(d.Kind, e.Kind)
		for _, tg := range d.Tags {
			if !slices.Contains(e.Tags, tg) {
				e.Tags = append(e.Tags, tg)
			}
		}
	}
	slices.SortFunc(out, func(a, b NewDomain) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func or[T ~string](s, def T) T {
	if s == "" {
		return def
	}
	return s
}
