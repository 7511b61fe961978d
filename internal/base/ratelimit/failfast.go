package ratelimit

import "context"

type failFastKey struct{}

// FailFast returns a context under which Wait does not sleep through a
// server's backoff: it returns at once with an error wrapping ErrDeferred
// and ErrBackoff. A one-shot run uses it, so a server that keeps refusing
// is reported as failed instead of holding the run for up to MaxBackoff.
// The rate limit itself still paces queries.
func FailFast(ctx context.Context) context.Context {
	return context.WithValue(ctx, failFastKey{}, true)
}

func failFast(ctx context.Context) bool {
	v, _ := ctx.Value(failFastKey{}).(bool)
	return v
}
