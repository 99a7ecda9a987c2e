package notify_test

import (
	"os"
	"testing"

	"github.com/marquee-dev/marquee/internal/platform/servicetest"
)

// TestMain fails a full run of the package's tests when some operation of
// the OpenAPI document never had an answer checked against it.
func TestMain(m *testing.M) {
	os.Exit(servicetest.RunCheckingEveryOperation(m, checker))
}
