package report_test

import (
	"testing"

	"github.com/takedownhq/takedown/monitor/cases/report"
	"github.com/takedownhq/takedown/store"
)

// The report's file cap is the store's screenshot cap: a report never
// carries more than the store keeps. The package itself does not import
// store (it sits beside it, on the base leaves only), so the test ties them.
func TestAttachmentCapIsTheStoreCap(t *testing.T) {
	if report.MaxAttachment != store.MaxScreenshot {
		t.Fatalf("report.MaxAttachment %d, store.MaxScreenshot %d", report.MaxAttachment, store.MaxScreenshot)
	}
}
