package openapicheck

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Refusal is what the router answers about value in the field at pointer
// ("/components/schemas/MovieWrite/properties/languages/items"): its reason,
// or "" when the document accepts the value. Tests try the service's own
// check on the same values, so the document and the code cannot disagree on
// what a form is told.
func Refusal(t testing.TB, spec []byte, pointer string, value any) string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		t.Fatalf("openapi document: %v", err)
	}
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	if len(parts) < 3 || parts[0] != "components" || parts[1] != "schemas" {
		t.Fatalf("openapi document: %s does not name a schema under /components/schemas", pointer)
	}
	ref := doc.Components.Schemas[parts[2]]
	for i := 3; ref != nil && i < len(parts); i++ {
		switch {
		case parts[i] == "items":
			ref = ref.Value.Items
		case parts[i] == "properties" && i+1 < len(parts):
			i++
			ref = ref.Value.Properties[parts[i]]
		default:
			ref = nil
		}
	}
	if ref == nil || ref.Value == nil {
		t.Fatalf("openapi document: no schema at %s", pointer)
	}
	return httpx.Refusal(ref.Value, value)
}
