package store

// Count is a value and how many rows carry it.
type Count struct {
	Value string `json:"value"`
	N     int    `json:"n"`
}

// LookalikeFacets are the distinct values of look-alike columns with counts.
type LookalikeFacets struct {
	Brands   []Count `json:"brands"`
	Fuzzers  []Count `json:"fuzzers"`
	Sources  []Count `json:"sources"`
	Statuses []Count `json:"statuses"`
}
