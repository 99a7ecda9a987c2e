package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// ValidateRequests checks every request of the router's routes against the
// service's OpenAPI document before its handler runs (after the access
// check, so anonymous callers learn nothing about the shape of a request):
// query, path and header parameters, and the JSON body.
//
// A request the document refuses never reaches the handler, so it can
// change nothing. A parameter whose value breaks its schema, a body that is
// not JSON (or not UTF-8), a field the schema does not know are 400 problems
// naming the field, and a body whose Content-Type is not application/json a
// 415. A well-formed body whose fields break the document's limits (type,
// length, range, required, enum, format, pattern) is a 422 naming every
// field the document refuses, all at once. (Query parameters the operation
// does not declare are ignored, and so is a body sent to an operation that
// takes none.) The handler then checks only what the document cannot say
// (an unknown genre, a date in the future); its own checks of the same
// limits stay, since its operations are called without HTTP too, and tests
// compare its constants with the document.
//
// Every route must be in the document and every operation of the document
// must be a route, and request schemas must not accept unknown fields, so
// the document cannot drift from what the service serves. It comes after
// the last route is registered and before serving.
func (rt *Router) ValidateRequests(spec []byte) error {
	doc, err := loadDocument(spec)
	if err != nil {
		return err
	}
	if err := checkClosedRequestSchemas(doc); err != nil {
		return err
	}
	registered := map[string]bool{}
	ops := make([]*operation, len(rt.entries))
	for i, r := range rt.entries {
		registered[r.Pattern] = true
		if ops[i], err = compileOperation(doc, r.Pattern); err != nil {
			return err
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if p := method + " " + path; !registered[p] {
				return fmt.Errorf("openapi: operation %s has no route", p)
			}
		}
	}
	for i, r := range rt.entries {
		r.op = ops[i]
	}
	rt.doc = doc
	return nil
}

func loadDocument(spec []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: load the document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: the document is invalid: %w", err)
	}
	return doc, nil
}

// operation is one route's validation, worked out once when the router is
// set up so a request only does what its operation needs.
type operation struct {
	route  *routers.Route
	params []*openapi3.Parameter // the operation's and its path item's, the operation's winning
	// always lists the parameters checked on every request: path parameters
	// with constraints and required parameters. Optional query and header
	// parameters are checked only when sent.
	always  []*openapi3.Parameter
	headers bool                         // some header or cookie parameter may be sent
	quick   map[*openapi3.Parameter]bool // query parameters quickCheck decides
	body    *openapi3.RequestBody        // nil: the operation takes no body
	schema  *openapi3.Schema             // the application/json schema of body
}

func compileOperation(doc *openapi3.T, pattern string) (*operation, error) {
	method, path, _ := strings.Cut(pattern, " ")
	item := doc.Paths.Value(path)
	var op *openapi3.Operation
	if item != nil {
		op = item.GetOperation(method)
	}
	if op == nil {
		return nil, fmt.Errorf("openapi: route %s is not in the document", pattern)
	}
	o := &operation{
		route: &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
		quick: map[*openapi3.Parameter]bool{},
	}
	for _, p := range op.Parameters {
		o.params = append(o.params, p.Value)
	}
	for _, p := range item.Parameters {
		if op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			o.params = append(o.params, p.Value)
		}
	}
	for _, p := range o.params {
		switch {
		case p.In == openapi3.ParameterInQuery:
			if p.Required {
				o.always = append(o.always, p)
			}
			o.quick[p] = quickParameter(p)
		case p.In == openapi3.ParameterInPath:
			if !plainString(p.Schema) {
				o.always = append(o.always, p)
			}
		case p.Required:
			o.always = append(o.always, p)
		default:
			o.headers = true
		}
	}
	if op.RequestBody != nil {
		o.body = op.RequestBody.Value
		mt := o.body.Content.Get(jsonMediaType)
		if mt == nil || len(o.body.Content) != 1 {
			return nil, fmt.Errorf("openapi: the body of %s must be described as application/json alone", pattern)
		}
		if mt.Schema != nil {
			o.schema = mt.Schema.Value
		}
	}
	return o, nil
}

