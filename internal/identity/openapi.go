package identity

import _ "embed"

// OpenAPI is the identity service's OpenAPI 3.0.3 document. The gateway
// merges it with the other services' documents; its shared components
// (Problem, FieldError, the Limit/Cursor/IncludeDeleted parameters and
// securitySchemes.bearerAuth) are identical to the catalog's, as the merge requires.
//
//go:embed openapi.json
var OpenAPI []byte
