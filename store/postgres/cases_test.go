package postgres

import (
	"testing"

	"github.com/takedownhq/takedown/store/storetest"
)

func TestCasesConformance(t *testing.T) {
	storetest.RunCases(t, func(t *testing.T) storetest.CaseStore { return openTest(t) })
}