// quickParameter reports whether quickCheck can judge p's values: a query
// parameter of one primitive type whose schema only has the keywords the
// services' documents use on them. Others go through kin-openapi, which
// costs a few microseconds and some thirty allocations a parameter.
func quickParameter(p *openapi3.Parameter) bool {
	if p.Content != nil || p.Schema == nil || p.Schema.Value == nil ||
		(p.Style != "" && p.Style != openapi3.SerializationForm) || (p.Explode != nil && !*p.Explode) {
		return false
	}
	s := p.Schema.Value
	if s.Type == nil || len(*s.Type) != 1 || s.Pattern != "" || s.AllOf != nil || s.AnyOf != nil || s.OneOf != nil || s.Not != nil ||
		s.ExclusiveMin.IsSet() || s.ExclusiveMax.IsSet() || s.MultipleOf != nil {
		return false
	}
	switch {
	case s.Type.Is(openapi3.TypeString):
		for _, e := range s.Enum {
			if _, ok := e.(string); !ok {
				return false
			}
		}
		return s.Format == "" || s.Format == "uuid"
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber), s.Type.Is(openapi3.TypeBoolean):
		return s.Format == "" && len(s.Enum) == 0
	}
	return false
}

// quickCheck judges a non-empty query value against a schema quickParameter
// accepted, as kin-openapi would (a test compares the two); the reason is
// empty when the value is good.
func quickCheck(s *openapi3.Schema, raw string) string {
	var ok bool
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		n, err := strconv.ParseInt(raw, 10, 64)
		ok = err == nil && inRange(s, float64(n))
	case s.Type.Is(openapi3.TypeNumber):
		// decimal numbers only: no hexadecimal, underscores, NaN or infinities
		if strings.ContainsFunc(raw, func(r rune) bool { return !strings.ContainsRune("+-.0123456789eE", r) }) {
			ok = false
			break
		}
		f, err := strconv.ParseFloat(raw, 64)
		ok = err == nil && !math.IsInf(f, 0) && inRange(s, f)
	case s.Type.Is(openapi3.TypeBoolean):
		_, err := strconv.ParseBool(raw)
		ok = err == nil
	default:
		n := uint64(utf8.RuneCountInString(raw))
		switch {
		case n < s.MinLength:
			return fmt.Sprintf("must be at least %d characters", s.MinLength)
		case s.MaxLength != nil && n > *s.MaxLength:
			return fmt.Sprintf("must be at most %d characters", *s.MaxLength)
		}
		ok = (len(s.Enum) == 0 || slices.Contains(s.Enum, any(raw))) && (s.Format != "uuid" || IsUUID(raw))
	}
	if ok {
		return ""
	}
	return "must be " + expectation(s)
}

func inRange(s *openapi3.Schema, f float64) bool {
	return (s.Min == nil || f >= *s.Min) && (s.Max == nil || f <= *s.Max)
}

// plainString is a schema any path segment meets: nothing to check.
func plainString(s *openapi3.SchemaRef) bool {
	if s == nil || s.Value == nil {
		return true
	}
	v := s.Value
	return v.Type.Is(openapi3.TypeString) && v.Format == "" && v.Pattern == "" && v.MinLength == 0 && v.MaxLength == nil && len(v.Enum) == 0
}

const jsonMediaType = "application/json"

// Formats checked beyond kin-openapi's defaults: ids are canonical UUIDs,
// as IsUUID says.
var formats = openapi3.WithStringFormatValidator("uuid", uuidFormat{})

type uuidFormat struct{}

func (uuidFormat) Validate(s string) error {
	if !IsUUID(s) {
		return errors.New("not a UUID")
	}
	return nil
}

var paramOptions = &openapi3filter.Options{SkipSettingDefaults: true, MultiError: true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{formats}}

