package main

import (
	"encoding/json"
	"io"
)

// listEnvelope is the API's list envelope (web/openapi.yaml, "ListPage"),
// so a script reads a list command's --json and the API's answer alike:
// items, how many there are in all, the most this answer could hold, and
// where it starts. The API's next/prev links are left out: a command has
// no URL to follow.
type listEnvelope[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// printList writes items in the envelope. A limit of 0 (no limit) is
// written as the number of items, and a total below the items' count (a
// store that could not count) as that count, so items ≤ limit and
// offset+items ≤ total hold as in the API.
func printList[T any](w io.Writer, items []T, total, limit, offset int) error {
	if items == nil {
		items = []T{}
	}
	if limit <= 0 {
		limit = len(items)
	}
	if total < offset+len(items) {
		total = offset + len(items)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(listEnvelope[T]{Items: items, Total: total, Limit: limit, Offset: offset})
}
