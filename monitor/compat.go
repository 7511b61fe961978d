package monitor

import "github.com/takedownhq/takedown/monitor/lifecycle/judge"

// LifecycleJudge is the lifecycle judge, now in monitor/lifecycle/judge.
//
// Deprecated: use judge.Lifecycle. Kept while branches written before the
// move are merged; remove once nothing names it.
type LifecycleJudge = judge.Lifecycle