// check validates r; the body it read is put back for the handler. An error
// refuses the request before the handler runs.
func (o *operation) check(w http.ResponseWriter, r *http.Request) error {
	if r.URL.RawQuery == "" && len(o.always) == 0 && !o.headers {
		// The common read: nothing in the query, no parameter to check.
		return o.checkBody(w, r)
	}
	var v Validator
	input := &openapi3filter.RequestValidationInput{Request: r, Route: o.route, Options: paramOptions}
	if r.URL.RawQuery != "" {
		query, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return Invalid(http.StatusBadRequest, "query", "is not a valid query string")
		}
		// Parameters the operation does not declare are ignored, as they
		// always were: proxies and analytics add their own (utm_*, _=), and
		// a list that takes no include_deleted may be asked with it.
		input.QueryParams = query
	}
	for _, p := range o.params {
		if !o.sent(r, input, p) {
			continue
		}
		if o.quick[p] {
			if vals := input.QueryParams[p.Name]; len(vals) > 0 && vals[0] != "" {
				if reason := quickCheck(p.Schema.Value, vals[0]); reason != "" {
					v.Add(p.Name, reason)
				}
				continue
			}
		}
		if p.In == openapi3.ParameterInPath && input.PathParams == nil {
			input.PathParams = o.pathParams(r)
		}
		if err := openapi3filter.ValidateParameter(r.Context(), input, p); err != nil {
			addParameterError(&v, p, err)
		}
	}
	if len(v.errs) > 0 {
		return &ValidationError{Status: http.StatusBadRequest, Errors: v.errs}
	}
	return o.checkBody(w, r)
}

// sent reports whether p must be checked on this request.
func (o *operation) sent(r *http.Request, input *openapi3filter.RequestValidationInput, p *openapi3.Parameter) bool {
	if slices.Contains(o.always, p) {
		return true
	}
	switch p.In {
	case openapi3.ParameterInQuery:
		_, ok := input.QueryParams[p.Name]
		return ok
	case openapi3.ParameterInHeader:
		return r.Header.Get(p.Name) != ""
	case openapi3.ParameterInCookie:
		_, err := r.Cookie(p.Name)
		return err == nil
	}
	return false
}

func (o *operation) pathParams(r *http.Request) map[string]string {
	m := map[string]string{}
	for _, p := range o.params {
		if p.In == openapi3.ParameterInPath {
			m[p.Name] = r.PathValue(p.Name)
		}
	}
	return m
}

func (o *operation) checkBody(w http.ResponseWriter, r *http.Request) error {
	if o.body == nil {
		return nil // the handler reads no body: whatever came is ignored
	}
	var data []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if data, err = readBody(w, r); err != nil {
			return err
		}
	}
	if len(data) == 0 {
		if o.body.Required {
			return Invalid(http.StatusBadRequest, "body", "is empty; a JSON object is required")
		}
		return nil
	}
	if err := requireJSON(r); err != nil {
		return err
	}
	value, err := decodeStrict(data)
	if err != nil {
		return err
	}
	if o.schema == nil {
		return nil
	}
	if err := o.schema.VisitJSON(value, openapi3.VisitAsRequest(), openapi3.MultiErrors(), formats); err != nil {
		return bodyErrors(err)
	}
	return nil
}

// readBody reads the whole body (bounded by MaxBodyBytes) and puts it back
// for the handler.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	_ = r.Body.Close()
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, &StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes)}
		}
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.ContentLength = int64(len(data))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return data, nil
}

// addParameterError names the parameter and what it must be.
func addParameterError(v *Validator, p *openapi3.Parameter, err error) {
	var (
		re *openapi3filter.RequestError
		me openapi3.MultiError
		se *openapi3.SchemaError
	)
	if errors.As(err, &re) && re.Err != nil {
		err = re.Err
	}
	var schema *openapi3.Schema
	if p.Schema != nil {
		schema = p.Schema.Value
	}
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		v.Add(p.Name, "is required")
	case errors.As(err, &me) && len(me) > 0 && errors.As(me[0], &se), errors.As(err, &se):
		if len(se.JSONPointer()) == 0 && schema != nil {
			v.Add(p.Name, reasonFor(se))
			return
		}
		v.Add(fieldName(p.Name, se.JSONPointer()), reasonFor(se))
	case schema != nil:
		v.Add(p.Name, "must be "+expectation(schema)) // unparsable: "abc" for an integer
	default:
		v.Add(p.Name, "is invalid")
	}
}

