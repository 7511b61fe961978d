//go:build race

package sqlite

// raceEnabled: the race detector slows this package's large imports
// about thirty times, so they run at a tenth of their size under it.
const raceEnabled = true
