package sqlite

import (
	"testing"

	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/storetest"
)

func TestRegistrationConformance(t *testing.T) {
	storetest.RunRegistration(t, func(t *testing.T) store.RegistrationStore { return openTest(t) })
}
