package feeds

import _ "embed"

// ExampleWatchlist is feeds/examples/doj-2023-10-dprk-it-workers.txt: the
// 17 domains the US seized in October 2023, for the demo and simnet.
//
//go:embed examples/doj-2023-10-dprk-it-workers.txt
var ExampleWatchlist string
