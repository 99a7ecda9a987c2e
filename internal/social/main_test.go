package social_test

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain fails a full run of the package's tests when some operation of
// the OpenAPI document never had an answer checked against it.
func TestMain(m *testing.M) {
	code := m.Run()
	if code != 0 || flag.Lookup("test.run").Value.String() != "" {
		os.Exit(code)
	}
	c, err := checker()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, op := range c.Operations() {
		if c.Checked(op) == 0 {
			fmt.Fprintf(os.Stderr, "openapi: no test checked an answer of %s against the document\n", op)
			code = 1
		}
	}
	os.Exit(code)
}