// bodyErrors names every field the schema refuses, once each (a rating of
// 0.5 breaks both its type and its minimum: one reason says both). An
// unknown field (or a body that is not an object at all) makes the request
// malformed, a 400; otherwise the body is well-formed and breaks limits, a 422.
func bodyErrors(err error) error {
	var list []error
	var me openapi3.MultiError
	if errors.As(err, &me) {
		list = flatten(me)
	} else {
		list = []error{err}
	}
	var malformed, limits Validator
	named := map[string]bool{}
	add := func(v *Validator, field, reason string) {
		if !named[field] {
			named[field] = true
			v.Add(field, reason)
		}
	}
	for _, e := range list {
		var se *openapi3.SchemaError
		if !errors.As(e, &se) {
			add(&malformed, "body", "does not match the operation's schema")
			continue
		}
		path := se.JSONPointer()
		switch {
		case se.SchemaField == "properties":
			if name, ok := unsupportedProperty(se.Reason); ok {
				add(&malformed, fieldName("", append(path, name)), "is not a known field")
			} else {
				add(&malformed, fieldName("body", path), se.Reason)
			}
		case len(path) == 0:
			add(&malformed, "body", reasonFor(se))
		default:
			add(&limits, fieldName("body", path), reasonFor(se))
		}
	}
	if len(malformed.errs) > 0 {
		return &ValidationError{Status: http.StatusBadRequest, Errors: append(malformed.errs, limits.errs...)}
	}
	return &ValidationError{Status: http.StatusUnprocessableEntity, Errors: limits.errs}
}

func flatten(me openapi3.MultiError) []error {
	var out []error
	for _, e := range me {
		var inner openapi3.MultiError
		if errors.As(e, &inner) {
			out = append(out, flatten(inner)...)
			continue
		}
		out = append(out, e)
	}
	return out
}

// unsupportedProperty reads the name out of kin-openapi's reason for an
// unknown property (`property "overveiw" is unsupported`): the SchemaError
// points at the object, not at the property.
func unsupportedProperty(reason string) (string, bool) {
	rest, ok := strings.CutPrefix(reason, "property ")
	if !ok {
		return "", false
	}
	quoted, ok := strings.CutSuffix(rest, " is unsupported")
	if !ok {
		return "", false
	}
	name, err := strconv.Unquote(quoted)
	return name, err == nil
}

