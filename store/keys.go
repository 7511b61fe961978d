package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Hash is the content hash stored with a snapshot.
func Hash(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// IdempotencyKey names one delivery of one event; the notifier uses it as
// the Message-ID of a mail and a header of a webhook, so a receiver can drop
// a repeat that a crash between sending and marking could cause.
func IdempotencyKey(eventID int64, channel, recipient string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%d\x00%s\x00%s", eventID, channel, recipient)))
	return fmt.Sprintf("ev%d-%s", eventID, hex.EncodeToString(h[:8]))
}
