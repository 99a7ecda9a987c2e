package openapicheck

import "github.com/getkin/kin-openapi/openapi3filter"

// Images the API draws itself (generated posters) are checked as text
// against a {type: string} schema.
func init() {
	openapi3filter.RegisterBodyDecoder("image/svg+xml", openapi3filter.FileBodyDecoder)
}