// fieldName writes a JSON path the way the API names fields:
// cast[0].person_id, genre_ids[2], title. An empty path is whole.
func fieldName(whole string, path []string) string {
	if len(path) == 0 {
		return whole
	}
	var b strings.Builder
	for i, seg := range path {
		if _, err := strconv.Atoi(seg); err == nil && i > 0 {
			b.WriteString("[" + seg + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// reasonFor says what the field must be, in the words the services use.
func reasonFor(se *openapi3.SchemaError) string {
	s := se.Schema
	if s == nil {
		return se.Reason
	}
	switch se.SchemaField {
	case "required":
		return "is required"
	case "nullable":
		return "must not be null"
	case "minLength":
		if s.MinLength == 1 {
			return "is required"
		}
		return fmt.Sprintf("must be at least %d characters", s.MinLength)
	case "maxLength":
		return fmt.Sprintf("must be at most %d characters", *s.MaxLength)
	case "minItems":
		return fmt.Sprintf("must have at least %d items", s.MinItems)
	case "maxItems":
		return fmt.Sprintf("must have at most %d items", *s.MaxItems)
	case "uniqueItems":
		return "must not list an item twice"
	case "pattern":
		// A regular expression means little to the person filling a form:
		// the document says in x-pattern-reason what the pattern asks for
		// ("must be an absolute http or https URL"), in the service's words.
		if reason, ok := s.Extensions[PatternReason].(string); ok && reason != "" {
			return reason
		}
		return "must match " + s.Pattern
	case "type", "enum", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf":
		return "must be " + expectation(s)
	}
	return se.Reason
}

// PatternReason is the schema extension that words a pattern's refusal.
const PatternReason = "x-pattern-reason"

// expectation describes the values a schema accepts: "an integer from 1 to
// 100", "one of asc, desc", "a UUID", "true or false".
func expectation(s *openapi3.Schema) string {
	var out string
	switch {
	case len(s.Enum) > 0:
		vals := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			vals[i] = fmt.Sprint(e)
		}
		out = "one of " + strings.Join(vals, ", ")
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		out = "a number"
		if s.Type.Is(openapi3.TypeInteger) {
			out = "an integer"
		}
		switch {
		case s.Min != nil && s.Max != nil:
			out += fmt.Sprintf(" from %s to %s", num(*s.Min), num(*s.Max))
		case s.Min != nil:
			out += " of at least " + num(*s.Min)
		case s.Max != nil:
			out += " of at most " + num(*s.Max)
		}
	case s.Type.Is(openapi3.TypeBoolean):
		out = "true or false"
	case s.Type.Is(openapi3.TypeArray):
		out = "a list"
	case s.Type.Is(openapi3.TypeObject):
		out = "an object"
	case s.Format == "uuid":
		out = "a UUID"
	case s.Format == "date":
		out = "a date (YYYY-MM-DD)"
	case s.Format == "date-time":
		out = "a date and time (RFC 3339)"
	case s.Format == "email":
		out = "an e-mail address"
	case s.Type.Is(openapi3.TypeString):
		out = "a string"
	default:
		out = "a valid value"
	}
	if s.Nullable {
		out += " or null"
	}
	return out
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// checkClosedRequestSchemas refuses request schemas that would accept
// unknown fields: each object schema a request body can reach must say
// additionalProperties: false (or give the extra properties a schema). A
// pattern there must come with its x-pattern-reason, the words a refused
// value is told.
func checkClosedRequestSchemas(doc *openapi3.T) error {
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, s *openapi3.SchemaRef) error
	walk = func(where string, ref *openapi3.SchemaRef) error {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return nil
		}
		s := ref.Value
		seen[s] = true
		if ref.Ref != "" {
			where = ref.Ref
		}
		if s.Type.Is(openapi3.TypeObject) || len(s.Properties) > 0 {
			if has := s.AdditionalProperties.Has; s.AdditionalProperties.Schema == nil && (has == nil || *has) {
				return fmt.Errorf("openapi: request schema %s must set additionalProperties: false so unknown fields are refused", where)
			}
		}
		if s.Pattern != "" && s.Extensions[PatternReason] == nil {
			return fmt.Errorf("openapi: request schema %s has a pattern but no %s saying in words what it asks for", where, PatternReason)
		}
		for name, p := range s.Properties {
			if err := walk(where+"."+name, p); err != nil {
				return err
			}
		}
		for _, list := range [][]*openapi3.SchemaRef{{s.Items, s.AdditionalProperties.Schema}, s.AllOf, s.AnyOf, s.OneOf} {
			for _, sub := range list {
				if err := walk(where, sub); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for _, mt := range op.RequestBody.Value.Content {
				if err := walk(method+" "+path, mt.Schema); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Refusal is what the router tells a request whose field holds value under
// schema s: "" when the schema accepts it. Tests put it beside the service's
// own check of the same field, so the two say the same.
func Refusal(s *openapi3.Schema, value any) string {
	err := s.VisitJSON(value, openapi3.VisitAsRequest(), openapi3.MultiErrors(), formats)
	if err == nil {
		return ""
	}
	var ve *ValidationError
	if errors.As(bodyErrors(err), &ve) && len(ve.Errors) > 0 {
		return ve.Errors[0].Reason
	}
	return err.Error()
}
